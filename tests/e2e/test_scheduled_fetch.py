"""Calendar schedules and the outbound HTTPS GET a plugin asks the host for (ABI 1.3), through
the real binary: a local TLS server (Python http.server + ssl, certificates from
certs/gen-dev-certs.sh) publishes a roster; the test plugin test_scheduled_fetch GETs it on each
run of its schedule and hands the body on as canonical records.

Each adapter's schedule is "0 3 * * *" with a last run written three days ago, so it catches up
once at start (the documented missed-run rule) and then waits for tomorrow: one run per adapter,
no waiting for the wall clock."""
import http.server
import json
import os
import signal
import ssl
import subprocess
import threading
import time
import unittest

from harness import BIN, Gateway, RESIDENT_ID, TEST_PLUGIN_DIR, dev_certs, metric, wait_until

PERSON = [{
    "kind": "person",
    "identifiers": [{"system": RESIDENT_ID, "value": "11010519491231002X"}],
    "name": {"family": "张", "given": "三", "text": "张三"},
    "sex": "2",
    "birth_date": "1949-12-31",
}]
BODY = json.dumps(PERSON, ensure_ascii=False).encode()
CALENDAR_ADAPTERS = ["roster", "flaky", "missing", "slow", "big", "wrong-ca", "mtls-with-cert", "mtls-without-cert",
                     "ip-host", "wrong-host"]


