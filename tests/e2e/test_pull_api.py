"""The provincial pull API and the consent admin API through the real binary over mutual TLS:
the changes feed pages only what consent permits (nothing before a consent, everything it covers
after it, nothing again from the request after a withdrawal), cursors are opaque and resumable,
look-ups by identifier answer 404 alike for a record that does not exist and one outside the
caller's jurisdiction, roles and purposes are enforced, and every disclosure is in the audit log
with the consent that permitted it. Clients: Python's ssl and curl."""
import json
import os
import subprocess
import unittest
import urllib.parse

from harness import BIN, Gateway, issue_client_cert

RESIDENT_ID = "urn:oid:2.16.156.10011.1.3"
ORG_A = "12110000MB0000001X"  # a Beijing hospital: its code's region is 110000

CONFIG = """
node_name: e2e-pull
data_dir: {data}
log: {{ level: info }}
threads: {{ io: 2, blocking: 2 }}
shutdown_grace: 5s
listeners:
  - name: admin
    port: {admin_port}
  - name: ingest
    port: {ingest_port}
    serve_health: false
    pull_api: true
    tls:
      certificate: {certs}/server.crt
      private_key: {certs}/server.key
      client_ca: {certs}/ca.crt
      require_client_certificate: true
store:
  path: kangqiao.db
  group_commit: {{ max_batch: 500, max_delay: 1ms }}
plugins:
  directory: {plugins}
adapters:
  - name: demo-records
    plugin: example_echo
    listener: ingest
    roles: [records.write]
    config:
      path: /v1/records
principals:
  - name: hospital-a
    organisation: "12110000MB0000001X"
    roles: [records.write, consent.write]
    subject: "CN=hospital-a,O=Demo District Hospital,C=CN"
    jurisdiction: {{ regions: ["110000"] }}
  - name: province-platform
    organisation: "12110000MB0000009X"
    roles: [records.pull]
    purposes: [PUBHLTH, CNSTAT]
    subject: "CN=province-platform,O=Demo Provincial Platform,C=CN"
    jurisdiction: {{ regions: ["110000"] }}
  - name: shanghai-platform
    organisation: "12310000MB0000009X"
    roles: [records.pull]
    purposes: [PUBHLTH]
    subject: "CN=shanghai-platform,O=Demo Shanghai Platform,C=CN"
    jurisdiction: {{ regions: ["310000"] }}
consent:
  purposes:
    - {{ code: CNSTAT, display: 卫生统计直报 }}
  statutory:
    - name: health-statistics
      organisation: "12110000MB0000009X"
      purposes: [CNSTAT]
      categories: [health_exam]
      legal_basis: 统计法 and the health statistics reporting system
"""


