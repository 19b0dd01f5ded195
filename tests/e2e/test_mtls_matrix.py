"""Mutual TLS refusals through the real binary, with real curl and openssl s_client: an HTTPS
listener with client_ca, a CRL and require_client_certificate lets in a valid mapped certificate
and refuses, in the handshake, no certificate, a self-signed one, one from an untrusted CA, an
expired one and a revoked one; a trusted certificate that no principal maps, or whose principal
lacks the adapter's role, gets a 403 problem. Every authentication failure is an audit entry
(DICOM 110114, serious failure) naming listener, peer address, OpenSSL's reason and the
certificate, at most one per peer and reason per window, then the count. A CRL past its
nextUpdate, or none for the issuer, refuses even a valid certificate (fail closed).

certificate_matrix() is the matrix itself, for any mutual-TLS endpoint (the pull API next)."""
import collections
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harness import BIN, Gateway, GatewayCase, SOURCE_DIR, metric, read, wait_until

USER_AUTHENTICATION = "110114"
EXAMPLES = os.path.join(SOURCE_DIR, "adapters/his/examples")

# Refused in the handshake: (case, certificate file stem in the dev certificate folder or None
# for no certificate, the reason OpenSSL gives and the audit entry records, the TLS alert the
# client receives).
REFUSED_IN_HANDSHAKE = [
    ("no certificate", None, "peer did not return a certificate", "certificate required"),
    ("self-signed", "self-signed-client", "self-signed certificate", "unknown ca"),
    ("untrusted CA", "untrusted-client", "unable to get local issuer certificate", "unknown ca"),
    ("expired", "expired-client", "certificate has expired", "certificate expired"),
    ("revoked", "revoked-client", "certificate revoked", "certificate revoked"),
]
UNMAPPED_REASON = "certificate not mapped to a principal"

Reply = collections.namedtuple("Reply", "curl_exit status content_type body")


def curl(certs, port, method, path, client=None, body=None, content_type=None, source="127.0.0.1"):
    """One request with curl from the loopback address `source`, presenting the dev certificate
    `client` (a file stem; None: no certificate). Status 0: no HTTP reply (refused in the handshake)."""
    work = tempfile.mkdtemp(prefix="kq-mtls-")
    args = ["curl", "-sS", "--interface", source, "--cacert", f"{certs}/ca.crt", "-X", method,
            "-D", f"{work}/headers", "-o", f"{work}/reply", "-w", "%{http_code}", "--max-time", "15"]
    if client:
        args += ["--cert", f"{certs}/{client}.crt", "--key", f"{certs}/{client}.key"]
    if body is not None:
        with open(f"{work}/body", "wb") as f:
            f.write(body)
        args += ["--data-binary", f"@{work}/body", "-H", f"Content-Type: {content_type}"]
    args.append(f"https://localhost:{port}{path}")
    r = subprocess.run(args, capture_output=True, text=True, timeout=30)
    status = int(r.stdout or "0")
    if status == 0:
        return Reply(r.returncode, 0, None, r.stderr)
    ctype = None
    for line in read(f"{work}/headers").decode().splitlines()[1:]:
        if line.lower().startswith("content-type:"):
            ctype = line.split(":", 1)[1].strip()
    text = read(f"{work}/reply").decode()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text
    return Reply(r.returncode, status, ctype, parsed)


def certificate_matrix(certs, port, method, path, body=None, content_type=None, source="127.0.0.1",
                       mapped="hospital-a", wrong_role="province-platform", unmapped="unmapped"):
    """Sends one request with every client certificate of the matrix; returns {case: Reply}.
    `mapped` names a certificate whose principal may use the endpoint, `wrong_role` one whose
    principal lacks the role, `unmapped` one that no principal maps (file stems in `certs`)."""
    cases = {"mapped": mapped, "wrong role": wrong_role, "unmapped": unmapped}
    cases.update({case: client for case, client, _, _ in REFUSED_IN_HANDSHAKE})
    return {case: curl(certs, port, method, path, client, body, content_type, source)
            for case, client in cases.items()}