class RosterServer:
    """HTTPS server whose paths behave as the cases need; it records every request."""

    def __init__(self, certs, require_client_cert=False, address="127.0.0.1"):
        self.requests = []
        self.counts = {}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = self.path.split("?")[0]
                outer.requests.append((self.path, dict(self.headers)))
                n = outer.counts[path] = outer.counts.get(path, 0) + 1
                if path == "/roster":
                    if self.headers.get("If-None-Match") == '"v1"':
                        return self.reply(304, headers={"ETag": '"v1"'})
                    return self.reply(200, BODY, {"ETag": '"v1"', "Content-Type": "application/json",
                                                  "Last-Modified": "Mon, 07 Dec 2026 02:00:00 GMT"})
                if path == "/invalid":  # a body the gateway cannot store: its validators must not be kept
                    return self.reply(200, b'{"kind":"person","sex":"7"}', {"ETag": '"bad"', "Content-Type":
                                                                            "application/json"})
                if path == "/flaky":
                    if n <= 2:
                        return self.reply(503 if n == 1 else 429, b"busy")
                    return self.reply(200, BODY, {"Content-Type": "application/json"})
                if path == "/missing":
                    return self.reply(404, b"no such roster")
                if path == "/slow":
                    time.sleep(3)
                    return self.reply(200, BODY)
                if path == "/big":
                    return self.reply(200, b"[" + b" " * (2 * 1024 * 1024) + b"]")
                return self.reply(200, BODY, {"Content-Type": "application/json"})

        self.httpd = http.server.ThreadingHTTPServer((address, 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(certs, "server.crt"), os.path.join(certs, "server.key"))
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(os.path.join(certs, "ca.crt"))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.handle_error = lambda *args: None  # a client that timed out and left is a case, not a failure
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def adapter(name, url, certs, extra=""):
    return f"""
  - name: {name}
    plugin: test_scheduled_fetch
    mappings: []
    config:
      url: "{url}"
      ca_file: {certs}/ca.crt
      cron: "0 3 * * *"
      read_timeout: 1s
      retry_backoff: 50ms
{extra}"""


def config(adapters):
    return """
node_name: e2e
data_dir: {data}
log: {{ level: info }}
listeners:
  - name: admin
    address: 127.0.0.1
    port: {admin_port}
store:
  path: kangqiao.db
plugins:
  directory: {test_plugins}
adapters:
""" + adapters.replace("{", "{{").replace("}", "}}")


class ScheduledFetch(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        certs = dev_certs()
        cls.server = RosterServer(certs)
        cls.mtls = RosterServer(certs, require_client_cert=True)
        cls.addClassCleanup(cls.server.close)
        cls.addClassCleanup(cls.mtls.close)
        # All of 127/8 is loopback on Linux: a server there whose certificate names another host.
        cls.other_host = RosterServer(certs, address="127.0.0.2")
        cls.addClassCleanup(cls.other_host.close)
        base = f"https://localhost:{cls.server.port}"
        mtls = f"https://localhost:{cls.mtls.port}"
        client = (f"      client_certificate: {certs}/hospital-a.crt\n"
                  f"      client_private_key: {certs}/hospital-a.key\n")
        adapters = "".join([
            adapter("roster", base + "/roster?token=SECRET-TOKEN", certs),
            adapter("flaky", base + "/flaky", certs),
            adapter("missing", base + "/missing", certs),
            adapter("slow", base + "/slow", certs, "      max_attempts: 2\n"),
            adapter("big", base + "/big", certs),
            adapter("wrong-ca", base + "/other", certs).replace(f"{certs}/ca.crt", f"{certs}/untrusted-ca.crt"),
            adapter("mtls-with-cert", mtls + "/roster", certs, client),
            adapter("mtls-without-cert", mtls + "/roster", certs, ""),
            # The server certificate names 127.0.0.1 as an IP address: checked as one.
            adapter("ip-host", f"https://127.0.0.1:{cls.server.port}/ip", certs),
            adapter("wrong-host", f"https://127.0.0.2:{cls.other_host.port}/roster", certs),
            # An interval schedule, to see the second run ask conditionally and get 304.
            adapter("again", base + "/roster", certs).replace('      cron: "0 3 * * *"\n', "      interval: 1500ms\n"),
            adapter("invalid", base + "/invalid", certs).replace('      cron: "0 3 * * *"\n', "      interval: 1500ms\n"),
        ])
        cls.gw = Gateway()
        cls.addClassCleanup(cls.gw.cleanup)
        cls.gw.write_config(text=config(adapters))
        # Last runs three days ago: every calendar schedule has missed a run and catches up once.
        state = os.path.join(cls.gw.dir, "data", "schedules")
        os.makedirs(state)
        for name in CALENDAR_ADAPTERS:
            with open(os.path.join(state, f"{name}.fetch.last-run"), "w") as f:
                f.write(str(int(time.time()) - 3 * 86400) + "\n")
        cls.gw.start()
        wait_until(lambda: len(cls.results_of(None)) >= len(CALENDAR_ADAPTERS) * 2 + 4, timeout=30)

    @classmethod
    def results_of(cls, adapter_name):
        return [e["message"] for e in cls.gw.log_events()
                if e.get("event") == "test_fetch_result" and adapter_name in (None, e.get("adapter"))]

    def result(self, adapter_name):
        got = [r for r in self.results_of(adapter_name) if not r.startswith("outcome=")]
        self.assertTrue(got, self.gw.logs())
        return got[0]

    def test_success_is_stored_and_the_query_string_never_logged(self):
        self.assertEqual(self.result("roster"), f"status=200 not_modified=0 attempts=1 bytes={len(BODY)}")
        self.assertIn("outcome=0", self.results_of("roster"))  # COMMITTED
        rows = self.gw.sql("SELECT status, channel FROM raw_message WHERE source = 'roster'")
        self.assertEqual(rows, [{"status": "accepted", "channel": "fetch"}])
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM record WHERE kind = 'person'")[0]["n"] >= 1, True)
        logs = self.gw.logs()
        self.assertNotIn("SECRET-TOKEN", logs)
        fetched = [e for e in self.gw.log_events() if e.get("event") == "https_get" and e.get("adapter") == "roster"]
        self.assertEqual(fetched[0]["url"], f"https://localhost:{self.server.port}/roster?…")

    def test_missed_run_runs_once_at_start_and_the_next_run_is_logged_and_exported(self):
        missed = [e for e in self.gw.log_events() if e.get("event") == "schedule_missed_run"]
        self.assertEqual(sorted(e["adapter"] for e in missed), sorted(CALENDAR_ADAPTERS))
        nexts = [e for e in self.gw.log_events() if e.get("event") == "schedule_next_run" and e["adapter"] == "roster"]
        self.assertTrue(nexts)
        self.assertTrue(nexts[-1]["next_run"].endswith("T03:00:00+08:00"), nexts[-1])
        self.assertEqual(nexts[-1]["time_zone"], "Asia/Shanghai")
        _, text = self.gw.get("/metrics")
        line = [l for l in text.splitlines()
                if l.startswith('kangqiao_schedule_next_run_timestamp_seconds{adapter="roster"')]
        self.assertEqual(len(line), 1, text)
        due = float(line[0].split()[-1])
        self.assertGreater(due, time.time())
        self.assertLessEqual(due, time.time() + 86400)
        self.assertEqual((due + 8 * 3600) % 86400, 3 * 3600)  # 03:00 in Shanghai
        # The state file now holds this run: a restart would not run it again.
        with open(os.path.join(self.gw.dir, "data", "schedules", "roster.fetch.last-run")) as f:
            self.assertGreater(int(f.read()), time.time() - 600)

    def test_5xx_and_429_are_retried_until_success(self):
        self.assertEqual(self.result("flaky"), f"status=200 not_modified=0 attempts=3 bytes={len(BODY)}")
        self.assertEqual(self.server.counts["/flaky"], 3)

    def test_4xx_is_not_retried(self):
        self.assertIn("error=roster: https://localhost:", self.result("missing"))
        self.assertIn("the server answered HTTP 404", self.result("missing"))
        self.assertEqual(self.server.counts["/missing"], 1)
        rows = self.gw.sql("SELECT status, error FROM raw_message WHERE source = 'missing'")
        self.assertEqual(rows[0]["status"], "rejected")
        self.assertIn("HTTP 404", rows[0]["error"])

    def test_read_timeout_fails_after_the_attempts(self):
        self.assertIn("receive: timed out (after 2 attempts)", self.result("slow"))

    def test_size_limit(self):
        self.assertIn("larger than max_bytes (1048576)", self.result("big"))

    def test_a_server_certificate_from_another_ca_is_refused(self):
        self.assertIn("TLS handshake: certificate verify failed", self.result("wrong-ca"))
        self.assertNotIn("(after", self.result("wrong-ca"))  # not retried: it would fail the same way
        self.assertNotIn("/other", self.server.counts)

    def test_an_ip_address_host_is_verified_against_the_certificate(self):
        self.assertEqual(self.result("ip-host"), f"status=200 not_modified=0 attempts=1 bytes={len(BODY)}")

    def test_a_certificate_for_another_host_is_refused(self):
        self.assertIn("TLS handshake: certificate verify failed", self.result("wrong-host"))
        self.assertEqual(self.other_host.counts, {})

    def test_client_certificate_when_the_server_requires_one(self):
        self.assertEqual(self.result("mtls-with-cert"), f"status=200 not_modified=0 attempts=1 bytes={len(BODY)}")
        # Under TLS 1.3 the server's refusal arrives as an alert after the handshake.
        self.assertIn("alert certificate required", self.result("mtls-without-cert"))
        self.assertNotIn("(after", self.result("mtls-without-cert"))
        self.assertEqual(self.mtls.counts, {"/roster": 1})  # only the client with a certificate got through

    def test_an_unchanged_roster_is_not_downloaded_again(self):
        wait_until(lambda: len([r for r in self.results_of("again") if r.startswith("status")]) >= 2, timeout=15)
        first, second = [r for r in self.results_of("again") if r.startswith("status")][:2]
        self.assertEqual(first, f"status=200 not_modified=0 attempts=1 bytes={len(BODY)}")
        self.assertEqual(second, "status=304 not_modified=1 attempts=1 bytes=0")
        conditional = [h for p, h in self.server.requests if p == "/roster" and "If-None-Match" in h]
        self.assertTrue(conditional)
        self.assertEqual(conditional[0]["If-None-Match"], '"v1"')
        self.assertEqual(conditional[0]["If-Modified-Since"], "Mon, 07 Dec 2026 02:00:00 GMT")

    def test_the_validators_of_a_body_that_did_not_commit_are_not_sent(self):
        # The body was a dead letter: asking "has it changed since?" would get a 304 and the
        # corrected roster would never be fetched.
        wait_until(lambda: self.server.counts.get("/invalid", 0) >= 2, timeout=15)
        runs = [h for p, h in self.server.requests if p == "/invalid"]
        self.assertGreaterEqual(len(runs), 2)
        self.assertFalse([h for h in runs if "If-None-Match" in h], runs)
        dead = self.gw.sql("SELECT count(*) AS n FROM dead_letter d JOIN raw_message m ON m.id = d.message_id "
                           "WHERE m.source = 'invalid'")
        self.assertGreaterEqual(dead[0]["n"], 1)

    def test_a_not_modified_run_stores_nothing_and_is_counted(self):
        # The plugin says "nothing to do" (ABI 1.4) for a 304: no raw message, no dead letter.
        wait_until(lambda: len([r for r in self.results_of("again") if r.startswith("status")]) >= 3, timeout=15)
        outcomes = [r for r in self.results_of("again") if r.startswith("outcome=")]
        self.assertEqual(outcomes[0], "outcome=0")  # the first run committed the body
        self.assertIn("outcome=6", outcomes[1:])    # KQ_OUTCOME_NOTHING_TO_DO
        rows = self.gw.sql("SELECT status, count(*) AS n FROM raw_message WHERE source = 'again' GROUP BY status")
        self.assertEqual(rows, [{"status": "accepted", "n": 1}])
        dead = self.gw.sql("SELECT count(*) AS n FROM dead_letter d JOIN raw_message m ON m.id = d.message_id "
                           "WHERE m.source = 'again'")
        self.assertEqual(dead, [{"n": 0}])
        logged = [e for e in self.gw.log_events() if e.get("event") == "nothing_to_do" and e.get("adapter") == "again"]
        self.assertTrue(logged)
        self.assertIn("not modified", logged[0]["reason"])
        _, text = self.gw.get("/metrics")
        counted = [line for line in text.splitlines()
                   if line.startswith('kangqiao_schedule_nothing_to_do_total{adapter="again",schedule="fetch"}')]
        self.assertEqual(len(counted), 1, text)
        self.assertGreaterEqual(int(counted[0].split()[-1]), 1)
        self.assertRegex(text, r'kangqiao_messages_total\{adapter="again",outcome="nothing_to_do"\} [1-9]')


class ReloadDoesNotCatchUp(unittest.TestCase):

    def test_a_reload_runs_nothing_missed_a_restart_does(self):
        certs = dev_certs()
        server = RosterServer(certs)
        self.addCleanup(server.close)
        gw = Gateway()
        self.addCleanup(gw.cleanup)
        gw.write_config(text=config(adapter("nightly", f"https://localhost:{server.port}/roster", certs)))
        state = os.path.join(gw.dir, "data", "schedules", "nightly.fetch.last-run")
        gw.start()
        gw.wait_for_event("schedule_next_run")
        self.assertEqual(server.counts, {})  # never ran before: nothing missed
        os.makedirs(os.path.dirname(state), exist_ok=True)
        with open(state + ".tmp", "w") as f:
            f.write(str(int(time.time()) - 3 * 86400) + "\n")
        os.rename(state + ".tmp", state)  # as if it last ran three days ago
        seen = len(gw.log_events())
        gw.proc.send_signal(signal.SIGHUP)
        gw.wait_for_event("schedule_next_run", after=seen)
        time.sleep(1)
        self.assertEqual(server.counts, {})
        self.assertFalse([e for e in gw.log_events() if e.get("event") == "schedule_missed_run"])
        gw.stop()
        gw.start()
        gw.wait_for_event("schedule_missed_run")
        wait_until(lambda: server.counts.get("/roster") == 1, timeout=10)


class ScheduleConfigErrors(unittest.TestCase):

    def check(self, cron, zone=""):
        gw = Gateway()
        self.addCleanup(gw.cleanup)
        extra = f'      time_zone: "{zone}"\n' if zone else ""
        gw.write_config(text=config(adapter("bad", "https://localhost:1/x", dev_certs(), extra)
                                    .replace('"0 3 * * *"', f'"{cron}"')))
        return subprocess.run([BIN, "check", "--config", gw.config_path], capture_output=True, text=True)

    def test_a_bad_expression_fails_at_config_load_with_the_reason(self):
        r = self.check("0 25 * * *")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('schedule fetch: hour field "25": 25 is outside 0-23', r.stdout + r.stderr)

    def test_an_unknown_zone_fails_with_the_reason(self):
        r = self.check("0 3 * * *", "Asia/Peking")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('time zone "Asia/Peking": unknown', r.stdout + r.stderr)

    def test_an_unreadable_ca_file_fails_at_config_load(self):
        gw = Gateway()
        self.addCleanup(gw.cleanup)
        gw.write_config(text=config(adapter("bad", "https://localhost:1/x", "/nonexistent")))
        r = subprocess.run([BIN, "check", "--config", gw.config_path], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('https source roster: ca_file "/nonexistent/ca.crt"', r.stdout + r.stderr)

    def test_only_https_urls_are_fetched(self):
        gw = Gateway()
        self.addCleanup(gw.cleanup)
        gw.write_config(text=config(adapter("bad", "http://localhost:1/x", dev_certs())))
        r = subprocess.run([BIN, "check", "--config", gw.config_path], capture_output=True, text=True)
        self.assertIn("url: only https:// URLs are fetched", r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
