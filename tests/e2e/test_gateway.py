"""The running gateway: health, metrics, mutual TLS ingest with ACK-after-commit, dedupe, errors
with field names, reload on SIGHUP (good and bad), graceful SIGTERM. Everything through the real
binary and real clients (curl, Python's ssl), asserting on replies and on the SQLite file."""
import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
import unittest

from harness import Gateway, GatewayCase

RESIDENT_ID = "urn:oid:2.16.156.10011.1.3"
PERSON = {
    "kind": "person",
    "identifiers": [{"system": RESIDENT_ID, "value": "11010519491231002X"}],
    "name": {"family": "张", "given": "三", "text": "张三"},
    "sex": "2",
    "birth_date": "1949-12-31",
}


class RunningGateway(GatewayCase):

    def test_healthz_and_readyz_with_curl(self):
        out = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", f"http://127.0.0.1:{self.gw.admin_port}/healthz"],
                             capture_output=True, text=True, check=True).stdout
        body, code = out.rsplit("\n", 1)
        self.assertEqual(code, "200")
        self.assertEqual(json.loads(body), {"status": "ok"})
        status, body = self.gw.get("/readyz")
        self.assertEqual(status, 200, body)

    def test_metrics_in_prometheus_format(self):
        self.gw.post("/v1/records", json.dumps(PERSON), headers={"Idempotency-Key": "metrics-1"})
        status, text = self.gw.get("/metrics")
        self.assertEqual(status, 200)
        self.assertIn("# TYPE kangqiao_messages_total counter", text)
        self.assertRegex(text, r'kangqiao_messages_total\{adapter="demo-records",outcome="(committed|duplicate)"\} [1-9]')
        self.assertIn("# TYPE kangqiao_message_duration_seconds histogram", text)
        self.assertIn('kangqiao_message_duration_seconds_bucket{adapter="demo-records",le="+Inf"}', text)
        self.assertRegex(text, r"kangqiao_store_queue_depth \d+")
        self.assertRegex(text, r"kangqiao_store_size_bytes [1-9]\d*")
        self.assertRegex(text, r"kangqiao_store_checkpoints \d+")  # the background WAL copier

    def test_post_is_stored_before_201(self):
        status, ctype, body = self.gw.post("/v1/records", json.dumps(PERSON), headers={"Idempotency-Key": "k-201"})
        self.assertEqual(status, 201, body)
        self.assertEqual(ctype, "application/json")
        self.assertFalse(body["duplicate"])
        [rid] = body["record_ids"]
        # The reply came after COMMIT: a separate reader sees everything now.
        rows = self.gw.sql(f"SELECT kind, person_id FROM record WHERE id = '{rid}'")
        self.assertEqual(rows[0]["kind"], "person")
        msg = self.gw.sql(f"SELECT status, source, org_id FROM raw_message WHERE id = '{body['message_id']}'")
        self.assertEqual(msg, [{"status": "accepted", "source": "demo-records", "org_id": "12110000MB0000001X"}])

    def test_identical_resend_is_a_duplicate_without_new_rows(self):
        first = self.gw.post("/v1/records", json.dumps(PERSON), headers={"Idempotency-Key": "k-dup"})
        count = self.gw.sql("SELECT count(*) AS n FROM raw_message")[0]["n"]
        again = self.gw.post("/v1/records", json.dumps(PERSON), headers={"Idempotency-Key": "k-dup"})
        self.assertEqual(again[0], 200)
        self.assertTrue(again[2]["duplicate"])
        self.assertEqual(again[2]["record_ids"], first[2]["record_ids"])
        self.assertEqual(again[2]["message_id"], first[2]["message_id"])
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM raw_message")[0]["n"], count)

    def test_key_reused_with_other_content_is_409_and_kept(self):
        self.gw.post("/v1/records", json.dumps(PERSON), headers={"Idempotency-Key": "k-conflict"})
        other = dict(PERSON, sex="1")
        status, ctype, body = self.gw.post("/v1/records", json.dumps(other), headers={"Idempotency-Key": "k-conflict"})
        self.assertEqual(status, 409, body)
        self.assertEqual(ctype, "application/problem+json")
        msg = self.gw.sql(f"SELECT status FROM raw_message WHERE id = '{body['message_id']}'")
        self.assertEqual(msg, [{"status": "rejected"}])

    def test_invalid_record_is_422_naming_the_field_and_kept_as_dead_letter(self):
        bad = dict(PERSON, identifiers=[{"system": RESIDENT_ID, "value": "110105194912310021"}])
        status, ctype, body = self.gw.post("/v1/records", json.dumps(bad))
        self.assertEqual(status, 422, body)
        self.assertEqual(ctype, "application/problem+json")
        fields = [e["field"] for e in body["errors"]]
        self.assertIn("identifiers[0].value", fields, body)
        self.assertTrue(any("check" in e["reason"] for e in body["errors"]), body)
        msg = self.gw.sql(f"SELECT status FROM raw_message WHERE id = '{body['message_id']}'")
        self.assertEqual(msg, [{"status": "dead_letter"}])
        dead = self.gw.sql(f"SELECT errors AS errors_json FROM dead_letter WHERE message_id = '{body['message_id']}'")
        self.assertIn("identifiers[0].value", dead[0]["errors_json"])

    def test_malformed_json_is_422_and_never_crashes(self):
        for payload in ["{", "[]", "null", '{"kind": "starship"}', "\xff\xfe", "x" * 1000]:
            status, _, body = self.gw.post("/v1/records", payload)
            self.assertIn(status, (400, 422), (payload[:20], body))
        self.assertEqual(self.gw.get("/healthz")[0], 200)

    def test_body_over_the_limit_is_413(self):
        status, _, body = self.gw.post("/v1/records", "x" * (65 * 1024))
        self.assertEqual(status, 413, body)

    def test_wrong_content_type_is_rejected_and_kept(self):
        status, _, body = self.gw.post("/v1/records", "<xml/>", content_type="application/xml")
        self.assertEqual(status, 415, body)
        self.assertIn("Content-Type", body["detail"])
        self.assertEqual(self.gw.sql(f"SELECT status FROM raw_message WHERE id = '{body['message_id']}'"),
                         [{"status": "rejected"}])

    def test_unknown_route_and_method(self):
        self.assertEqual(self.gw.post("/v1/nothing", "{}")[0], 404)

    def test_client_without_certificate_cannot_connect(self):
        r = subprocess.run(["curl", "-sS", "--cacert", f"{self.gw.certs}/ca.crt", "-X", "POST", "-d", "{}",
                            f"https://localhost:{self.gw.ingest_port}/v1/records"], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)

    def test_certificate_from_untrusted_ca_is_refused(self):
        with self.assertRaises(OSError):
            self.gw.post("/v1/records", json.dumps(PERSON), client="rogue")

    def test_trusted_but_unmapped_certificate_is_403(self):
        # The provincial platform's certificate is valid but this config maps only hospital-a.
        status, _, body = self.gw.post("/v1/records", json.dumps(PERSON), client="province-platform")
        self.assertEqual(status, 403, body)
        self.assertIn("not mapped to a principal", body["detail"])

    def test_curl_with_client_certificate(self):
        r = subprocess.run(["curl", "-sS", "--cacert", f"{self.gw.certs}/ca.crt",
                            "--cert", f"{self.gw.certs}/hospital-a.crt", "--key", f"{self.gw.certs}/hospital-a.key",
                            "-H", "Content-Type: application/json", "-H", "Idempotency-Key: curl-1",
                            "--data-binary", json.dumps(PERSON), "-w", "\n%{http_code}",
                            f"https://localhost:{self.gw.ingest_port}/v1/records"],
                           capture_output=True, text=True, check=True)
        body, code = r.stdout.rsplit("\n", 1)
        self.assertIn(code, ("200", "201"), body)

    def test_tls_1_1_is_refused(self):
        r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.gw.ingest_port}", "-tls1_1"],
                           input="", capture_output=True, text=True, timeout=10)
        self.assertNotEqual(r.returncode, 0)

    def test_names_and_ids_are_not_logged_in_clear(self):
        self.gw.post("/v1/records", json.dumps(PERSON), headers={"Idempotency-Key": "k-log"})
        logs = self.gw.logs()
        self.assertNotIn("11010519491231002X", logs)
        self.assertNotIn("张三", logs)