def resident_id(first17):
    """A GB 11643 identity number: the 17 digits and their MOD 11-2 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


def person(resident_id, name, born="1980-05-01"):
    return {"kind": "person", "identifiers": [{"system": RESIDENT_ID, "value": resident_id}],
            "name": {"text": name}, "sex": "1", "birth_date": born,
            "addresses": [{"use": "home", "admin_code": "110105"}]}


def observation(person_id, value):
    return {"kind": "observation", "person_id": person_id, "org_id": ORG_A, "status": "final",
            "category": "vital-signs", "code": {"system": "http://loinc.org", "code": "8302-2"},
            "value": {"type": "quantity", "value": value, "unit": "cm"}, "effective_time": "2025-03-01T09:00:00+08:00"}


def start_pull_gateway(case):
    """A gateway with CONFIG for a test class (a Shanghai platform's certificate beside the dev
    ones), holding the Beijing hospital the records are written by."""
    case.gw = Gateway()
    case.addClassCleanup(case.gw.cleanup)
    issue_client_cert(case.gw.certs, case.gw.certs, "shanghai-platform",
                      "/C=CN/O=Demo Shanghai Platform/CN=shanghai-platform")
    case.gw.write_config(text=CONFIG)
    case.gw.start()
    # Where the hospital lies decides whose jurisdiction its records fall in.
    status, _, reply = case.gw.post("/v1/records", json.dumps(
        {"kind": "organization", "id": ORG_A, "name": "示范区医院", "type": "hospital", "admin_code": "110105"},
        ensure_ascii=False))
    assert status == 201, reply


class PullApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start_pull_gateway(cls)

    # -- helpers ---------------------------------------------------------------------------------

    def call(self, method, path, body=None, client="province-platform", headers=None):
        import http.client
        conn = http.client.HTTPSConnection("localhost", self.gw.ingest_port, timeout=20,
                                           context=self.gw.tls_context(client))
        try:
            data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
            h = {"Content-Type": "application/json"} if data else {}
            h.update(headers or {})
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            text = r.read().decode()
            return r.status, dict(r.getheaders()), text
        finally:
            conn.close()

    def pull(self, path, client="province-platform", **params):
        query = urllib.parse.urlencode(params)
        status, headers, text = self.call("GET", path + ("?" + query if query else ""), client=client)
        try:
            return status, headers, json.loads(text)
        except ValueError:
            return status, headers, text

    def ingest(self, record):
        status, _, reply = self.gw.post("/v1/records", json.dumps(record, ensure_ascii=False))
        self.assertEqual(status, 201, reply)
        return reply["record_ids"]

    def new_person(self, resident_id, name, born="1980-05-01"):
        self.ingest(person(resident_id, name, born))
        return self.gw.sql(f"SELECT person_id FROM person_identifier WHERE value = '{resident_id}'")[0]["person_id"]

    def consent(self, person_id, categories, **extra):
        body = {"person_id": person_id, "status": "active", "purposes": ["PUBHLTH"],
                "data_categories": categories, "recipients": ["12110000MB0000009X"],
                "separate_consent": True, "lawful_basis": "consent",
                "granted_at": "2025-01-10T09:00:00+08:00", "grantor": {"name": "本人"}}
        body.update(extra)
        status, headers, text = self.call("POST", "/api/v1/consents", body, client="hospital-a")
        self.assertEqual(status, 201, text)
        return json.loads(text)["id"]

    def feed(self, client="province-platform", limit=1000):
        """Every record the client receives from the start of the feed, following cursors."""
        records, cursor, pages = [], "", 0
        while True:
            params = {"purpose": "PUBHLTH", "limit": limit}
            if cursor:
                params["since"] = cursor
            status, headers, page = self.pull("/api/v1/changes", client=client, **params)
            self.assertEqual(status, 200, page)
            records += page["records"]
            cursor = page["next_cursor"]
            pages += 1
            if not page["more"]:
                return records, cursor, pages

    # -- tests -----------------------------------------------------------------------------------

    def test_consent_opens_the_feed_and_withdrawal_closes_it(self):
        pid = self.new_person(resident_id("11010519800501001"), "赵一")
        self.ingest(observation(pid, 171.5))
        self.ingest(observation(pid, 172.0))
        seen = [r for r in self.feed()[0] if r.get("person_id") == pid]
        self.assertEqual(seen, [], "no consent yet: nothing about the person")
        consent_id = self.consent(pid, ["demographics", "health_exam"])
        seen = [r for r in self.feed()[0] if r.get("person_id") == pid]
        self.assertEqual(sorted(r["kind"] for r in seen), ["observation", "observation", "person"], seen)
        values = sorted(r["body"]["value"]["value"] for r in seen if r["kind"] == "observation")
        self.assertEqual(values, [171.5, 172.0])
        # The disclosure is audited per person, with the consent that permitted it.
        entries = [json.loads(e["detail"]) for e in self.gw.sql(
            "SELECT detail FROM audit_log WHERE event_type = '110106' ORDER BY seq")]
        mine = [e for e in entries if e["person_id"] == pid and "disclosed" in e]
        self.assertTrue(mine, entries)
        self.assertIn(f"consent:{consent_id}", mine[-1]["bases"])
        self.assertEqual(mine[-1]["purpose"], "PUBHLTH")
        # Withdrawn: the very next request receives nothing of the person.
        status, _, text = self.call("POST", f"/api/v1/consents/{consent_id}/withdraw", {}, client="hospital-a")
        self.assertEqual(status, 200, text)
        self.assertEqual(json.loads(text)["version"], 2)
        seen = [r for r in self.feed()[0] if r.get("person_id") == pid]
        self.assertEqual(seen, [])
        # Nor can an adapter bring it back: the same consent, active again, is refused.
        revived = {"kind": "consent", "id": consent_id, "person_id": pid, "org_id": ORG_A, "status": "active",
                   "purposes": ["PUBHLTH"], "data_categories": ["demographics", "health_exam"],
                   "recipients": ["12110000MB0000009X"], "separate_consent": True, "lawful_basis": "consent",
                   "granted_at": "2025-01-10T09:00:00+08:00", "grantor": {"name": "本人"}}
        status, _, reply = self.gw.post("/v1/records", json.dumps(revived, ensure_ascii=False))
        self.assertEqual(status, 422, reply)
        self.assertIn("withdrawn", json.dumps(reply["errors"], ensure_ascii=False))
        denied = [json.loads(e["detail"]) for e in self.gw.sql(
            "SELECT detail FROM audit_log WHERE event_type = '110106' AND outcome = 4 ORDER BY seq")]
        self.assertTrue(any(e["person_id"] == pid and e["denied"].get("consent_withdrawn") for e in denied), denied)

    def test_cursors_page_in_order_without_gaps_and_cannot_be_forged(self):
        pid = self.new_person(resident_id("11010519800501003"), "钱二")
        self.consent(pid, ["demographics", "health_exam"])
        for i in range(7):
            self.ingest(observation(pid, 150 + i))
        whole, _, _ = self.feed(limit=1000)
        paged, cursor, pages = self.feed(limit=2)
        self.assertGreater(pages, 3)
        self.assertEqual([(r["id"], r["version"]) for r in paged], [(r["id"], r["version"]) for r in whole])
        # Resumable: the last cursor finds exactly what is written after it.
        self.ingest(observation(pid, 199))
        status, _, page = self.pull("/api/v1/changes", purpose="PUBHLTH", since=cursor)
        self.assertEqual(status, 200, page)
        self.assertEqual([r["body"]["value"]["value"] for r in page["records"]], [199])
        # A cursor is opaque and sealed: an altered one is refused, not read.
        forged = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
        status, _, problem = self.pull("/api/v1/changes", purpose="PUBHLTH", since=forged)
        self.assertEqual((status, problem["code"]), (400, "invalid_cursor"), problem)
        # Sealed with a fresh nonce, not an encoding of the position: the same page asked twice
        # gives two different cursors, and both lead to the same next page.
        firsts = [self.pull("/api/v1/changes", purpose="PUBHLTH", limit=2)[2] for _ in range(2)]
        self.assertNotEqual(firsts[0]["next_cursor"], firsts[1]["next_cursor"])
        seconds = [self.pull("/api/v1/changes", purpose="PUBHLTH", limit=2, since=p["next_cursor"])[2]["records"]
                   for p in firsts]
        self.assertEqual([r["id"] for r in seconds[0]], [r["id"] for r in seconds[1]])
        self.assertEqual([r["id"] for r in seconds[0]], [r["id"] for r in whole[2:4]])
        # A cursor belongs to its query: another purpose, or another client, cannot use it.
        status, _, problem = self.pull("/api/v1/changes", purpose="CNSTAT", since=cursor)
        self.assertEqual((status, problem["code"]), (400, "invalid_cursor"), problem)
        status, _, problem = self.pull(f"/api/v1/persons/{pid}/records", purpose="PUBHLTH", cursor=cursor)
        self.assertEqual((status, problem["code"]), (400, "invalid_cursor"), problem)

    def test_ndjson_with_curl(self):
        pid = self.new_person(resident_id("11010519800501005"), "孙三")
        self.consent(pid, ["demographics"])
        certs = self.gw.certs
        out = subprocess.run(
            ["curl", "-sS", "--cacert", f"{certs}/ca.crt", "--cert", f"{certs}/province-platform.crt",
             "--key", f"{certs}/province-platform.key", "-H", "Accept: application/x-ndjson",
             "-D", "-", f"https://localhost:{self.gw.ingest_port}/api/v1/changes?purpose=PUBHLTH&limit=10000"],
            capture_output=True, text=True, check=True).stdout
        head, _, body = out.partition("\n\n")  # text mode has turned CRLF into LF
        self.assertIn("content-type: application/x-ndjson", head.lower())
        self.assertIn("kangqiao-next-cursor:", head.lower())
        lines = [json.loads(line) for line in body.splitlines() if line]
        self.assertIn(pid, [r["id"] for r in lines if r["kind"] == "person"])

    def test_look_ups_answer_alike_for_missing_and_out_of_jurisdiction(self):
        pid = self.new_person(resident_id("11010519800501007"), "李四")
        self.consent(pid, ["demographics", "health_exam"])
        self.ingest(observation(pid, 180))
        status, _, found = self.pull("/api/v1/persons", purpose="PUBHLTH", identifier=f"{RESIDENT_ID}|" + resident_id("11010519800501007"))
        self.assertEqual(status, 200, found)
        self.assertEqual(found["id"], pid)
        status, _, records = self.pull(f"/api/v1/persons/{pid}/records", purpose="PUBHLTH", kind="observation")
        self.assertEqual(status, 200, records)
        self.assertEqual([r["body"]["value"]["value"] for r in records["records"]], [180])
        # By data category: the height is health_exam, not vision.
        status, _, by_category = self.pull(f"/api/v1/persons/{pid}/records", purpose="PUBHLTH", category="health_exam")
        self.assertEqual([r["kind"] for r in by_category["records"]], ["observation"], by_category)
        status, _, by_category = self.pull(f"/api/v1/persons/{pid}/records", purpose="PUBHLTH", category="vision")
        self.assertEqual((status, by_category["records"]), (200, []))
        # Shanghai's platform: the Beijing person is "not found", word for word like a person who
        # does not exist at all.
        outside = self.pull("/api/v1/persons", client="shanghai-platform", purpose="PUBHLTH",
                            identifier=f"{RESIDENT_ID}|" + resident_id("11010519800501007"))
        missing = self.pull("/api/v1/persons", client="shanghai-platform", purpose="PUBHLTH",
                            identifier=f"{RESIDENT_ID}|" + resident_id("11010519800101001"))
        self.assertEqual(outside[0], 404)
        self.assertEqual((outside[0], outside[2]), (missing[0], missing[2]))
        self.assertEqual(self.pull(f"/api/v1/persons/{pid}/records", client="shanghai-platform",
                                   purpose="PUBHLTH")[0], 404)
        # The audit keeps the identifier's system, never the identity number.
        details = " ".join(e["detail"] for e in self.gw.sql("SELECT detail FROM audit_log"))
        self.assertNotIn(resident_id("11010519800501007"), details)

    def test_roles_and_purposes(self):
        status, _, problem = self.pull("/api/v1/changes", client="hospital-a", purpose="PUBHLTH")
        self.assertEqual((status, problem["code"]), (403, "missing_role"), problem)
        status, _, problem = self.pull("/api/v1/changes")
        self.assertEqual((status, problem["code"]), (403, "purpose_missing"), problem)
        status, _, problem = self.pull("/api/v1/changes", purpose="HRESCH")
        self.assertEqual((status, problem["code"]), (403, "purpose_not_allowed"), problem)
        status, _, problem = self.pull("/api/v1/changes", purpose="PUBHLTH", limit="0")
        self.assertEqual((status, problem["code"]), (400, "invalid_parameter"), problem)
        status, _, problem = self.pull("/api/v1/changes", purpose="PUBHLTH", sort="desc")
        self.assertEqual((status, problem["code"]), (400, "unknown_parameter"), problem)
        # A pulling platform cannot record consents.
        status, _, text = self.call("POST", "/api/v1/consents", {"person_id": "x"})
        self.assertEqual(status, 403, text)
        refusals = self.gw.sql("SELECT detail FROM audit_log WHERE event_type = '110112' AND outcome = 8")
        self.assertTrue(any(json.loads(r["detail"])["refused"] == "purpose_not_allowed" for r in refusals))
        # The pull API's entries are links of the same hash chain as every other entry.
        verify = subprocess.run([BIN, "audit", "verify", "--path", self.gw.db_path], capture_output=True, text=True)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        # The requests are counted by endpoint and status for the operator.
        status, metrics = self.gw.get("/metrics")
        self.assertRegex(metrics, r'kangqiao_api_requests_total\{endpoint="api/v1/changes",status="403"\} [1-9]')
        self.assertRegex(metrics, r'kangqiao_api_requests_total\{endpoint="api/v1/changes",status="400"\} [1-9]')

    def test_a_statutory_flow_discloses_what_it_covers_without_consent(self):
        pid = self.new_person(resident_id("11010519800501009"), "吴六")
        self.ingest(observation(pid, 165))
        status, _, page = self.pull("/api/v1/changes", purpose="CNSTAT", limit=10000)
        self.assertEqual(status, 200, page)
        mine = [r for r in page["records"] if r.get("person_id") == pid]
        # The flow covers health_exam: the observation goes; the person record (demographics)
        # does not, and it has no consent.
        self.assertEqual([r["kind"] for r in mine], ["observation"], mine)
        entries = [json.loads(e["detail"]) for e in self.gw.sql(
            "SELECT detail FROM audit_log WHERE event_type = '110106' ORDER BY seq DESC LIMIT 50")]
        entry = next(e for e in entries if e["person_id"] == pid and e["purpose"] == "CNSTAT")
        self.assertEqual(entry["bases"], ["statutory:health-statistics"])
        self.assertEqual(entry["legal_basis"], ["统计法 and the health statistics reporting system"])
        self.assertEqual(entry["denied"], {"no_consent": 1})

    def test_a_child_needs_a_guardians_consent(self):
        pid = self.new_person(resident_id("11010520150307001"), "周小五", born="2015-03-07")
        status, _, text = self.call("POST", "/api/v1/consents", {
            "person_id": pid, "status": "active", "purposes": ["PUBHLTH"], "data_categories": ["demographics"],
            "recipients": ["12110000MB0000009X"], "separate_consent": True, "lawful_basis": "consent",
            "granted_at": "2025-01-10T09:00:00+08:00", "grantor": {"name": "周小五"}}, client="hospital-a")
        self.assertEqual(status, 422, text)
        self.assertIn("guardian", text)
        # The same consent arriving through an adapter gets the same check, and is kept as a dead
        # letter with the field named.
        status, _, reply = self.gw.post("/v1/records", json.dumps({
            "kind": "consent", "person_id": pid, "org_id": ORG_A, "status": "active", "purposes": ["PUBHLTH"],
            "data_categories": ["demographics"], "recipients": ["12110000MB0000009X"], "separate_consent": True,
            "lawful_basis": "consent", "granted_at": "2025-01-10T09:00:00+08:00", "grantor": {"name": "周小五"}},
            ensure_ascii=False))
        self.assertEqual(status, 422, reply)
        self.assertIn("grantor_is_guardian", [e["field"].split(".")[-1] for e in reply["errors"]], reply)
        self.assertEqual(self.gw.sql(f"SELECT count(*) AS n FROM record WHERE kind = 'consent' AND person_id = '{pid}'")[0]["n"], 0)
        self.consent(pid, ["demographics"], grantor={"name": "周父", "relationship": "51"}, grantor_is_guardian=True)
        seen = [r for r in self.feed()[0] if r.get("person_id") == pid]
        self.assertEqual([r["kind"] for r in seen], ["person"])


if __name__ == "__main__":
    unittest.main()


class DocumentedExamples(unittest.TestCase):
    """Every `$ curl` example of docs/pull-api.md, run from a copy of the repository's layout
    (config/kangqiao.yaml as `make run` uses it, certificates from certs/gen-dev-certs.sh), with
    its output matched against the page ("…" stands for anything)."""

    def test_the_pages_examples_run_as_shown(self):
        import re
        import shlex
        import shutil
        import socket
        import tempfile
        import time
        from harness import SOURCE_DIR

        root = tempfile.mkdtemp(prefix="kq-e2e-docs-")
        self.addCleanup(shutil.rmtree, root, True)
        os.makedirs(os.path.join(root, "config"))
        shutil.copy(os.path.join(SOURCE_DIR, "config", "kangqiao.yaml"), os.path.join(root, "config"))
        os.symlink(os.path.join(SOURCE_DIR, "mappings"), os.path.join(root, "mappings"))
        subprocess.run([os.path.join(SOURCE_DIR, "certs", "gen-dev-certs.sh")], check=True, stderr=subprocess.DEVNULL,
                       env=dict(os.environ, KQ_CERT_DIR=os.path.join(root, "certs", "dev")))
        ports = {}
        for name in ("KQ_ADMIN_PORT", "KQ_INGEST_PORT", "KQ_HL7_PORT"):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                ports[name] = str(s.getsockname()[1])
        log = open(os.path.join(root, "gateway.log"), "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen([BIN, "run", "--config", os.path.join(root, "config", "kangqiao.yaml")],
                                stdout=log, stderr=log, env=dict(os.environ, **ports))
        self.addCleanup(proc.wait)
        self.addCleanup(proc.terminate)
        port = ports["KQ_INGEST_PORT"]
        certs = os.path.join(root, "certs", "dev")

        def curl(*args):
            return subprocess.run(["curl", "-sS", "--cacert", f"{certs}/ca.crt", *args], capture_output=True, text=True)

        deadline = time.time() + 30
        while '"status":"ready"' not in curl(f"http://127.0.0.1:{ports['KQ_ADMIN_PORT']}/readyz").stdout:
            if time.time() > deadline:
                with open(os.path.join(root, "gateway.log"), encoding="utf-8", errors="replace") as f:
                    self.fail("the demo gateway did not become ready:\n" + f.read())
            time.sleep(0.1)
        # The person the examples name, where the demo principals' jurisdiction (Beijing) lies.
        stored = curl("--cert", f"{certs}/hospital-a.crt", "--key", f"{certs}/hospital-a.key",
                      "-H", "Content-Type: application/json", f"https://localhost:{port}/v1/records", "-d",
                      json.dumps(person("11010519491231002X", "张三", born="1949-12-31"), ensure_ascii=False))
        self.assertEqual(stored.returncode, 0, stored.stderr)
        person_id = json.loads(stored.stdout)["record_ids"][0]

        with open(os.path.join(SOURCE_DIR, "docs", "pull-api.md"), encoding="utf-8") as f:
            page = f.read()
        examples = []
        for block in re.findall(r"```console\n(.*?)```", page, re.S):
            lines = block.split("\n")[:-1]
            command, output = lines[0][2:], []
            i = 1
            while command.endswith("\\"):
                command = command[:-1] + " " + lines[i].strip()
                i += 1
            output = lines[i:]
            examples.append((command, output))
        self.assertEqual(len(examples), 3)
        # The consent first: the look-ups show what it permits.
        examples.sort(key=lambda e: "/api/v1/consents" not in e[0])
        for command, expected in examples:
            argv = shlex.split(command.replace("8443", port).replace("PERSON-ID", person_id))
            self.assertEqual(argv[0], "curl")
            result = subprocess.run(argv, capture_output=True, text=True, cwd=root)
            self.assertEqual(result.returncode, 0, (command, result.stderr))
            pattern = "".join(".*" if part == "…" else re.escape(part) for part in re.split("(…)", "\n".join(expected)))
            self.assertRegex(result.stdout.strip(), "^" + pattern + "$", command)
