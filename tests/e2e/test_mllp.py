"""The host's MLLP transport: real MLLP clients (python-hl7's mllp_send and raw sockets) against
the real binary, frames acknowledged only after commit, in order per connection, limits."""
import socket
import unittest

from harness import CR, FS, VT, GatewayCase, mllp_send, read_mllp_frame

CONFIG = """
data_dir: {data}
log: {{ level: info }}
listeners:
  - name: admin
    port: {admin_port}
  - name: hl7
    protocol: mllp
    port: {extra_port}
    limits: {{ max_body_bytes: 4KiB, read_timeout: 2s, idle_timeout: 30s }}
plugins:
  directory: {test_plugins}
adapters:
  - name: mllp-in
    plugin: test_mllp
    listener: hl7
"""


def message(control_id, patient="P123"):
    return (f"MSH|^~\\&|HIS|HOSP_A|KQ|KQ|20260101120000||ADT^A01|{control_id}|P|2.5\r"
            f"PID|1||{patient}^^^HOSP_A^MR||ZHANG^SAN\r")


class MllpTransport(GatewayCase):
    CONFIG = CONFIG

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.gw.extra_port), timeout=10)
        self.addCleanup(s.close)
        return s

    def exchange(self, sock, payload):
        sock.sendall(VT + payload.encode() + FS + CR)
        return self.read_frame(sock)

    def read_frame(self, sock):
        # One read may bring several ACKs: keep what follows the first for the next call.
        leftovers = self.__dict__.setdefault("_leftovers", {})
        frame, leftovers[id(sock)] = read_mllp_frame(sock, leftovers.get(id(sock), b""))
        return frame.decode()

    def test_mllp_send_gets_aa_after_commit(self):
        self.assertIn("MSA|AA|CTRL-SEND-1", mllp_send(self.gw.extra_port, message("CTRL-SEND-1").encode()))
        rows = self.gw.sql("SELECT status, channel FROM raw_message WHERE CAST(payload AS TEXT) LIKE '%CTRL-SEND-1%'")
        self.assertEqual(rows, [{"status": "accepted", "channel": "hl7"}])
        body = self.gw.sql("SELECT body FROM record WHERE id = 'org-CTRL-SEND-1'")[0]["body"]
        self.assertIn('"name":"P123"', body)

    def test_frames_on_one_connection_are_answered_in_order(self):
        s = self.connect()
        payload = b"".join(VT + message(f"ORDER-{i}").encode() + FS + CR for i in range(20))
        s.sendall(payload)
        for i in range(20):
            ack = self.read_frame(s)
            self.assertIn(f"MSA|AA|ORDER-{i}", ack)
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM record WHERE id LIKE 'org-ORDER-%'")[0]["n"], 20)

    def test_resend_is_acknowledged_again_without_new_rows(self):
        s = self.connect()
        self.assertIn("MSA|AA|DUP-1", self.exchange(s, message("DUP-1")))
        before = self.gw.sql("SELECT count(*) AS n FROM raw_message")[0]["n"]
        self.assertIn("MSA|AA|DUP-1", self.exchange(s, message("DUP-1")))
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM raw_message")[0]["n"], before)

    def test_content_error_gets_ae_with_err_and_is_kept(self):
        s = self.connect()
        ack = self.exchange(s, "MSH|^~\\&|HIS|HOSP_A|KQ|KQ|20260101||ADT^A01|NOPID-1|P|2.5\r")
        self.assertIn("MSA|AE|NOPID-1", ack)
        self.assertIn("ERR|||||E|||PID-3: patient identifier is required", ack)
        self.assertEqual(self.gw.sql("SELECT status FROM raw_message WHERE CAST(payload AS TEXT) LIKE '%NOPID-1%'"),
                         [{"status": "dead_letter"}])

    def test_garbage_gets_ar_and_noise_before_a_frame_is_ignored(self):
        s = self.connect()
        s.sendall(b"\r\n\r\n")
        self.assertIn("MSA|AR|", self.exchange(s, "this is not HL7"))
        self.assertIn("MSA|AA|AFTER-NOISE", self.exchange(s, message("AFTER-NOISE")))

    def test_oversized_frame_closes_the_connection_without_ack(self):
        s = self.connect()
        s.sendall(VT + b"MSH|" + b"x" * 5000)
        s.settimeout(5)
        self.assertEqual(s.recv(100), b"")
        self.assertEqual(self.gw.get("/healthz")[0], 200)

    def test_truncated_frame_times_out_without_ack(self):
        s = self.connect()
        s.sendall(VT + message("TRUNC-1").encode())  # no FS CR
        s.settimeout(10)
        self.assertEqual(s.recv(100), b"")
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM raw_message WHERE CAST(payload AS TEXT) LIKE '%TRUNC-1%'")[0]["n"], 0)


if __name__ == "__main__":
    unittest.main()
