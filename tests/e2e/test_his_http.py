"""The his adapter's HTTPS push with the real binary and real curl over mutual TLS: CDA-style XML
documents and JSON visit records, 201 with the record ids only after commit, Idempotency-Key
scoped by organisation, RFC 7807 problems for everything else, the raw body always kept, and
the organisation of every record taken from the client certificate."""
import json
import os
import sqlite3
import subprocess
import tempfile
import time
import unittest

from harness import GatewayCase, SOURCE_DIR, issue_client_cert, read

ORG_A = "12110000MB0000001X"   # hospital-a's organisation (its client certificate's principal)
ORG_B = "12110000MB0000002Y"   # a second hospital, using the province-platform certificate here
EXAMPLES = os.path.join(SOURCE_DIR, "adapters/his/examples")
XML_FIXTURES = os.path.join(SOURCE_DIR, "tests/fixtures/xml")

CONFIG = """
data_dir: {data}
log: {{ level: info }}
listeners:
  - name: admin
    port: {admin_port}
  - name: ingest
    port: {ingest_port}
    serve_health: false
    limits: {{ max_body_bytes: 1MiB, read_timeout: 5s, idle_timeout: 10s }}
    tls:
      certificate: {certs}/server.crt
      private_key: {certs}/server.key
      client_ca: {certs}/ca.crt
      require_client_certificate: true
  # TLS without a required client certificate: how an anonymous request reaches the plugin.
  - name: open
    port: {extra_port}
    serve_health: false
    tls:
      certificate: {certs}/server.crt
      private_key: {certs}/server.key
      client_ca: {certs}/ca.crt
      require_client_certificate: false
store:
  path: kangqiao.db
  busy_timeout: 200ms
  group_commit: {{ max_batch: 100, max_delay: 1ms }}
plugins:
  directory: {plugins}
mappings:
  directory: """ + os.path.join(SOURCE_DIR, "mappings") + """
adapters:
  - name: his-push
    plugin: his
    listener: ingest
    roles: [his.push]
    config:
      transport: https
  - name: his-push-open
    plugin: his
    listener: open
    config:
      transport: https
principals:
  - name: hospital-a
    organisation: \"""" + ORG_A + """\"
    roles: [his.push]
    subject: "CN=hospital-a,O=Demo District Hospital,C=CN"
  - name: hospital-b
    organisation: \"""" + ORG_B + """\"
    roles: [his.push]
    subject: "CN=province-platform,O=Demo Provincial Platform,C=CN"
  - name: clinic-without-org
    roles: [his.push]
    subject: "CN=clinic-c,O=Demo Clinic,C=CN"
  - name: statistics-reader
    organisation: "12110000MB0000003X"
    roles: [records.pull]
    subject: "CN=reader,O=Demo Statistics Office,C=CN"
"""


