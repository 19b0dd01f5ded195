"""One message shape from listener to store, through the real binary over mutual TLS and MLLP:
- an HTTPS push is stored with everything needed to run it again (principal, organisation, key,
  route, method, charset), so `kangqiao reprocess` replays a JSON visit that was a dead letter and
  a CDA document that was accepted, after the value set is fixed, linked to the original message;
- each payload is parsed once (the gateway's own parse counter on /metrics);
- an Idempotency-Key belongs to the organisation that sent it;
- every write route checks roles, and a pull-only certificate can write nothing;
- an adapter applies only the mappings bound to it;
- a person with no identifier is refused."""
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import unittest

from harness import BIN, Gateway, GatewayCase, SOURCE_DIR, issue_client_cert, mllp_exchange, msa, read

ORG_A = "12110000MB0000001X"
ORG_B = "12110000MB0000002Y"
EXAMPLES = os.path.join(SOURCE_DIR, "adapters/his/examples")
MALE = '  "1": {code: "1", display: 男性}\n'

# A school-screening JSON mapping that no HIS adapter is bound to.
SCHOOL_MAPPING = """mapping: school-vision-json
version: 1.0.0
description: test only — a school's vision screening as JSON
source:
  format: json
  match:
    /kind: vision-screening
records:
  pupil:
    kind: person
    fields:
      identifiers[]:
        fields:
          system: cn-resident-id
          value: {from: /pupil/idCard, then: [resident_id]}
      name.text: {from: /pupil/name}
    required: [identifiers]
"""

CONFIG = """
data_dir: {data}
log: {{ level: info }}
listeners:
  - name: admin
    port: {admin_port}
  - name: ingest
    port: {ingest_port}
    serve_health: false
    tls:
      certificate: {certs}/server.crt
      private_key: {certs}/server.key
      client_ca: {certs}/ca.crt
      require_client_certificate: true
  - name: hl7
    protocol: mllp
    port: {extra_port}
plugins:
  directory: {plugins}
mappings:
  directory: MAPPINGS
adapters:
  - name: demo-records
    plugin: example_echo
    listener: ingest
    roles: [records.write]
    config:
      path: /v1/records
  - name: his-push
    plugin: his
    listener: ingest
    roles: [his.push]
    mappings: [his/]
    config:
      transport: https
  - name: his-mllp
    plugin: his
    listener: hl7
    config:
      facility: E2E
principals:
  - name: hospital-a
    organisation: "ORG_A"
    roles: [his.push, records.write]
    subject: "CN=hospital-a,O=Demo District Hospital,C=CN"
  - name: hospital-b
    organisation: "ORG_B"
    roles: [his.push, records.write]
    subject: "CN=hospital-b,O=Demo Second Hospital,C=CN"
  - name: province-platform
    organisation: "11110000MB0000002X"
    roles: [records.pull]
    subject: "CN=province-platform,O=Demo Provincial Platform,C=CN"
"""


def adt(control):
    """The ADT^A01 fixture under another control id."""
    return read(os.path.join(SOURCE_DIR, "tests/fixtures/hl7v2/adt_a01.hl7")).replace(
        b"HIS20240912000001", control.encode())