def fingerprint(cert_path):
    out = subprocess.run(["openssl", "x509", "-in", cert_path, "-noout", "-fingerprint", "-sha256"],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().split("=", 1)[1].replace(":", "")


def s_client(certs, port, client=None):
    """openssl s_client's output for a handshake presenting `client` (None: no certificate)."""
    args = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-CAfile", f"{certs}/ca.crt", "-ign_eof"]
    if client:
        args += ["-cert", f"{certs}/{client}.crt", "-key", f"{certs}/{client}.key"]
    # TLS 1.3 finishes the client's side before the server has checked the certificate: send a
    # request so that the server's verdict (an alert, or a reply) is read.
    r = subprocess.run(args, input="GET /v1/his/records HTTP/1.0\r\n\r\n", capture_output=True,
                       text=True, timeout=20)
    return r.stdout + r.stderr


def his_config(crl, client_ca="{certs}/ca.crt"):
    return f"""
data_dir: {{data}}
log: {{{{ level: info }}}}
listeners:
  - name: admin
    port: {{admin_port}}
  - name: ingest
    port: {{ingest_port}}
    serve_health: false
    limits: {{{{ read_timeout: 5s, idle_timeout: 10s }}}}
    tls:
      certificate: {{certs}}/server.crt
      private_key: {{certs}}/server.key
      client_ca: {client_ca}
      crl: {crl}
      require_client_certificate: true
store:
  path: kangqiao.db
  group_commit: {{{{ max_batch: 100, max_delay: 1ms }}}}
audit:
  auth_failure_window: 5s
plugins:
  directory: {{plugins}}
mappings:
  directory: {os.path.join(SOURCE_DIR, "mappings")}
adapters:
  - name: his-push
    plugin: his
    listener: ingest
    roles: [his.push]
    config:
      transport: https
principals:
  - name: hospital-a
    organisation: "12110000MB0000001X"
    roles: [his.push]
    subject: "CN=hospital-a,O=Demo District Hospital,C=CN"
  - name: province-platform
    organisation: "12110000MB0000009P"
    roles: [records.pull]
    subject: "CN=province-platform,O=Demo Provincial Platform,C=CN"
"""


class AuditedRefusals:
    """What the store holds about refused clients."""

    def auth_entries(self, peer):
        rows = self.gw.sql(f"SELECT seq, action, outcome, actor, detail FROM audit_log "
                           f"WHERE event_type = '{USER_AUTHENTICATION}' ORDER BY seq")
        entries = []
        for row in rows:
            detail = json.loads(row.pop("detail"))
            if detail.get("peer") == peer:
                entries.append(dict(row, **detail))
        return entries

    def wait_for_entries(self, peer, predicate, timeout=10):
        wait_until(lambda: predicate(self.auth_entries(peer)), timeout)
        return self.auth_entries(peer)


class CertificateMatrix(AuditedRefusals, GatewayCase):
    CONFIG = his_config("{certs}/crl.pem")

    def visit(self, visit_no):
        body = json.loads(read(f"{EXAMPLES}/visit.json"))
        body["visit"]["visitNo"] = visit_no
        return json.dumps(body).encode()

    def test_matrix_over_https_with_curl_and_the_audit_entries_it_leaves(self):
        source = "127.0.0.3"
        replies = certificate_matrix(self.gw.certs, self.gw.ingest_port, "POST", "/v1/his/records",
                                     body=self.visit("MZ-MTLS-1"), content_type="application/json",
                                     source=source)
        self.assertIn(replies["mapped"].status, (200, 201), replies["mapped"])
        for case in ("unmapped", "wrong role"):
            reply = replies[case]
            self.assertEqual(reply.status, 403, (case, reply))
            self.assertEqual(reply.content_type, "application/problem+json", (case, reply))
            self.assertEqual(reply.body["status"], 403)
        self.assertIn("not mapped to a principal", replies["unmapped"].body["detail"])
        self.assertIn("none of the roles", replies["wrong role"].body["detail"])
        for case, _, _, _ in REFUSED_IN_HANDSHAKE:
            self.assertEqual(replies[case].status, 0, (case, replies[case]))
            self.assertNotEqual(replies[case].curl_exit, 0, case)

        expected = {reason: client for _, client, reason, _ in REFUSED_IN_HANDSHAKE}
        expected[UNMAPPED_REASON] = "unmapped"
        entries = self.wait_for_entries(source, lambda es: {e["detail"] for e in es} >= set(expected))
        self.assertEqual(len(entries), len(expected), entries)  # nothing for the mapped, nor the wrong role
        for entry in entries:
            client = expected[entry["detail"]]
            self.assertEqual((entry["action"], entry["outcome"], entry["actor"], entry["listener"]),
                             ("E", 8, "anonymous", "ingest"), entry)
            self.assertNotIn("suppressed", entry)
            if client is None:
                self.assertNotIn("fingerprint_sha256", entry)
                self.assertNotIn("subject", entry)
                continue
            self.assertEqual(entry["fingerprint_sha256"], fingerprint(f"{self.gw.certs}/{client}.crt"), entry)
            self.assertTrue(entry["subject"].startswith("CN="), entry)
        by_reason = {e["detail"]: e for e in entries}
        self.assertEqual(by_reason["certificate has expired"]["subject"],
                         "CN=expired-client,O=Demo District Hospital,C=CN")
        self.assertEqual(by_reason[UNMAPPED_REASON]["subject"], "CN=unmapped,O=Demo Unknown Clinic,C=CN")

        # The FHIR export shows them as User Authentication, serious failure, with the peer.
        out = subprocess.run([BIN, "audit", "export", "--format", "fhir", "--path", self.gw.db_path],
                             capture_output=True, text=True, check=True).stdout
        events = [json.loads(line) for line in out.splitlines() if line.strip()]
        revoked = [e for e in events if e["type"]["code"] == USER_AUTHENTICATION
                   and e.get("outcomeDesc") == "certificate revoked"
                   and e["agent"][0].get("network", {}).get("address") == source]
        self.assertEqual(len(revoked), 1, out[-2000:])
        self.assertEqual(revoked[0]["type"]["display"], "User Authentication")
        self.assertEqual(revoked[0]["outcome"], "8")

    def test_openssl_s_client_hears_why_in_the_alert(self):
        for case, client, _, alert in REFUSED_IN_HANDSHAKE:
            out = s_client(self.gw.certs, self.gw.ingest_port, client)
            self.assertIn("alert " + alert, out, case)
        out = s_client(self.gw.certs, self.gw.ingest_port, "hospital-a")
        self.assertIn("Verify return code: 0 (ok)", out)
        self.assertRegex(out, r"HTTP/1\.[01] 405 ")  # through the handshake to the HTTP server (POST only)

    def test_a_flood_from_one_peer_is_one_entry_then_the_count(self):
        source = "127.0.0.2"
        context = ssl.create_default_context(cafile=f"{self.gw.certs}/ca.crt")
        context.load_cert_chain(f"{self.gw.certs}/revoked-client.crt", f"{self.gw.certs}/revoked-client.key")
        started = time.monotonic()
        for _ in range(20):
            raw = socket.socket()
            raw.bind((source, 0))
            raw.settimeout(5)
            raw.connect(("127.0.0.1", self.gw.ingest_port))
            with context.wrap_socket(raw, server_hostname="localhost") as s:
                with self.assertRaises(ssl.SSLError):  # the alert: in the handshake (1.2) or the first read (1.3)
                    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                    s.recv(1)
        self.assertLess(time.monotonic() - started, 2.5, "the flood must fit well inside one window")
        entries = self.wait_for_entries(source, lambda es: len(es) >= 1, timeout=2)
        self.assertEqual(len(entries), 1, entries)
        self.assertEqual(entries[0]["detail"], "certificate revoked")
        self.assertNotIn("suppressed", entries[0])
        # The window (5 s here, a minute by default) ends: one more entry with the count.
        entries = self.wait_for_entries(source, lambda es: len(es) >= 2, timeout=10)
        self.assertEqual(len(entries), 2, entries)
        self.assertEqual((entries[1]["detail"], entries[1]["suppressed"]), ("certificate revoked", 19), entries)
        self.assertIn(entries[1]["window_s"], range(5, 9), entries)  # the window, and up to the next flush
        self.assertNotIn("fingerprint_sha256", entries[1])
        status, text = self.gw.get("/metrics")
        self.assertGreaterEqual(metric(text, "kangqiao_client_auth_failures"), 20)


class PullApiMatrix(GatewayCase):
    """The same matrix against the provincial pull API: only the valid, mapped certificate of a
    principal with records.pull gets data; the rest are refused in the handshake or with 403."""
    CONFIG = his_config("{certs}/crl.pem").replace(
        "    serve_health: false\n", "    serve_health: false\n    pull_api: true\n", 1).replace(
        "    roles: [records.pull]\n",
        "    roles: [records.pull]\n    purposes: [PUBHLTH]\n    jurisdiction: {{ regions: [\"110000\"] }}\n", 1)

    def test_only_the_entitled_certificate_pulls(self):
        replies = certificate_matrix(self.gw.certs, self.gw.ingest_port, "GET", "/api/v1/changes?purpose=PUBHLTH",
                                     mapped="province-platform", wrong_role="hospital-a")
        self.assertEqual(replies["mapped"].status, 200, replies["mapped"])
        self.assertIn("records", replies["mapped"].body)
        self.assertEqual((replies["wrong role"].status, replies["wrong role"].body["code"]), (403, "missing_role"))
        self.assertEqual(replies["unmapped"].status, 403, replies["unmapped"])
        self.assertIn("not mapped to a principal", replies["unmapped"].body["detail"])
        for case, _, _, _ in REFUSED_IN_HANDSHAKE:
            self.assertEqual(replies[case].status, 0, (case, replies[case]))


class ExpiredOrMissingCrl(AuditedRefusals, GatewayCase):
    """Fail closed: the client CA bundle holds the dev CA and a second CA; the CRL file holds only
    the dev CA's CRL, and that one is past its nextUpdate."""
    @classmethod
    def prepare(cls):
        both = os.path.join(cls.gw.dir, "both-cas.crt")
        with open(both, "wb") as f:
            f.write(read(f"{cls.gw.certs}/ca.crt") + read(f"{cls.gw.certs}/untrusted-ca.crt"))
        cls.gw.write_config(text=his_config("{certs}/crl-expired.pem", client_ca=both))

    def test_even_a_valid_mapped_certificate_is_refused(self):
        source = "127.0.0.4"
        reply = curl(self.gw.certs, self.gw.ingest_port, "POST", "/v1/his/records", "hospital-a",
                     body=read(f"{EXAMPLES}/visit.json"), content_type="application/json", source=source)
        self.assertEqual(reply.status, 0, reply)
        self.assertIn("alert certificate expired", s_client(self.gw.certs, self.gw.ingest_port, "hospital-a"))
        [entry] = self.wait_for_entries(source, lambda es: len(es) >= 1)
        self.assertEqual(entry["detail"], "CRL has expired")
        self.assertEqual(entry["fingerprint_sha256"], fingerprint(f"{self.gw.certs}/hospital-a.crt"))

    def test_a_ca_without_a_crl_in_the_file_is_refused(self):
        # The second CA is trusted here, so its client's chain verifies; but there is no CRL of it.
        source = "127.0.0.5"
        reply = curl(self.gw.certs, self.gw.ingest_port, "POST", "/v1/his/records", "untrusted-client",
                     body=read(f"{EXAMPLES}/visit.json"), content_type="application/json", source=source)
        self.assertEqual(reply.status, 0, reply)
        [entry] = self.wait_for_entries(source, lambda es: len(es) >= 1)
        self.assertEqual(entry["detail"], "unable to get certificate CRL")

    def test_start_up_warns_and_the_metric_says_when_the_crl_expired(self):
        [warning] = self.gw.wait_for_event("tls_crl_expired")
        self.assertEqual(warning["listener"], "ingest")
        status, text = self.gw.get("/metrics")
        self.assertIn('kangqiao_tls_crl_next_update_seconds{listener="ingest"} 1580515200', text)


class CrlRenewedByReload(GatewayCase):
    """A CRL renewed in place takes effect on SIGHUP, without a restart: the listener starts with
    an expired CRL (every client refused), the current one is copied over it and the gateway
    reloaded; a file that does not load leaves the listener with the CRL it had."""
    @classmethod
    def prepare(cls):
        cls.crl = os.path.join(cls.gw.dir, "renewed-crl.pem")
        with open(cls.crl, "wb") as f:
            f.write(read(f"{cls.gw.certs}/crl-expired.pem"))
        cls.gw.write_config(text=his_config(cls.crl))

    def post(self, client, visit_no):
        body = json.loads(read(f"{EXAMPLES}/visit.json"))
        body["visit"]["visitNo"] = visit_no
        return curl(self.gw.certs, self.gw.ingest_port, "POST", "/v1/his/records", client,
                    body=json.dumps(body).encode(), content_type="application/json")

    def reload(self, event):
        after = len(self.gw.log_events())
        self.gw.proc.send_signal(signal.SIGHUP)
        self.gw.wait_for_event("reload_done", after=after)
        return self.gw.wait_for_event(event, after=after)[-1]

    def test_a_renewed_crl_applies_after_a_reload_and_a_broken_one_is_not_taken(self):
        self.assertEqual(self.post("hospital-a", "MZ-CRL-1").status, 0)  # fail closed: expired CRL
        with open(self.crl, "wb") as f:
            f.write(read(f"{self.gw.certs}/crl.pem"))
        reloaded = self.reload("tls_reloaded")
        self.assertEqual(reloaded["listener"], "ingest")
        self.assertGreater(reloaded["crl_next_update_ms"], int(time.time() * 1000))
        self.assertIn(self.post("hospital-a", "MZ-CRL-2").status, (200, 201))
        self.assertEqual(self.post("revoked-client", "MZ-CRL-3").status, 0)  # the new CRL revokes it
        _, text = self.gw.get("/metrics")
        self.assertNotIn('kangqiao_tls_crl_next_update_seconds{listener="ingest"} 1580515200', text)

        with open(self.crl, "w") as f:
            f.write("not a CRL\n")
        failed = self.reload("tls_reload_failed")
        self.assertEqual(failed["listener"], "ingest")
        self.assertIn("CRL", failed["error"])
        self.assertIn(self.post("hospital-a", "MZ-CRL-4").status, (200, 201))  # the CRL it had
        self.assertEqual(self.post("revoked-client", "MZ-CRL-5").status, 0)


class CrlStartUpErrors(unittest.TestCase):

    def check(self, crl_text, expected):
        gw = Gateway()
        self.addCleanup(gw.cleanup)
        bad = os.path.join(gw.dir, "bad-crl.pem")
        with open(bad, "w") as f:
            f.write(crl_text)
        gw.write_config(text=his_config(bad))
        r = subprocess.run([BIN, "check", "--config", gw.config_path], capture_output=True, text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn(expected.format(bad=bad), r.stderr + r.stdout)
        with self.assertRaises(RuntimeError) as refused:
            gw.start()
        self.assertIn(expected.format(bad=bad), str(refused.exception))

    def test_a_file_without_a_crl_stops_start_up_naming_it(self):
        self.check("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                   "cannot parse CRL file {bad}")

    def test_crl_without_client_ca_is_located(self):
        gw = Gateway()
        self.addCleanup(gw.cleanup)
        text = his_config("{certs}/crl.pem").replace("      client_ca: {certs}/ca.crt\n", "")
        text = text.replace("      require_client_certificate: true\n", "")
        gw.write_config(text=text)
        r = subprocess.run([BIN, "check", "--config", gw.config_path], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertRegex(r.stderr, gw.config_path + r":\d+:\d+: crl needs client_ca")


if __name__ == "__main__":
    unittest.main()
