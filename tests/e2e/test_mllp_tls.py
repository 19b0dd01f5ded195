"""HL7 v2 over MLLP with mutual TLS: the his adapter behind a TLS listener that requires a client
certificate. Only a known hospital's certificate gets an ACK; the organisation stored with the
message comes from that certificate's principal. Everything else is refused before any HL7 is
read, and a frame beyond the default 16 MiB limit closes the connection without an ACK."""
import os
import socket
import ssl
import unittest

from harness import CR, FS, VT, GatewayCase, SOURCE_DIR, issue_client_cert, read_mllp_frame

CONFIG = """
data_dir: {data}
log: {{ level: info }}
listeners:
  - name: admin
    port: {admin_port}
  - name: hl7s
    protocol: mllp
    port: {extra_port}
    limits: {{ max_body_bytes: 16MiB, read_timeout: 10s, idle_timeout: 30s }}
    tls:
      certificate: {certs}/server.crt
      private_key: {certs}/server.key
      client_ca: {certs}/ca.crt
      require_client_certificate: true
plugins:
  directory: {plugins}
mappings:
  directory: """ + os.path.join(SOURCE_DIR, "mappings") + """
adapters:
  - name: hospital-a-his
    plugin: his
    listener: hl7s
    roles: [his.push]
    config:
      facility: E2E
principals:
  - name: hospital-a
    organisation: "12110000MB0000001X"
    roles: [his.push]
    subject: "CN=hospital-a,O=Demo District Hospital,C=CN"
  - name: province-platform
    organisation: "11110000MB0000002X"
    roles: [records.pull]
    subject: "CN=province-platform,O=Demo Provincial Platform,C=CN"
"""

def adt(control_id):
    with open(os.path.join(SOURCE_DIR, "tests/fixtures/hl7v2/adt_a01.hl7"), "rb") as f:
        text = f.read().replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    return text.replace(b"HIS20240912000001", control_id.encode())


class MllpOverMutualTls(GatewayCase):
    CONFIG = CONFIG

    @classmethod
    def prepare(cls):
        issue_client_cert(cls.gw.certs, cls.gw.dir, "stranger", "/C=CN/O=Nobody/CN=stranger")

    def context(self, cert=None, key=None):
        ctx = ssl.create_default_context(cafile=os.path.join(self.gw.certs, "ca.crt"))
        if cert:  # relative to the dev certificates; absolute for ones a test made
            ctx.load_cert_chain(os.path.join(self.gw.certs, cert), os.path.join(self.gw.certs, key))
        return ctx

    def connect(self, cert="hospital-a.crt", key="hospital-a.key"):
        raw = socket.create_connection(("127.0.0.1", self.gw.extra_port), timeout=15)
        s = self.context(cert, key).wrap_socket(raw, server_hostname="localhost")
        self.addCleanup(s.close)
        return s

    def read_frame(self, s):
        return read_mllp_frame(s)[0].decode("utf-8")

    def count(self, control_id):
        return self.gw.sql("SELECT count(*) AS n FROM raw_message WHERE CAST(payload AS TEXT) LIKE "
                           "'%%%s%%'" % control_id)[0]["n"]

    def assert_refused(self, s, control_id):
        """The peer gets no ACK: the connection ends (or fails) instead."""
        try:
            s.sendall(VT + adt(control_id) + FS + CR)
            s.settimeout(10)
            self.assertEqual(b"", s.recv(100))
        except (ssl.SSLError, ConnectionError):
            pass
        self.assertEqual(0, self.count(control_id))

    def test_known_hospital_gets_aa_and_its_organisation_is_stored(self):
        s = self.connect()
        s.sendall(VT + adt("TLS-OK-1") + FS + CR)
        ack = self.read_frame(s)
        self.assertIn("MSA|CA|TLS-OK-1", ack)  # the fixture asks for enhanced mode (MSH-15 AL)
        rows = self.gw.sql("SELECT status, org_id, channel FROM raw_message WHERE CAST(payload AS TEXT)"
                           " LIKE '%TLS-OK-1%'")
        self.assertEqual([{"status": "accepted", "org_id": "12110000MB0000001X", "channel": "hl7s"}],
                         rows)
        self.assertGreater(self.gw.sql("SELECT count(*) AS n FROM record r JOIN raw_message m ON "
                                       "r.message_id = m.id WHERE CAST(m.payload AS TEXT) LIKE "
                                       "'%TLS-OK-1%'")[0]["n"], 0)

    def test_client_without_certificate_is_refused(self):
        raw = socket.create_connection(("127.0.0.1", self.gw.extra_port), timeout=15)
        self.addCleanup(raw.close)
        try:
            s = self.context().wrap_socket(raw, server_hostname="localhost")
        except (ssl.SSLError, ConnectionError):
            return  # refused during the handshake (TLS 1.2)
        self.addCleanup(s.close)
        self.assert_refused(s, "TLS-NOCERT-1")  # TLS 1.3: refused at the first read

    def test_certificate_from_an_untrusted_ca_is_refused(self):
        raw = socket.create_connection(("127.0.0.1", self.gw.extra_port), timeout=15)
        self.addCleanup(raw.close)
        try:
            s = self.context("rogue/client.crt", "rogue/client.key").wrap_socket(
                raw, server_hostname="localhost")
        except (ssl.SSLError, ConnectionError):
            return
        self.addCleanup(s.close)
        self.assert_refused(s, "TLS-ROGUE-1")

    def test_trusted_certificate_without_a_principal_gets_no_ack(self):
        # Signed by the dev CA, but no principal lists it.
        before = len(self.gw.log_events())
        s = self.connect(os.path.join(self.gw.dir, "stranger.crt"), os.path.join(self.gw.dir, "stranger.key"))
        self.assert_refused(s, "TLS-UNMAPPED-1")
        self.gw.wait_for_event("unmapped_client_certificate", after=before)

    def test_principal_without_the_adapters_role_gets_no_ack(self):
        # province-platform may pull records (records.pull) but not push HIS data (his.push).
        before = len(self.gw.log_events())
        s = self.connect("province-platform.crt", "province-platform.key")
        self.assert_refused(s, "TLS-ROLE-1")
        events = self.gw.wait_for_event("access_denied", after=before)
        self.assertEqual("province-platform", events[0]["principal"])

    def test_plain_tcp_on_the_tls_port_gets_no_ack(self):
        s = socket.create_connection(("127.0.0.1", self.gw.extra_port), timeout=15)
        self.addCleanup(s.close)
        self.assert_refused(s, "TLS-PLAIN-1")

    def test_frame_beyond_16_mib_closes_without_ack_and_the_gateway_carries_on(self):
        s = self.connect()
        chunk = b"OBX|1|TX|NOTE||" + b"x" * (1 << 20) + b"\r"
        s.sendall(VT + adt("TLS-HUGE-1"))
        closed = False
        try:
            for _ in range(17):  # 17 MiB, never a FS
                s.sendall(chunk)
            s.settimeout(10)
            closed = s.recv(100) == b""
        except (ssl.SSLError, ConnectionError):
            closed = True
        self.assertTrue(closed, "the gateway kept reading beyond its frame limit")
        self.assertEqual(0, self.count("TLS-HUGE-1"))
        self.assertEqual(200, self.gw.get("/healthz")[0])
        s2 = self.connect()
        s2.sendall(VT + adt("TLS-AFTER-HUGE") + FS + CR)
        self.assertIn("MSA|CA|TLS-AFTER-HUGE", self.read_frame(s2))
        self.gw.wait_for_event("mllp_frame_too_large")


if __name__ == "__main__":
    unittest.main()