class MessageShape(GatewayCase):
    @classmethod
    def prepare(cls):
        cls.mappings = os.path.join(cls.gw.dir, "mappings")
        shutil.copytree(os.path.join(SOURCE_DIR, "mappings"), cls.mappings)
        os.makedirs(os.path.join(cls.mappings, "school"))
        with open(os.path.join(cls.mappings, "school/vision_json.yaml"), "w", encoding="utf-8") as f:
            f.write(SCHOOL_MAPPING)
        cls.sex_codes = os.path.join(cls.mappings, "codes/gbt2261_1_sex.yaml")
        cls.extra = os.path.join(cls.gw.dir, "extra-certs")
        os.makedirs(cls.extra)
        issue_client_cert(cls.gw.certs, cls.extra, "hospital-b", "/C=CN/O=Demo Second Hospital/CN=hospital-b")
        text = (CONFIG.replace("MAPPINGS", cls.mappings).replace("ORG_A", ORG_A).replace("ORG_B", ORG_B))
        cls.gw.write_config(text=text)

    def post(self, path, body, client="hospital-a", key=None, content_type="application/json"):
        headers = {"Content-Type": content_type}
        if key:
            headers["Idempotency-Key"] = key
        if client != "hospital-b":
            return self.gw.post(path, body, client=client, headers=headers, content_type=content_type)
        ctx = ssl.create_default_context(cafile=os.path.join(self.gw.certs, "ca.crt"))
        ctx.load_cert_chain(os.path.join(self.extra, "hospital-b.crt"), os.path.join(self.extra, "hospital-b.key"))
        conn = http.client.HTTPSConnection("localhost", self.gw.ingest_port, timeout=10, context=ctx)
        conn.request("POST", path, body=body.encode() if isinstance(body, str) else body, headers=headers)
        r = conn.getresponse()
        return r.status, r.getheader("Content-Type"), json.loads(r.read().decode())

    def metric(self, name, label):
        text = self.gw.get("/metrics")[1]
        m = re.search(r'^%s\{format="%s"\} (\S+)$' % (re.escape(name), label), text, re.M)
        self.assertIsNotNone(m, text)
        return float(m.group(1))

    def reprocess(self, *args):
        return subprocess.run([BIN, "reprocess", "--config", self.gw.config_path, *args],
                              capture_output=True, text=True, timeout=60)

    # -- the stored message is the whole message ----------------------------------------------------

    def test_https_dead_letter_and_accepted_document_are_reprocessed_after_the_value_set_is_fixed(self):
        codes = read(self.sex_codes).decode("utf-8")
        self.assertIn(MALE, codes)
        with open(self.sex_codes, "w", encoding="utf-8") as f:  # "1" (male) no longer maps
            f.write(codes.replace(MALE, ""))
        try:
            self.gw.proc.send_signal(1)  # SIGHUP: the gateway takes the broken value set
            self.gw.wait_for_event("reload_done")
            visit = json.loads(read(f"{EXAMPLES}/visit.json"))
            visit["visit"]["visitNo"] = "MZ-SHAPE-1"
            status, _, reply = self.post("/v1/his/records", json.dumps(visit, ensure_ascii=False), key="shape-visit-1")
            self.assertEqual(status, 422, reply)
            dead_id = reply["message_id"]
            self.assertEqual(reply["errors"][0]["kind"], "code-unknown", reply)
            status, _, reply = self.post("/v1/his/documents", read(f"{EXAMPLES}/outpatient_cda.xml"),
                                         key="shape-cda-1", content_type="application/xml; charset=UTF-8")
            self.assertEqual(status, 201, reply)
            cda_id = reply["message_id"]
            first_versions = {r["id"]: r["version"] for r in self.gw.sql(
                f"SELECT id, version FROM record WHERE message_id = '{cda_id}'")}
        finally:
            with open(self.sex_codes, "w", encoding="utf-8") as f:
                f.write(codes)

        stored = self.gw.sql("SELECT transport, listener, channel, method, content_type, charset, principal, "
                             f"org_id, idempotency_key FROM raw_message WHERE id = '{cda_id}'")[0]
        self.assertEqual(stored, {"transport": "http", "listener": "ingest", "channel": "/v1/his/documents",
                                  "method": "POST", "content_type": "application/xml; charset=UTF-8",
                                  "charset": "UTF-8", "principal": "hospital-a", "org_id": ORG_A,
                                  "idempotency_key": "shape-cda-1"})

        # (Other tests of this class leave dead letters of their own: run this one by its id.)
        r = self.reprocess("--message-id", dead_id)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"{dead_id} accepted", r.stdout)
        records = self.gw.sql(f"SELECT kind, org_id FROM record WHERE message_id = '{dead_id}'")
        kinds = sorted({row["kind"] for row in records})
        self.assertEqual(kinds, ["diagnosis", "encounter", "observation", "person", "provenance"], records)
        self.assertTrue(all(row["org_id"] in (ORG_A, None) for row in records), records)
        self.assertEqual(self.gw.sql(f"SELECT resolved_at_ms IS NOT NULL AS done FROM dead_letter "
                                     f"WHERE message_id = '{dead_id}'"), [{"done": 1}])
        provenance = json.loads(self.gw.sql(f"SELECT body FROM record WHERE message_id = '{dead_id}' "
                                            "AND kind = 'provenance'")[0]["body"])
        self.assertEqual(provenance["source_system"], "his-push@hospital-a")

        r = self.reprocess("--message-id", cda_id)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"{cda_id} accepted", r.stdout)
        again = {row["id"]: row["version"] for row in self.gw.sql(
            f"SELECT id, max(version) AS version FROM record WHERE message_id = '{cda_id}' GROUP BY id")}
        self.assertEqual(set(again), set(first_versions))  # the same records, not new ones
        self.assertTrue(all(again[i] == first_versions[i] + 1 for i in first_versions if i in again), again)

    # -- parsed once ----------------------------------------------------------------------------

    def test_each_payload_is_parsed_once(self):
        hl7_before = self.metric("kangqiao_payload_parses_total", "hl7v2")
        json_before = self.metric("kangqiao_payload_parses_total", "json")
        xml_before = self.metric("kangqiao_payload_parses_total", "xml")
        for i in range(5):
            ack = mllp_exchange(self.gw.extra_port, adt(f"ONCE-{i}"))
            self.assertEqual(msa(ack)[1], "CA", ack)  # the fixture asks for enhanced mode (MSH-15 AL)
        for i in range(3):
            visit = json.loads(read(f"{EXAMPLES}/visit.json"))
            visit["visit"]["visitNo"] = f"MZ-ONCE-{i}"
            status, _, reply = self.post("/v1/his/records", json.dumps(visit, ensure_ascii=False))
            self.assertEqual(status, 201, reply)
        status, _, reply = self.post("/v1/his/documents", read(f"{EXAMPLES}/front_page_cda.xml"),
                                     content_type="application/xml")
        self.assertEqual(status, 201, reply)
        # ADT is mapped by two mappings' worth of candidates (adt, a40, oru: one parse shared); the
        # his plugin reads MSH from the same parse and the ACK from what it kept.
        self.assertEqual(self.metric("kangqiao_payload_parses_total", "hl7v2") - hl7_before, 5)
        self.assertEqual(self.metric("kangqiao_payload_parses_total", "json") - json_before, 3)
        self.assertEqual(self.metric("kangqiao_payload_parses_total", "xml") - xml_before, 1)

    # -- tenancy and roles ----------------------------------------------------------------------

    def person(self, resident_id, name):
        return json.dumps({"kind": "person", "identifiers": [{"system": "urn:oid:2.16.156.10011.1.3",
                                                               "value": resident_id}],
                           "name": {"text": name}, "sex": "2", "birth_date": "1949-12-31"},
                          ensure_ascii=False)

    def test_an_idempotency_key_belongs_to_the_organisation_that_sent_it(self):
        status, _, first = self.post("/v1/records", self.person("11010519491231002X", "王五"), key="shared-key-1")
        self.assertEqual(status, 201, first)
        # Another organisation happens to use the same key for its own record: a new message of
        # its own, never hospital-a's message id and record ids (nor a conflict with them).
        status, _, second = self.post("/v1/records", self.person("110105201001010010", "张小明"),
                                      client="hospital-b", key="shared-key-1")
        self.assertEqual(status, 201, second)
        self.assertNotEqual(second["message_id"], first["message_id"])
        self.assertFalse(set(second["record_ids"]) & set(first["record_ids"]), second)
        # Its own resend is its own duplicate.
        status, _, again = self.post("/v1/records", self.person("110105201001010010", "张小明"),
                                     client="hospital-b", key="shared-key-1")
        self.assertEqual((status, again["message_id"], again["duplicate"]), (200, second["message_id"], True))
        scopes = sorted(row["scope"] for row in self.gw.sql("SELECT scope FROM dedupe_key WHERE key = 'shared-key-1'"))
        self.assertEqual(scopes, [f"demo-records|{ORG_A}", f"demo-records|{ORG_B}"])

    def test_a_pull_only_certificate_can_write_through_no_route(self):
        before = self.gw.sql("SELECT count(*) AS n FROM raw_message")[0]["n"]
        for path, body, ctype in [("/v1/records", self.person("11010519491231002X", "王五"), "application/json"),
                                  ("/v1/his/records", read(f"{EXAMPLES}/visit.json"), "application/json"),
                                  ("/v1/his/documents", read(f"{EXAMPLES}/outpatient_cda.xml"), "application/xml")]:
            status, _, reply = self.post(path, body, client="province-platform", content_type=ctype)
            self.assertEqual(status, 403, (path, reply))
            self.assertIn("has none of the roles", reply["detail"], reply)
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM raw_message")[0]["n"], before)

    def test_a_document_only_an_unbound_mapping_takes_is_refused(self):
        body = {"kind": "vision-screening", "pupil": {"name": "李雷", "idCard": "110105201001010010"}}
        status, _, reply = self.post("/v1/his/records", json.dumps(body, ensure_ascii=False))
        self.assertEqual(status, 422, reply)
        message = reply["errors"][0]["message"]
        self.assertIn("'school-vision-json' would", message)
        self.assertIn("not among the adapter's mappings (his/)", message)
        self.assertEqual(reply["errors"][0]["kind"], "unsupported")
        self.assertEqual(self.gw.sql(f"SELECT status FROM raw_message WHERE id = '{reply['message_id']}'"),
                         [{"status": "dead_letter"}])
        self.assertEqual(self.gw.sql(f"SELECT count(*) AS n FROM record WHERE message_id = '{reply['message_id']}'"),
                         [{"n": 0}])

    def test_a_client_writes_only_its_own_organisations_records(self):
        def organisation(org_id, name):
            return json.dumps({"kind": "organization", "id": org_id, "name": name, "type": "hospital"},
                              ensure_ascii=False)
        status, _, reply = self.post("/v1/records", organisation(ORG_A, "本院"))
        self.assertEqual(status, 201, reply)
        # hospital-b names hospital-a's organisation: refused before anything is written.
        status, _, reply = self.post("/v1/records", organisation(ORG_A, "冒名"), client="hospital-b")
        self.assertEqual(status, 422, reply)
        self.assertEqual(reply["errors"][0]["field"], "org_id", reply)
        self.assertEqual(reply["errors"][0]["kind"], "not-permitted", reply)
        rows = self.gw.sql(f"SELECT version, json_extract(body, '$.name') AS name FROM record WHERE id = '{ORG_A}'")
        self.assertEqual(rows, [{"version": 1, "name": "本院"}])

    def test_a_person_without_an_identifier_is_refused(self):
        body = json.dumps({"kind": "person", "name": {"text": "无名"}, "sex": "1"}, ensure_ascii=False)
        status, _, reply = self.post("/v1/records", body)
        self.assertEqual(status, 422, reply)
        self.assertEqual(reply["errors"][0]["field"], "identifiers", reply)