class HisOverHttps(GatewayCase):
    CONFIG = CONFIG

    @classmethod
    def prepare(cls):
        cls.extra_certs = os.path.join(cls.gw.dir, "extra-certs")  # removed with the gateway's folder
        os.makedirs(cls.extra_certs)
        issue_client_cert(cls.gw.certs, cls.extra_certs, "clinic-c", "/C=CN/O=Demo Clinic/CN=clinic-c")
        issue_client_cert(cls.gw.certs, cls.extra_certs, "stranger", "/C=CN/O=Nobody/CN=stranger")
        issue_client_cert(cls.gw.certs, cls.extra_certs, "reader", "/C=CN/O=Demo Statistics Office/CN=reader")

    # -- helpers ---------------------------------------------------------------------------------

    def cert_args(self, client):
        if client is None:
            return []
        folder = self.extra_certs if client in ("clinic-c", "stranger", "reader") else self.gw.certs
        return ["--cert", f"{folder}/{client}.crt", "--key", f"{folder}/{client}.key"]

    def curl(self, path, body, content_type="application/xml", key=None, client="hospital-a", port=None):
        """POSTs `body` with curl; returns (status, headers, parsed body). Status 0: curl failed."""
        work = tempfile.mkdtemp(prefix="kq-curl-")
        with open(f"{work}/body", "wb") as f:
            f.write(body)
        args = ["curl", "-sS", "--cacert", f"{self.gw.certs}/ca.crt", *self.cert_args(client),
                "-H", f"Content-Type: {content_type}", "--data-binary", f"@{work}/body",
                "-D", f"{work}/headers", "-o", f"{work}/reply", "-w", "%{http_code}"]
        if key is not None:
            args += ["-H", f"Idempotency-Key: {key}"]
        args.append(f"https://localhost:{port or self.gw.ingest_port}{path}")
        r = subprocess.run(args, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            return 0, {}, r.stderr
        headers = {}
        for line in read(f"{work}/headers").decode().splitlines()[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        text = read(f"{work}/reply").decode()
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = text
        return int(r.stdout), headers, parsed

    def post_document(self, body, **kw):
        return self.curl("/v1/his/documents", body, **kw)

    def post_record(self, body, **kw):
        kw.setdefault("content_type", "application/json")
        return self.curl("/v1/his/records", body if isinstance(body, bytes) else json.dumps(body).encode(), **kw)

    def raw(self, message_id):
        rows = self.gw.sql(f"SELECT status, org_id, content_type, hex(payload) AS payload, error "
                           f"FROM raw_message WHERE id = '{message_id}'")
        self.assertEqual(len(rows), 1, message_id)
        row = rows[0]
        row["payload"] = bytes.fromhex(row["payload"])
        return row

    def count(self, table):
        return self.gw.sql(f"SELECT count(*) AS n FROM {table}")[0]["n"]

    def assert_problem(self, status, headers, body, expected_status, slug):
        self.assertEqual(status, expected_status, body)
        self.assertEqual(headers.get("content-type"), "application/problem+json", headers)
        self.assertEqual(body["type"], "urn:kangqiao:problem:" + slug, body)
        self.assertEqual(body["status"], expected_status)
        self.assertTrue(body["title"])
        self.assertTrue(body["detail"])
        self.assertIsInstance(body["errors"], list)

    def visit(self, visit_no="MZ20240312001", **patient):
        body = json.loads(read(f"{EXAMPLES}/visit.json"))
        body["visit"]["visitNo"] = visit_no
        body["patient"].update(patient)
        return body

    # -- accepted --------------------------------------------------------------------------------

    def test_cda_document_is_committed_then_acknowledged_with_its_ids(self):
        cda = read(f"{EXAMPLES}/outpatient_cda.xml")
        status, headers, body = self.post_document(cda, key="cda-1")
        self.assertEqual(status, 201, body)
        self.assertEqual(headers.get("content-type"), "application/json")
        self.assertEqual(set(body), {"message_id", "record_ids"})
        rows = self.gw.sql(f"SELECT id, kind, org_id FROM record WHERE message_id = '{body['message_id']}'")
        self.assertEqual(sorted(r["id"] for r in rows), sorted(body["record_ids"]))
        kinds = sorted(r["kind"] for r in rows)
        self.assertEqual(kinds, ["diagnosis", "diagnosis", "encounter", "observation", "observation",
                                 "observation", "person", "provenance"])
        # The organisation is the certificate's on every record that has one, and on the raw row.
        self.assertEqual({r["org_id"] for r in rows if r["kind"] != "person"}, {ORG_A})
        raw = self.raw(body["message_id"])
        self.assertEqual((raw["status"], raw["org_id"], raw["content_type"]), ("accepted", ORG_A, "application/xml"))
        self.assertEqual(raw["payload"], cda)
        person = json.loads(self.gw.sql("SELECT body FROM record WHERE kind = 'person' AND message_id = "
                                        f"'{body['message_id']}'")[0]["body"])
        self.assertEqual(person["name"]["text"], "李小红")

    def test_json_visit_record_is_committed_with_the_certificate_organisation(self):
        status, headers, body = self.post_record(self.visit("MZ-JSON-1"), key="json-1")
        self.assertEqual(status, 201, body)
        rows = self.gw.sql(f"SELECT kind, org_id, body FROM record WHERE message_id = '{body['message_id']}'")
        self.assertEqual(sorted(r["kind"] for r in rows),
                         ["diagnosis", "encounter", "observation", "observation", "person", "provenance"])
        self.assertEqual({r["org_id"] for r in rows if r["kind"] != "person"}, {ORG_A})
        encounter = json.loads(next(r["body"] for r in rows if r["kind"] == "encounter"))
        self.assertEqual((encounter["source_visit_no"], encounter["dept"]), ("MZ-JSON-1", "儿科"))
        self.assertEqual(self.raw(body["message_id"])["content_type"], "application/json")

    def test_front_page_c0032_document(self):
        status, _, body = self.post_document(read(f"{EXAMPLES}/front_page_cda.xml"), key="front-page-1")
        self.assertEqual(status, 201, body)
        rows = self.gw.sql(f"SELECT kind, body FROM record WHERE message_id = '{body['message_id']}'")
        summary = json.loads(next(r["body"] for r in rows if r["kind"] == "inpatient_summary"))
        self.assertEqual(summary["mrn"], "BA0100231")
        self.assertEqual(summary["org_id"], ORG_A)
        self.assertIn(summary["main_diagnosis_id"], body["record_ids"])

    # -- Idempotency-Key -------------------------------------------------------------------------

    def test_resend_with_the_same_key_gets_the_same_reply_and_stores_nothing_new(self):
        doc = self.visit("MZ-IDEM-1")
        first = self.post_record(doc, key="idem-1")
        self.assertEqual(first[0], 201, first[2])
        before = (self.count("raw_message"), self.count("record"), self.count("dead_letter"))
        again = self.post_record(doc, key="idem-1")
        self.assertEqual(again[0], 201, again[2])
        self.assertEqual(again[2], first[2])  # byte-for-byte the same reply
        self.assertEqual((self.count("raw_message"), self.count("record"), self.count("dead_letter")), before)

    def test_same_key_with_another_body_is_a_conflict_kept_and_audited(self):
        first = self.post_record(self.visit("MZ-CONFLICT-1"), key="conflict-1")
        self.assertEqual(first[0], 201, first[2])
        records_before = self.count("record")
        status, headers, body = self.post_record(self.visit("MZ-CONFLICT-2"), key="conflict-1")
        self.assert_problem(status, headers, body, 409, "idempotency-key-reused")
        self.assertEqual(body["errors"][0]["location"], "Idempotency-Key")
        self.assertEqual(self.count("record"), records_before)
        raw = self.raw(body["message_id"])
        self.assertEqual(raw["status"], "rejected")
        self.assertEqual(json.loads(raw["payload"])["visit"]["visitNo"], "MZ-CONFLICT-2")
        alerts = self.gw.sql("SELECT actor, org_id FROM audit_log WHERE event_type = '110113'")
        self.assertIn({"actor": "hospital-a", "org_id": ORG_A}, alerts)

    def test_key_scope_includes_the_organisation(self):
        # Hospital B uses the same key as hospital A for its own (different) body: not a conflict.
        a = self.post_record(self.visit("MZ-SCOPE-A"), key="shared-key")
        self.assertEqual(a[0], 201, a[2])
        doc_b = self.visit("MZ-SCOPE-B")
        doc_b["hospital"]["creditCode"] = ORG_B
        b = self.post_record(doc_b, key="shared-key", client="province-platform")
        self.assertEqual(b[0], 201, b[2])
        self.assertNotEqual(a[2]["message_id"], b[2]["message_id"])
        orgs = self.gw.sql(f"SELECT DISTINCT org_id FROM record WHERE message_id = '{b[2]['message_id']}' "
                           "AND kind != 'person'")
        self.assertEqual(orgs, [{"org_id": ORG_B}])

    def test_without_a_key_every_post_is_new(self):
        doc = self.visit("MZ-NOKEY-1")
        first = self.post_record(doc)
        second = self.post_record(doc)
        self.assertEqual((first[0], second[0]), (201, 201), (first[2], second[2]))
        self.assertNotEqual(first[2]["message_id"], second[2]["message_id"])
        self.assertEqual(self.raw(second[2]["message_id"])["status"], "accepted")

    # -- refused ---------------------------------------------------------------------------------

    def test_no_client_certificate_is_refused_in_the_tls_handshake(self):
        status, _, err = self.post_document(read(f"{EXAMPLES}/outpatient_cda.xml"), client=None)
        self.assertEqual(status, 0, err)

    def test_anonymous_request_on_a_listener_without_client_certificates_is_401(self):
        before = self.count("record")
        status, headers, body = self.post_document(read(f"{EXAMPLES}/outpatient_cda.xml"), client=None,
                                                   port=self.gw.extra_port)
        self.assert_problem(status, headers, body, 401, "unauthenticated")
        self.assertEqual(self.count("record"), before)
        self.assertEqual(self.raw(body["message_id"])["status"], "rejected")

    def test_trusted_but_unmapped_certificate_is_403(self):
        status, headers, body = self.post_document(read(f"{EXAMPLES}/outpatient_cda.xml"), client="stranger")
        self.assertEqual(status, 403, body)
        self.assertIn("not mapped to a principal", body["detail"])

    def test_principal_without_the_adapters_role_is_403_and_nothing_is_stored(self):
        before = self.count("raw_message")
        status, headers, body = self.post_document(read(f"{EXAMPLES}/outpatient_cda.xml"), client="reader")
        self.assertEqual(status, 403, body)
        self.assertIn("statistics-reader", body["detail"])
        self.assertIn("his.push", body["detail"])
        self.assertEqual(before, self.count("raw_message"))

    def test_principal_without_organisation_is_403(self):
        status, headers, body = self.post_document(read(f"{EXAMPLES}/outpatient_cda.xml"), client="clinic-c")
        self.assert_problem(status, headers, body, 403, "no-organisation")
        self.assertIn("clinic-without-org", body["detail"])

    def test_body_naming_another_organisation_is_refused(self):
        cda = read(f"{EXAMPLES}/outpatient_cda.xml").replace(ORG_A.encode(), b"12110000MB0000009Q")
        before = self.count("record")
        status, headers, body = self.post_document(cda, key="other-org-1")
        self.assert_problem(status, headers, body, 403, "organisation-mismatch")
        self.assertEqual(body["errors"][0]["location"],
                         "/ClinicalDocument/custodian/assignedCustodian/representedCustodianOrganization/id/@extension")
        self.assertIn("12110000MB0000009Q", body["errors"][0]["message"])
        self.assertEqual(self.count("record"), before)
        raw = self.raw(body["message_id"])
        self.assertEqual((raw["status"], raw["payload"]), ("rejected", cda))
        # The same through the JSON route, located by JSON Pointer.
        doc = self.visit("MZ-OTHER-ORG")
        doc["hospital"]["creditCode"] = ORG_B
        status, headers, body = self.post_record(doc)
        self.assert_problem(status, headers, body, 403, "organisation-mismatch")
        self.assertEqual(body["errors"][0]["location"], "/hospital/creditCode")

    def test_wrong_content_type_is_415_and_kept(self):
        cda = read(f"{EXAMPLES}/outpatient_cda.xml")
        status, headers, body = self.post_document(cda, content_type="text/plain")
        self.assert_problem(status, headers, body, 415, "unsupported-media-type")
        self.assertEqual(self.raw(body["message_id"])["payload"], cda)
        status, headers, body = self.post_record(json.dumps(self.visit()).encode(), content_type="application/xml")
        self.assert_problem(status, headers, body, 415, "unsupported-media-type")
        self.assertEqual(body["errors"], [{"location": "Content-Type", "message": "must be application/json",
                                           "kind": "unsupported"}])
        # A charset parameter is fine, and so is text/xml for documents.
        status, _, body = self.post_record(self.visit("MZ-CHARSET"), content_type="application/json; charset=utf-8")
        self.assertEqual(status, 201, body)
        status, _, body = self.post_document(cda, content_type="Text/XML; charset=UTF-8", key="text-xml-1")
        self.assertEqual(status, 201, body)

    def test_unusable_idempotency_key_is_400(self):
        status, headers, body = self.post_record(self.visit("MZ-BAD-KEY"), key="two words")
        self.assert_problem(status, headers, body, 400, "bad-idempotency-key")
        self.assertEqual(body["errors"][0]["location"], "Idempotency-Key")
        self.assertEqual(self.raw(body["message_id"])["status"], "rejected")

    def test_malformed_xml_and_json_are_400_and_kept(self):
        bad = b"<ClinicalDocument xmlns='urn:hl7-org:v3'><code code='C0003'></ClinicalDocument>"
        status, headers, body = self.post_document(bad, key="bad-xml-1")
        self.assert_problem(status, headers, body, 400, "malformed-xml")
        self.assertTrue(body["errors"][0]["location"], body)
        raw = self.raw(body["message_id"])
        self.assertEqual((raw["status"], raw["org_id"], raw["content_type"], raw["payload"]),
                         ("rejected", ORG_A, "application/xml", bad))
        status, headers, body = self.post_record(b'{"messageType": "visit", "patient": {', key="bad-json-1")
        self.assert_problem(status, headers, body, 400, "malformed-json")
        self.assertEqual(self.raw(body["message_id"])["payload"], b'{"messageType": "visit", "patient": {')

    def test_entity_expansion_and_external_entities_are_400_not_a_crash(self):
        for name in ("billion_laughs.xml", "xxe_passwd.xml"):
            with self.subTest(name):
                payload = read(f"{XML_FIXTURES}/{name}")
                status, headers, body = self.post_document(payload)
                self.assert_problem(status, headers, body, 400, "malformed-xml")
                self.assertIn("DOCTYPE", body["detail"])
                self.assertNotIn("root:", json.dumps(body))
                self.assertEqual(self.raw(body["message_id"])["payload"], payload)
        self.assertEqual(self.gw.get("/healthz")[0], 200)

    # -- content errors --------------------------------------------------------------------------

    def test_content_errors_are_422_with_xpath_locations_and_a_dead_letter(self):
        cda = (read(f"{EXAMPLES}/outpatient_cda.xml")
               .replace(b"110105201503070021", b"110105201503070022")   # wrong check digit
               .replace("<name>李小红</name>".encode(), b""))
        before = self.count("record")
        status, headers, body = self.post_document(cda, key="content-error-1")
        self.assert_problem(status, headers, body, 422, "invalid-content")
        self.assertTrue(body["detail"].startswith("2 field error(s)"), body)
        by_location = {e["location"]: e["message"] for e in body["errors"]}
        self.assertIn("check digit is 2, expected 1",
                      by_location["/ClinicalDocument/recordTarget/patientRole/patient/id/@extension"])
        self.assertTrue(any("is required" in m for m in by_location.values()), body)
        self.assertEqual(self.count("record"), before)
        raw = self.raw(body["message_id"])
        self.assertEqual((raw["status"], raw["payload"]), ("dead_letter", cda))
        dead = self.gw.sql(f"SELECT errors, mapping FROM dead_letter WHERE message_id = '{body['message_id']}'")
        self.assertEqual(len(dead), 1)
        self.assertIn("check digit", dead[0]["errors"])
        self.assertIn("his-cda-outpatient@", dead[0]["mapping"])

    def test_json_content_errors_are_located_by_json_pointer(self):
        doc = self.visit("MZ-BAD-JSON", idCard="110105201001010011", sex="5")
        doc["visit"]["class"] = "ward"
        status, headers, body = self.post_record(doc, key="json-content-1")
        self.assert_problem(status, headers, body, 422, "invalid-content")
        by_location = {e["location"]: e["message"] for e in body["errors"]}
        self.assertIn("check digit is 1, expected 0", by_location["/patient/idCard"])
        self.assertIn("gbt2261_1_sex", by_location["/patient/sex"])
        self.assertIn("'ward'", by_location["/visit/class"])
        self.assertEqual(self.raw(body["message_id"])["status"], "dead_letter")

    # -- not stored -------------------------------------------------------------------------------

    def test_store_unavailable_is_503_with_retry_after_and_the_resend_succeeds(self):
        doc = self.visit("MZ-TRANSIENT-1")
        blocker = sqlite3.connect(self.gw.db_path, isolation_level=None, timeout=5)
        try:
            blocker.execute("BEGIN IMMEDIATE")  # holds the write lock longer than busy_timeout
            status, headers, body = self.post_record(doc, key="transient-1")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        self.assert_problem(status, headers, body, 503, "not-stored")
        self.assertEqual(headers.get("retry-after"), "5")
        self.assertNotIn("message_id", body)
        status, _, body = self.post_record(doc, key="transient-1")
        self.assertEqual(status, 201, body)

    # -- privacy ----------------------------------------------------------------------------------

    def test_names_and_id_numbers_are_not_logged(self):
        # Accepted, dead-lettered (the bad ID number is echoed to the sender, not to the log) and
        # refused requests.
        self.assertEqual(self.post_record(self.visit("MZ-LOG-1"), key="log-1")[0], 201)
        self.assertEqual(self.post_record(self.visit("MZ-LOG-2", idCard="110105201001010011"))[0], 422)
        self.assertEqual(self.post_document(read(f"{EXAMPLES}/outpatient_cda.xml"), client="clinic-c")[0], 403)
        time.sleep(0.2)
        logs = self.gw.logs()
        self.assertIn("listener_started", logs)  # the log is there and being read
        for secret in ("张小明", "李小红", "110105201001010010", "110105201001010011", "110105201503070021"):
            self.assertNotIn(secret, logs)


if __name__ == "__main__":
    unittest.main()
