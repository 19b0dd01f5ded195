"""Slow and malformed clients against the real binary: an MLLP sender trickling a frame is cut at
read_timeout however often it sends a byte; every frame gets exactly one reply whatever its
framing error; trickled HTTP headers are cut at read_timeout; a body over the limit is refused
from its Content-Length before it is uploaded. (XXE and TLS older than 1.2 are refused in
test_his_http.py and test_gateway.py.)"""
import http.client
import select
import socket
import time
import unittest

from harness import CR, FS, VT, GatewayCase, msa, read_mllp_frame

READ_TIMEOUT = 2  # seconds, both listeners

CONFIG = f"""
data_dir: {{data}}
log: {{{{ level: info }}}}
listeners:
  - name: admin
    port: {{admin_port}}
  - name: ingest
    port: {{ingest_port}}
    serve_health: false
    limits: {{{{ max_body_bytes: 16MiB, read_timeout: {READ_TIMEOUT}s, idle_timeout: 30s }}}}
    tls:
      certificate: {{certs}}/server.crt
      private_key: {{certs}}/server.key
      client_ca: {{certs}}/ca.crt
      require_client_certificate: true
  - name: hl7
    protocol: mllp
    port: {{extra_port}}
    limits: {{{{ max_body_bytes: 64KiB, read_timeout: {READ_TIMEOUT}s, idle_timeout: 30s }}}}
plugins:
  directory: {{test_plugins}}
adapters:
  - name: mllp-in
    plugin: test_mllp
    listener: hl7
principals:
  - name: hospital-a
    organisation: "12110000MB0000001X"
    subject: "CN=hospital-a,O=Demo District Hospital,C=CN"
"""


def answered_or_closed(sock, timeout):
    """True when the peer sends something or closes `sock` within `timeout` seconds."""
    readable, _, _ = select.select([sock], [], [], timeout)
    return bool(readable)


def trickle(sock, data, every):
    """Sends `data` a byte at a time, `every` seconds apart, until the peer answers or closes.
    Returns (seconds that took, what the peer sent: b"" when it closed), or (None, None) if all
    of it was sent. Reads through `sock` (not select) so that TLS records without application
    data do not count as an answer."""
    started = time.monotonic()
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
            sock.settimeout(every)
            answer = sock.recv(4096)
        except (socket.timeout, TimeoutError):
            continue
        except OSError:
            answer = b""
        return time.monotonic() - started, answer
    return None, None


def message(control_id):
    return (f"MSH|^~\\&|HIS|HOSP_A|KQ|KQ|20260101120000||ADT^A01|{control_id}|P|2.5\r"
            f"PID|1||P-{control_id}^^^HOSP_A^MR||ZHANG^SAN\r").encode()