class BindingsAreChecked(unittest.TestCase):
    def check(self, adapters):
        gw = Gateway()
        self.addCleanup(gw.cleanup)
        gw.write_config(text="""
data_dir: {data}
listeners:
  - name: admin
    port: {admin_port}
  - name: ingest
    port: {ingest_port}
    tls:
      certificate: {certs}/server.crt
      private_key: {certs}/server.key
      client_ca: {certs}/ca.crt
      require_client_certificate: true
plugins:
  directory: {plugins}
mappings:
  directory: """ + os.path.join(SOURCE_DIR, "mappings") + "\nadapters:\n" + adapters)
        return subprocess.run([BIN, "check", "--config", gw.config_path], capture_output=True, text=True, timeout=60)

    def test_a_binding_that_names_nothing_is_a_config_error_with_its_place(self):
        r = self.check("""  - name: his-push
    plugin: his
    listener: ingest
    roles: [his.push]
    mappings: [his/, hsi-oru]
    config: {{transport: https}}
""")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, r"kangqiao\.yaml:\d+:\d+: adapter 'his-push': mappings: 'hsi-oru' names no mapping")

    def test_an_adapter_on_a_client_certificate_listener_must_name_its_roles(self):
        r = self.check("""  - name: his-push
    plugin: his
    listener: ingest
    config: {{transport: https}}
""")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("adapter 'his-push' is served on listener 'ingest', which requires client certificates, "
                      "but says no `roles:`", r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
