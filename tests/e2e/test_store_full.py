"""The store under an unlucky operator: a volume that fills up, and a write lock that another
process holds while the gateway is told to stop. The real binary on a small tmpfs it cannot
outgrow; real MLLP and HTTPS clients; the SQLite file checked afterwards. The line never crossed:
no positive acknowledgement for anything that is not committed."""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import unittest

from harness import (CR, FS, PERSON, VT, Gateway, echo_and_his_config, his_adt as adt, metric,
                     mllp_exchange, msa, read_mllp_frame, wait_until)

RESERVE_MIB = 4


def config(data_dir, store="", grace="5s"):
    return echo_and_his_config(data=data_dir, store=store,
                               top=f"log: {{{{ level: info, repeat_window: 1s }}}}\nshutdown_grace: {grace}")


class DiskFull(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway()
        self.addCleanup(self.gw.cleanup)
        self.volume = os.path.join(self.gw.dir, "volume")
        os.makedirs(self.volume)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", self.volume],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest("the disk-full test needs a small file system of its own, and mounting a "
                          f"tmpfs failed (run as root with mount permission): {r.stderr.strip()}")
        # Lazily: it runs before the gateway is killed (cleanups run last-in, first-out).
        self.addCleanup(subprocess.run, ["umount", "-l", self.volume], capture_output=True)
        self.gw.write_config(text=config(self.volume, f"min_free_space: {RESERVE_MIB}MiB"))
        self.db = os.path.join(self.volume, "kangqiao.db")
        self.gw.db_path = self.db

    def free_bytes(self):
        st = os.statvfs(self.volume)
        return st.f_bavail * st.f_frsize

    def fill_volume_leaving(self, nbytes):
        filler = os.path.join(self.volume, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * max(0, self.free_bytes() - nbytes))
        return filler

    def events(self, name):
        return [e for e in self.gw.log_events() if e.get("event") == name]

    def test_writes_stop_at_the_reserve_and_resume_by_themselves_when_space_returns(self):
        self.gw.start()
        self.assertEqual(self.gw.get("/readyz")[0], 200)
        filler = self.fill_volume_leaving((RESERVE_MIB << 20) + (1536 << 10))

        # Send until the store refuses; every AA is recorded.
        acked, refused = [], 0
        with socket.create_connection(("127.0.0.1", self.gw.extra_port), timeout=30) as s:
            rest = b""
            for i in range(20000):
                control = f"FULL-{i}"
                s.sendall(VT + adt(control) + FS + CR)
                frame, rest = read_mllp_frame(s, rest)
                fields = msa(frame.decode())
                self.assertEqual(fields[2], control)
                if fields[1] in ("AA", "CA"):
                    acked.append(control)
                    continue
                self.assertIn(fields[1], ("AE", "CE"), frame)
                self.assertIn("not stored", frame.decode())
                refused += 1
                if refused >= 300:  # keep knocking: the log must not grow with every refusal
                    break
        self.assertGreater(len(acked), 20, "the volume filled before the test began")
        self.assertGreaterEqual(self.free_bytes(), (RESERVE_MIB << 20) // 2, "the reserve was not kept")

        status, body = self.gw.get("/readyz")
        self.assertEqual(status, 503)
        self.assertIn("below the reserve", body)
        metrics = self.gw.get("/metrics")[1]
        self.assertEqual(metric(metrics, "kangqiao_store_writable"), 0)
        self.assertEqual(metric(metrics, "kangqiao_store_free_bytes_reserve"), RESERVE_MIB << 20)
        self.assertLess(metric(metrics, "kangqiao_store_free_bytes"), RESERVE_MIB << 20)
        status, _, problem = self.gw.post("/v1/records", json.dumps(PERSON), headers={"Idempotency-Key": "full-1"})
        self.assertEqual(status, 503, problem)

        # 300 refusals: one line, then a count per second (log.repeat_window: 1s).
        self.assertTrue(wait_until(lambda: any("repeated" in e for e in self.events("store_write_failed")), 5))
        failures = self.events("store_write_failed")
        self.assertLess(len(failures), 15, failures[:3])
        self.assertGreaterEqual(sum(e.get("repeated", 1) for e in failures), refused)

        # Space returns: the store notices by itself, without a message being tried.
        os.unlink(filler)
        self.assertTrue(wait_until(lambda: self.gw.get("/readyz")[0] == 200, 5), self.gw.get("/readyz"))
        self.assertTrue(self.events("store_space_recovered"))
        ack = mllp_exchange(self.gw.extra_port, adt("AFTER-FULL-1"))
        self.assertIn(msa(ack)[1], ("AA", "CA"), ack)
        acked.append("AFTER-FULL-1")
        self.assertEqual(self.gw.post("/v1/records", json.dumps(PERSON), headers={"Idempotency-Key": "full-2"})[0], 201)

        self.assertEqual(self.gw.stop(), 0)
        # Every acknowledged message is stored, once, and the file is sound.
        with sqlite3.connect(self.db) as db:
            stored = {}
            for (payload,) in db.execute("SELECT CAST(payload AS TEXT) FROM raw_message "
                                      "WHERE status = 'accepted' AND source = 'hospital-a'"):
                control = payload.split("\r")[0].split("|")[9]
                stored[control] = stored.get(control, 0) + 1
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        missing = [c for c in acked if stored.get(c) != 1]
        self.assertEqual(missing, [], "acknowledged but not stored exactly once")


class LockedStoreAtShutdown(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway()
        self.addCleanup(self.gw.cleanup)
        # A long busy timeout: without a bounded shutdown the exit would wait for the lock.
        self.gw.write_config(text=config(os.path.join(self.gw.dir, "data"), "busy_timeout: 60s",
                                         grace="2s"))

    def test_shutdown_grace_bounds_the_exit_and_nothing_uncommitted_is_acknowledged(self):
        self.gw.start()
        self.assertIn(msa(mllp_exchange(self.gw.extra_port, adt("BEFORE-LOCK")))[1], ("AA", "CA"))

        holder = sqlite3.connect(self.gw.db_path, isolation_level=None, timeout=10)
        self.addCleanup(holder.close)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held like a stuck sqlite3 shell would

        replies = {}

        def send(control):
            try:
                replies[control] = msa(mllp_exchange(self.gw.extra_port, adt(control), timeout=30))[1]
            except (OSError, ConnectionError) as e:
                replies[control] = "closed: %s" % e

        controls = [f"LOCKED-{i}" for i in range(5)]
        threads = [threading.Thread(target=send, args=(c,)) for c in controls]
        for t in threads:
            t.start()
        time.sleep(0.5)  # the writer is now waiting for the lock
        started = time.monotonic()
        self.gw.proc.send_signal(signal.SIGTERM)
        self.gw.proc.wait(timeout=30)
        took = time.monotonic() - started
        for t in threads:
            t.join(timeout=30)
        self.assertLess(took, 2 + 1.0, "shutdown_grace is 2 s")
        self.assertEqual(self.gw.proc.returncode, 0, self.gw.logs())
        self.assertEqual(len(replies), len(controls))
        for control, reply in replies.items():
            self.assertNotIn(reply, ("AA", "CA"), f"{control} acknowledged, but it cannot be stored")
        holder.execute("ROLLBACK")
        stored = self.gw.sql("SELECT CAST(payload AS TEXT) AS p FROM raw_message")
        for control in controls:
            self.assertFalse(any(f"|{control}|" in row["p"] for row in stored), control)
        self.assertTrue(any(e.get("event") == "store_shutdown_gave_up" for e in self.gw.log_events()))


if __name__ == "__main__":
    unittest.main()
