"""kill -9 of the gateway while several HIS connections push 20,000 HL7 messages over MLLP.

The senders behave like HIS interface engines: one message at a time per connection, the next
only after a positive ACK, and after a broken connection they reconnect and resend the message
that was not acknowledged (byte for byte). The gateway is killed with SIGKILL several times and
restarted on the same database. At the end every message must have been acknowledged and be
stored exactly once (one raw message, one dedupe key, the same records as any other), and
SQLite's integrity check must pass.

KQ_KILL9_MESSAGES (default 20000) and KQ_KILL9_KILLS (default 4) scale the run."""
import os
import random
import signal
import socket
import threading
import time
import unittest

from harness import CR, FS, VT, Gateway, his_mllp_config, msa, read_mllp_frame

CONFIG = his_mllp_config(log_level="warn", limits="max_body_bytes: 1MiB, read_timeout: 10s, idle_timeout: 60s")

MESSAGES = int(os.environ.get("KQ_KILL9_MESSAGES", "20000"))
KILLS = int(os.environ.get("KQ_KILL9_KILLS", "4"))
SENDERS = 8
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def national_id(area, birth, seq):
    body = "%s%s%03d" % (area, birth, seq)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


def message(sender, n):
    """ADT^A01 number n of a sender: its own control id; patients from a pool of 2,000."""
    patient = (sender * 7919 + n) % 2000
    nid = national_id("1101%02d" % (1 + patient % 8), "20120315", 2 * (patient // 8) + 1)
    control = "K%02d%06d" % (sender, n)
    segments = [
        "MSH|^~\\&|HIS|BJHD001|KANGQIAO|BJ-HEALTH|20240912103015+0800||ADT^A01^ADT_A01|%s|P|2.4"
        "|||AL|NE||UNICODE UTF-8" % control,
        "EVN|A01|20240912103000",
        "PID|1||M%07d^^^BJHD001^MR~%s^^^&2.16.156.10011.1.3&ISO^NNCHN||LI MING^李明||20120315|M"
        "|||学院路%d号^^北京市^北京市^100083^CHN^H||||||||%s" % (patient, nid, n % 97 + 1, nid),
        "PV1|1|O|0312^^^BJHD001^^^^^儿科门诊||||||||||||||||V%02d%06d|||||||||||||||||||||||||"
        "20240912103000" % (sender, n),
    ]
    return ("\r".join(segments) + "\r").encode("utf-8")


class Sender(threading.Thread):
    """One connection's worth of messages, resent after any failure until acknowledged."""

    def __init__(self, port, index, count):
        super().__init__(daemon=True)
        self.port, self.index, self.count = port, index, count
        self.acked = []        # control ids, in order
        self.negative = []     # (control id, ack) for anything but AA/CA
        self.resends = 0
        self.error = None

    def run(self):
        try:
            sock, buf, n = None, b"", 0
            deadline = time.time() + 600
            while n < self.count:
                if time.time() > deadline:
                    raise TimeoutError("sender %d stuck at message %d" % (self.index, n))
                if sock is None:
                    try:
                        sock = socket.create_connection(("127.0.0.1", self.port), timeout=15)
                        buf = b""
                    except OSError:
                        time.sleep(0.05)
                        continue
                try:
                    sock.sendall(VT + message(self.index, n) + FS + CR)
                    frame, buf = read_mllp_frame(sock, buf)
                except OSError:  # ConnectionError included: the gateway was killed
                    sock.close()
                    sock = None
                    self.resends += 1
                    continue
                ack = frame.decode("utf-8", "replace")
                fields = msa(ack)
                control = "K%02d%06d" % (self.index, n)
                if fields[1] not in ("AA", "CA") or fields[2] != control:
                    self.negative.append((control, ack))
                    return
                self.acked.append(control)
                n += 1
            sock.close()
        except Exception as e:  # reported by the test, not lost in a thread
            self.error = e


class KillNineDuringIngest(unittest.TestCase):
    def test_every_acknowledged_message_is_stored_exactly_once(self):
        gw = Gateway()
        self.addCleanup(gw.cleanup)
        gw.write_config(text=CONFIG)
        gw.start()

        per_sender = MESSAGES // SENDERS
        senders = [Sender(gw.extra_port, i, per_sender) for i in range(SENDERS)]
        started = time.time()
        for s in senders:
            s.start()

        # Kill at spread-out points of the run (so every kill lands mid-run however fast the
        # machine is), each a little randomly placed.
        rng = random.Random(20261122)
        total = per_sender * SENDERS
        points = [int(total * (k + rng.uniform(0.3, 0.7)) / (KILLS + 1)) for k in range(KILLS)]
        kills = 0
        acked_at_kill = []
        for point in points:
            while sum(len(s.acked) for s in senders) < point and any(s.is_alive() for s in senders):
                time.sleep(0.005)
            acked_at_kill.append(sum(len(s.acked) for s in senders))
            gw.stop(sig=signal.SIGKILL)
            kills += 1
            gw.start()

        for s in senders:
            s.join(timeout=600)
        elapsed = time.time() - started
        for s in senders:
            self.assertIsNone(s.error, "sender %d: %r" % (s.index, s.error))
            self.assertEqual([], s.negative[:1], "sender %d got a negative ACK" % s.index)
            self.assertEqual(per_sender, len(s.acked), "sender %d" % s.index)
        self.assertEqual(KILLS, kills, "the run ended before every kill happened")
        self.assertLess(acked_at_kill[-1], total, "the last kill came after the run")
        self.assertEqual(0, gw.stop(), gw.logs()[-3000:])

        acked = {c for s in senders for c in s.acked}
        self.assertEqual(total, len(acked))
        rows = gw.sql("SELECT status, count(*) AS n FROM raw_message GROUP BY status")
        self.assertEqual([{"status": "accepted", "n": total}], rows)
        keys = gw.sql("SELECT key FROM dedupe_key")
        self.assertEqual(total, len(keys))
        self.assertEqual(acked, {k["key"].rsplit("|", 1)[-1] for k in keys})
        per_message = gw.sql("SELECT n, count(*) AS messages FROM (SELECT message_id, count(*) AS n"
                             " FROM record GROUP BY message_id) GROUP BY n")
        self.assertEqual(1, len(per_message), per_message)
        self.assertEqual(total, per_message[0]["messages"])
        self.assertGreaterEqual(per_message[0]["n"], 2, "person and encounter per message")
        orphans = gw.sql("SELECT count(*) AS n FROM record WHERE message_id IS NULL OR message_id"
                         " NOT IN (SELECT id FROM raw_message)")
        self.assertEqual(0, orphans[0]["n"])
        self.assertEqual([{"integrity_check": "ok"}], gw.sql("PRAGMA integrity_check"))
        print("\n%d messages over %d connections, %d kill -9, %d resends, %.1f s (%.0f msgs/s)"
              % (total, SENDERS, kills, sum(s.resends for s in senders), elapsed, total / elapsed))


if __name__ == "__main__":
    unittest.main()
