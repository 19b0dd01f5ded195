"""Start-up does O(1) work on the store: /healthz answers while the store opens (here: while
another process holds it locked), requests meanwhile get a transient reply, and serving starts
by itself once the store is free. The full check is `kangqiao store check` and an optional
background schedule with a metric and a log line."""
import http.client
import json
import os
import sqlite3
import subprocess
import time
import unittest

from harness import BIN, PERSON, Gateway, config_text, metric, wait_until

OPEN_ROUTE = """  - name: open-records
    plugin: example_echo
    listener: admin
    config:
      path: /v1/open
"""


def store_check(*args):
    return subprocess.run([BIN, "store", "check", *args], capture_output=True, text=True, timeout=60)


class StoreCase(unittest.TestCase):
    STORE = ""  # extra lines of the store: block

    def setUp(self):
        self.gw = Gateway()
        self.addCleanup(self.gw.cleanup)
        self.write_config()

    def write_config(self):
        # An adapter route on the admin listener too: it serves /healthz, so it is up while the
        # store opens (the ingest listener is not).
        text = config_text(os.path.join(self.gw.dir, "data"), self.gw.certs, self.gw.admin_port,
                           self.gw.ingest_port, extra_adapters=OPEN_ROUTE)
        if self.STORE:
            text = text.replace("  path: kangqiao.db\n", "  path: kangqiao.db\n" + self.STORE)
        with open(self.gw.config_path, "w") as f:
            f.write(text)

    def post(self, key):
        return self.gw.post("/v1/records", json.dumps(PERSON), headers={"Idempotency-Key": key})

    def post_on_admin(self, key):
        """POSTs to the adapter route on the (plain HTTP) admin listener; (status, headers)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.gw.admin_port, timeout=10)
        try:
            conn.request("POST", "/v1/open", body=json.dumps(PERSON).encode(),
                         headers={"Content-Type": "application/json", "Idempotency-Key": key})
            r = conn.getresponse()
            r.read()
            return r.status, dict(r.getheaders())
        finally:
            conn.close()

    def make_store_with_records(self, n):
        """Starts the gateway once to create the store and commit `n` records, then stops it."""
        self.gw.start()
        for i in range(n):
            self.assertIn(self.post(f"seed-{i}")[0], (200, 201))
        self.assertEqual(self.gw.stop(), 0)


class OpeningALockedStore(StoreCase):
    STORE = "  busy_timeout: 200ms\n"

    def test_healthz_answers_while_the_store_opens_and_serving_starts_by_itself(self):
        self.make_store_with_records(1)
        # Another process holds the database exclusively (a backup tool, an open sqlite3 shell).
        holder = sqlite3.connect(self.gw.db_path, isolation_level=None)
        self.addCleanup(holder.close)
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("SELECT count(*) FROM record").fetchone()

        self.gw.start(wait_for_store=False)  # returns once /healthz answers 200
        status, body = self.gw.get("/readyz")
        self.assertEqual(status, 503)
        self.assertIn("store opening", body)
        # Once the first attempt has met the lock, /readyz says what the store is waiting for.
        self.assertTrue(wait_until(lambda: "database is locked" in self.gw.get("/readyz")[1], 5))
        self.assertEqual(metric(self.gw.get("/metrics")[1], "kangqiao_store_open"), 0)
        # A route on a listener that is up: "not stored, retry later", and when.
        status, headers = self.post_on_admin("while-opening")
        self.assertEqual(status, 503)
        self.assertEqual(headers.get("Retry-After"), "5")
        # A listener that only carries traffic opens with the store: a sender meets a closed port,
        # as during a restart, rather than a stream of negative replies.
        with self.assertRaises(ConnectionRefusedError):
            self.post("while-opening")

        holder.execute("ROLLBACK")
        holder.close()
        self.assertTrue(wait_until(lambda: self.gw.get("/readyz")[0] == 200, 5), self.gw.get("/readyz"))
        self.assertEqual(self.post("after-opening")[0], 201)
        # The same request now reaches the adapter, which wants a client certificate (403) and
        # keeps the request as rejected: it is processed, no longer turned away by the store.
        self.assertEqual(self.post_on_admin("after-opening")[0], 403)
        waits = [e for e in self.gw.log_events() if e.get("event") == "store_open_waiting"]
        self.assertTrue(waits)
        self.assertLess(len(waits), 5, "one line per window, not one per attempt")

    def test_a_store_that_cannot_be_used_stops_the_gateway_with_exit_1(self):
        os.makedirs(os.path.dirname(self.gw.db_path), exist_ok=True)
        with open(self.gw.db_path, "wb") as f:
            f.write(b"not a database" * 1000)
        r = subprocess.run([BIN, "run", "--config", self.gw.config_path], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("file is not a database", r.stderr)


class StoreCheckCommand(StoreCase):
    def corrupt_a_page_in_the_middle(self):
        """Overwrites one page of the record table's data, as a bad disk sector would."""
        with sqlite3.connect(self.gw.db_path) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
            pages = db.execute("PRAGMA page_count").fetchone()[0]
        with open(self.gw.db_path, "r+b") as f:
            f.seek(page_size * (pages // 2) + 100)
            f.write(os.urandom(page_size - 200))

    def test_check_passes_fails_and_explains_itself(self):
        self.make_store_with_records(120)
        r = store_check("--config", self.gw.config_path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"^ok: .*kangqiao\.db \(quick_check, [\d.]+ MiB, [\d.]+ s\)")
        r = store_check("--path", self.gw.db_path, "--full")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("integrity_check", r.stdout)

        self.corrupt_a_page_in_the_middle()
        r = store_check("--config", self.gw.config_path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("problem: ", r.stdout)
        self.assertIn("FAILED", r.stdout)

        self.assertEqual(store_check("--path", os.path.join(self.gw.dir, "nothing.db")).returncode, 1)
        r = store_check("--frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown option '--frobnicate'", r.stderr)
        r = subprocess.run([BIN, "store", "check", "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        self.assertIn("Exit codes: 0", r.stdout)
        self.assertEqual(subprocess.run([BIN, "store", "vacuum"], capture_output=True).returncode, 2)

    def test_start_up_does_not_read_the_whole_file_and_the_schedule_finds_the_damage(self):
        self.make_store_with_records(120)
        self.corrupt_a_page_in_the_middle()
        self.STORE = "  integrity_check: { interval: 1s }\n"
        self.write_config()
        self.gw.start()
        # Opening is O(1): the damaged page is not read, and the store serves.
        self.assertTrue(wait_until(lambda: self.gw.get("/readyz")[0] == 200, 5), self.gw.get("/readyz"))
        failed = self.gw.wait_for_event("store_check_failed", timeout=15)
        self.assertEqual(failed[0]["mode"], "quick")
        self.assertTrue(failed[0]["first_problem"])
        text = self.gw.get("/metrics")[1]
        self.assertGreaterEqual(metric(text, "kangqiao_store_integrity_checks"), 1)
        self.assertEqual(metric(text, "kangqiao_store_integrity_ok"), 0)
        self.assertGreater(metric(text, "kangqiao_store_integrity_checked_at_seconds"), time.time() - 60)


class ScheduledCheck(StoreCase):
    STORE = "  integrity_check: { interval: 1s, mode: full }\n"

    def test_a_sound_store_passes_its_scheduled_check(self):
        self.gw.start()
        self.assertEqual(self.post("scheduled-1")[0], 201)
        passed = self.gw.wait_for_event("store_check_passed", timeout=15)
        self.assertEqual(passed[0]["mode"], "full")
        text = self.gw.get("/metrics")[1]
        self.assertEqual(metric(text, "kangqiao_store_integrity_ok"), 1)
        self.assertEqual(self.gw.stop(), 0)


if __name__ == "__main__":
    unittest.main()