class Lifecycle(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway()

    def tearDown(self):
        self.gw.cleanup()

    def test_sigterm_finishes_in_flight_requests_and_exits_0(self):
        # A second connection holds SQLite's write lock, so that no request can commit: every
        # request sent is still in flight (read, decoded, waiting for its commit) when SIGTERM
        # lands, and the gateway must finish all of them before it exits. The store waits for
        # the lock longer than the test holds it.
        with open(self.gw.config_path) as f:
            config = f.read()
        with open(self.gw.config_path, "w") as f:
            f.write(config.replace("  path: kangqiao.db\n", "  path: kangqiao.db\n  busy_timeout: 60s\n", 1))
        self.gw.start()
        lock = sqlite3.connect(self.gw.db_path, timeout=5, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        count = 12
        results = [None] * count

        def send(i):
            try:
                results[i] = self.gw.post("/v1/records", json.dumps(PERSON), headers={"Idempotency-Key": f"t-{i}"})
            except OSError as e:  # cut off: no reply
                results[i] = e

        threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
        try:
            for t in threads:
                t.start()
            self.wait_for_in_flight(count)
            self.gw.proc.send_signal(signal.SIGTERM)
            started = self.gw.wait_for_event("shutdown_started")
            self.assertEqual(started[0]["in_flight"], count, self.gw.logs())
            # Held on for 3 s: longer than the moments a stopping gateway gives replies to reach
            # their sockets, less than its shutdown_grace (5 s): only a gateway that waits for
            # its requests' commits answers them.
            time.sleep(3)
            self.assertIsNone(self.gw.proc.poll(), "exited with requests in flight:\n" + self.gw.logs())
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        for t in threads:
            t.join()
        self.assertEqual(self.gw.proc.wait(timeout=20), 0, self.gw.logs())
        self.gw.wait_for_event("shutdown_complete")
        # Every request got its positive reply, and what was acknowledged is what is stored.
        self.assertEqual([r[0] if isinstance(r, tuple) else repr(r) for r in results], [201] * count)
        acked = sorted(r[2]["message_id"] for r in results)
        stored = self.gw.sql("SELECT id, status FROM raw_message ORDER BY id")
        self.assertEqual(stored, [{"id": mid, "status": "accepted"} for mid in acked])
        for _, _, body in results:
            [rid] = body["record_ids"]
            self.assertEqual(self.gw.sql(f"SELECT id FROM record WHERE message_id = '{body['message_id']}'"),
                             [{"id": rid}])

    def wait_for_in_flight(self, count, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(r"^kangqiao_pipeline_in_flight (\d+)", self.gw.get("/metrics")[1], re.M)
            if m and int(m.group(1)) == count:
                return
            time.sleep(0.05)
        raise AssertionError(f"{count} requests never were in flight at once:\n{self.gw.logs()}")

    def test_sighup_with_broken_config_keeps_the_old_one(self):
        self.gw.start()
        with open(self.gw.config_path, "a") as f:
            f.write("\nlisteners_typo: true\n")
        self.gw.proc.send_signal(signal.SIGHUP)
        rejected = self.gw.wait_for_event("reload_rejected")
        self.assertIn("unknown key 'listeners_typo'", rejected[0]["error"])
        self.gw.wait_for_event("reload_kept_old_config")
        self.assertEqual(self.gw.get("/healthz")[0], 200)
        self.assertEqual(self.gw.post("/v1/records", json.dumps(PERSON))[0], 201)
        self.assertIsNone(self.gw.proc.poll())

    def test_sighup_with_good_config_applies_it(self):
        self.gw.start()
        self.gw.write_config(route="/v2/records")
        self.gw.proc.send_signal(signal.SIGHUP)
        self.gw.wait_for_event("reload_done")
        self.assertEqual(self.gw.post("/v2/records", json.dumps(PERSON))[0], 201)
        self.assertEqual(self.gw.post("/v1/records", json.dumps(PERSON))[0], 404)

    def test_bad_config_at_start_exits_2_with_location(self):
        with open(self.gw.config_path, "a") as f:
            f.write("\nstore_path: x\n")
        r = subprocess.run([os.environ.get("KQ_BIN", "build/bin/kangqiao"), "run", "--config", self.gw.config_path],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, rf"{self.gw.config_path}:\d+:1: unknown key 'store_path'")

    def test_port_in_use_is_a_clear_error(self):
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", self.gw.admin_port))
            s.listen()
            r = subprocess.run([os.environ.get("KQ_BIN", "build/bin/kangqiao"), "run", "--config", self.gw.config_path],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"listener 'admin' (127.0.0.1:{self.gw.admin_port}): cannot listen", r.stderr)


if __name__ == "__main__":
    unittest.main()