class SlowAndMalformedClients(GatewayCase):
    CONFIG = CONFIG

    def mllp(self):
        s = socket.create_connection(("127.0.0.1", self.gw.extra_port), timeout=10)
        self.addCleanup(s.close)
        return s

    def stored(self, control_id):
        return self.gw.sql("SELECT count(*) AS n FROM raw_message "
                           f"WHERE CAST(payload AS TEXT) LIKE '%|{control_id}|%'")[0]["n"]

    # -- MLLP: the read timeout bounds a frame -----------------------------------------------------

    def test_trickling_mllp_sender_is_cut_at_read_timeout(self):
        s = self.mllp()
        # A byte every 0.25 s, well inside the read timeout: a timer renewed at every read would
        # never fire.
        cut_after, answer = trickle(s, VT + message("TRICKLE-1"), every=0.25)
        self.assertIsNotNone(cut_after, "the connection stayed open for the whole trickle")
        self.assertGreater(cut_after, READ_TIMEOUT - 0.3)
        self.assertLess(cut_after, READ_TIMEOUT + 1.5)
        self.assertEqual(answer, b"", "a reply to a frame that never ended")
        self.assertEqual(self.stored("TRICKLE-1"), 0)
        timed_out = [e for e in self.gw.log_events() if e.get("event") == "mllp_incomplete_frame"]
        self.assertTrue(any(e["timed_out"] for e in timed_out), timed_out)

    def test_idle_time_between_frames_is_not_frame_time(self):
        s = self.mllp()
        s.sendall(VT + message("PAUSE-1") + FS + CR)
        self.assertIn("MSA|AA|PAUSE-1", read_mllp_frame(s)[0].decode())
        time.sleep(READ_TIMEOUT + 0.5)  # idle, not inside a frame: the idle timeout applies
        s.sendall(VT + message("PAUSE-2") + FS + CR)
        self.assertIn("MSA|AA|PAUSE-2", read_mllp_frame(s)[0].decode())

    # -- MLLP: exactly one reply per frame -------------------------------------------------------

    def assert_replies(self, stream, expected, sentinel):
        """Sends `stream` then a well-formed sentinel frame on one connection, and checks that the
        replies are exactly `expected` — (MSA-1, MSA-2) pairs, None for "any" — followed by the
        sentinel's, and nothing more."""
        s = self.mllp()
        s.sendall(stream + VT + message(sentinel) + FS + CR)
        rest = b""
        for code, control in expected + [("AA", sentinel)]:
            frame, rest = read_mllp_frame(s, rest)
            fields = msa(frame.decode())
            if code is not None:
                self.assertEqual(fields[1], code, frame)
            if control is not None:
                self.assertEqual(fields[2], control, frame)
        self.assertEqual(rest, b"")
        self.assertFalse(answered_or_closed(s, 0.3), "a frame got a second reply")

    def test_stray_end_byte_then_start_byte_inside_a_frame_gets_one_reply(self):
        # The case that got two AR replies: an FS, more content, a VT, then the real end. The VT
        # starts the frame again; the part before it never ends and gets no reply.
        stream = VT + message("STRAY-A") + FS + b"junk" + VT + message("STRAY-B") + FS + CR
        self.assert_replies(stream, [("AA", "STRAY-B")], "STRAY-SENTINEL")
        self.assertEqual(self.stored("STRAY-A"), 0)

    def test_end_byte_inside_content_does_not_cut_the_frame(self):
        stream = VT + message("SPLIT-1")[:30] + FS + message("SPLIT-1")[30:] + FS + CR
        self.assert_replies(stream, [(None, None)], "SPLIT-SENTINEL")

    def test_nested_start_byte_restarts_the_frame(self):
        stream = VT + b"MSH|^~\\&|HIS|HOSP_A|KQ|KQ|2026" + VT + message("NESTED-1") + FS + CR
        self.assert_replies(stream, [("AA", "NESTED-1")], "NESTED-SENTINEL")

    def test_empty_and_doubled_end_frames_get_one_reply_each(self):
        stream = VT + FS + CR + VT + b"garbage" + FS + FS + CR
        self.assert_replies(stream, [("AR", None), ("AR", None)], "EMPTY-SENTINEL")

    def test_missing_carriage_return_between_frames_is_tolerated(self):
        stream = VT + message("BACK-1") + FS + VT + message("BACK-2") + FS + CR
        self.assert_replies(stream, [("AA", "BACK-1"), ("AA", "BACK-2")], "BACK-SENTINEL")

    # -- HTTP ------------------------------------------------------------------------------------

    def tls_socket(self):
        raw = socket.create_connection(("127.0.0.1", self.gw.ingest_port), timeout=10)
        s = self.gw.tls_context().wrap_socket(raw, server_hostname="localhost")
        self.addCleanup(s.close)
        return s

    def test_trickled_headers_are_cut_at_read_timeout(self):
        s = self.tls_socket()
        head = b"POST /v1/records HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 200
        ended, answer = trickle(s, head, every=0.1)
        self.assertIsNotNone(ended, "the server kept waiting for the trickled header")
        self.assertGreater(ended, READ_TIMEOUT - 0.3)
        self.assertLess(ended, READ_TIMEOUT + 1.5)
        # Closed: the timed-out stream has no socket left to write a 408 to.
        self.assertEqual(answer, b"")

    def test_a_20_mib_body_is_refused_before_it_is_uploaded(self):
        conn = http.client.HTTPSConnection("localhost", self.gw.ingest_port, timeout=10,
                                           context=self.gw.tls_context())
        self.addCleanup(conn.close)
        conn.putrequest("POST", "/v1/records")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(20 * 1024 * 1024))
        started = time.monotonic()
        conn.endheaders()  # the headers only: not one byte of the body is sent
        r = conn.getresponse()
        took = time.monotonic() - started
        self.assertEqual(r.status, 413)
        self.assertIn("exceeds 16777216 bytes", r.read().decode())
        self.assertLess(took, 1.5, "the server waited for the body before refusing it")


if __name__ == "__main__":
    unittest.main()
