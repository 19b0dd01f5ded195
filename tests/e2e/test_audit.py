"""The audit chain through the real binary: a gateway takes HL7 messages over MLLP with signed
checkpoints every 10 entries; then, on copies of its database, an attacker with file access drops
the append-only triggers and edits the audit log by hand (a changed byte, a deleted row, two rows
swapped, the tail cut off, the tail re-chained without the key). `kangqiao audit verify` must fail
on each and name the first bad entry; on the untouched log it passes. Reading the log (verify,
export) is itself recorded as DICOM 110101. Last, a gateway killed with SIGKILL during ingest
continues the chain where the last commit left it."""
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import threading
import time
import unittest

from harness import BIN, Gateway, his_adt, his_mllp_config, mllp_exchange, msa

MESSAGES = 25
EVERY = 10  # checkpoint every N entries

NULL = object()


# The canonical encoding of docs/operations.md ("The audit chain"), written again here from the
# documentation: if the code and the docs drift apart, the re-chained log below stops verifying
# up to the rewritten entry.
def text(value):
    if value is None:
        return struct.pack(">I", 0xFFFFFFFF)
    data = value.encode() if isinstance(value, str) else bytes(value)
    return struct.pack(">I", len(data)) + data


def integer(value):
    return struct.pack(">q", value)


def canonical(row):
    return b"".join([text(row["chain_format"]), integer(row["seq"]), integer(row["at_ms"]),
                     text(row["event_type"]), text(row["action"]), integer(row["outcome"]),
                     text(row["actor"]), text(row["org_id"]), text(row["detail"]),
                     text(row["message_id"])])


def entry_hash(prev, row):
    algorithm = {"KQA1-SM3": "sm3", "KQA1-SHA256": "sha256"}[row["chain_format"]]
    return hashlib.new(algorithm, bytes(prev) + canonical(row)).digest()


class AuditChain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway()
        cls.addClassCleanup(cls.gw.cleanup)
        cls.export_file = os.path.join(cls.gw.dir, "checkpoints.jsonl")
        cls.gw.write_config(text=his_mllp_config() + f"""
audit:
  hash: sm3
  checkpoints:
    signing_key: {{certs}}/audit-signing.key
    every_entries: {EVERY}
    every: 1h
    export_file: {cls.export_file}
""")
        cls.gw.start()
        for i in range(MESSAGES):
            ack = mllp_exchange(cls.gw.extra_port, his_adt(f"AUDIT-{i:04d}"))
            assert msa(ack)[1] in ("AA", "CA"), ack
        assert cls.gw.stop() == 0
        cls.public_key = os.path.join(cls.gw.certs, "audit-signing.pub")
        cls.copies = 0

    def copy(self):
        """A copy of the stopped gateway's database to tamper with."""
        type(self).copies += 1
        path = os.path.join(self.gw.dir, f"copy-{self.copies}.db")
        for suffix in ("", "-wal"):
            if os.path.exists(self.gw.db_path + suffix):
                shutil.copyfile(self.gw.db_path + suffix, path + suffix)
        return path

    def tamper(self, path, *statements):
        """What an attacker with the file does: drop the triggers, then edit."""
        db = sqlite3.connect(path)
        db.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        db.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        db.execute("DROP TRIGGER IF EXISTS audit_checkpoint_no_delete")
        for s in statements:
            db.execute(s) if isinstance(s, str) else db.execute(*s)
        db.commit()
        db.close()

    def rows(self, path, where="1"):
        db = sqlite3.connect(path)
        db.row_factory = sqlite3.Row
        rows = [dict(r) for r in db.execute(f"SELECT * FROM audit_log WHERE {where} ORDER BY seq")]
        db.close()
        return rows

    def verify(self, path, *extra):
        return subprocess.run([BIN, "audit", "verify", "--path", path, "--key", self.public_key, "--quiet", *extra],
                              capture_output=True, text=True, timeout=120)

    def assert_fails_at(self, result, seq, finding):
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn(f"FAILED at seq {seq} ({finding})", result.stdout)

    def test_the_log_the_gateway_wrote_is_intact(self):
        path = self.copy()
        rows = self.rows(path)
        self.assertGreaterEqual(len(rows), MESSAGES)
        self.assertTrue(all(r["chain_format"] == "KQA1-SM3" for r in rows))
        # The hashes are the documented ones: recomputed here from the canonical encoding.
        prev = bytes(32)
        for r in rows:
            self.assertEqual(bytes(r["prev_hash"]), prev, r["seq"])
            prev = entry_hash(prev, r)
            self.assertEqual(bytes(r["entry_hash"]), prev, r["seq"])
        result = self.verify(path)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("ok: audit log intact", result.stdout)
        self.assertIn(f"{len(rows) // EVERY} signed checkpoints verified", result.stdout)
        # The verification itself is in the log now: 110101, action R, with its verdict.
        used = self.rows(path, "event_type = '110101'")
        self.assertEqual(len(used), 1)
        self.assertEqual(used[0]["action"], "R")
        self.assertEqual(json.loads(used[0]["detail"])["result"], "intact")
        self.assertEqual(self.verify(path).returncode, 0, "the new entry is chained too")

    def test_a_changed_byte_is_named(self):
        path = self.copy()
        self.tamper(path, "UPDATE audit_log SET detail = replace(detail, '\"', '''') WHERE seq = 7")
        self.assert_fails_at(self.verify(path), 7, "changed")

    def test_a_changed_actor_is_named(self):
        path = self.copy()
        self.tamper(path, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 14")
        self.assert_fails_at(self.verify(path), 14, "changed")

    def test_a_deleted_row_is_named(self):
        path = self.copy()
        self.tamper(path, "DELETE FROM audit_log WHERE seq = 12")
        self.assert_fails_at(self.verify(path), 12, "missing")

    def test_swapped_rows_are_named(self):
        path = self.copy()
        self.tamper(path, "UPDATE audit_log SET seq = -4 WHERE seq = 4",
                    "UPDATE audit_log SET seq = 4 WHERE seq = 6",
                    "UPDATE audit_log SET seq = 6 WHERE seq = -4")
        self.assert_fails_at(self.verify(path), 4, "out of order")

    def test_a_truncated_tail_is_named(self):
        path = self.copy()
        self.tamper(path, "DELETE FROM audit_log WHERE seq > 15")
        result = self.verify(path)
        self.assert_fails_at(result, 16, "truncated")
        self.assertIn("tail truncated after seq 15", result.stdout)

    def test_a_tail_truncated_with_its_checkpoints_and_counters_is_caught_by_the_export_file(self):
        # The careful attacker also deletes the checkpoints that covered the tail and resets
        # SQLite's counters: the database alone then looks whole; the exported checkpoints do not.
        path = self.copy()
        self.tamper(path, "DELETE FROM audit_log WHERE seq > 15",
                    "DELETE FROM audit_checkpoint WHERE seq > 15",
                    "UPDATE sqlite_sequence SET seq = 15 WHERE name = 'audit_log'",
                    "UPDATE sqlite_sequence SET seq = (SELECT count(*) FROM audit_checkpoint) "
                    "WHERE name = 'audit_checkpoint'")
        result = self.verify(path, "--checkpoints", self.export_file)
        self.assert_fails_at(result, 16, "truncated")
        self.assertIn("seq 16..20 were deleted", result.stdout)
        # The database alone cannot tell (the verification above appended its own entries as
        # seq 16 and 17, chained after 15): that is what the copy outside is for.
        alone = self.verify(path)
        self.assertEqual(alone.returncode, 0, "undetectable from the database alone: " + alone.stdout)

    def test_a_tail_rechained_without_the_key_is_named(self):
        # Entry 13 is edited and every hash from it on recomputed, correctly, with the documented
        # encoding: only the signed checkpoint after it can tell, and it names entry 13.
        path = self.copy()
        rows = self.rows(path)
        prev = bytes(rows[11]["entry_hash"])
        statements = []
        for r in rows[12:]:
            if r["seq"] == 13:
                r["detail"] = r["detail"].replace("hospital-a", "hospital-b") if "hospital-a" in r["detail"] \
                    else r["detail"][:-1] + ',"x":1}'
            h = entry_hash(prev, r)
            statements.append(("UPDATE audit_log SET detail = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?",
                               (r["detail"], prev, h, r["seq"])))
            prev = h
        self.tamper(path, *statements)
        result = self.verify(path)
        self.assert_fails_at(result, 13, "re-chained without the key")

    def test_a_checkpoint_signed_by_another_key_is_refused(self):
        path = self.copy()
        other = os.path.join(self.gw.dir, "other.pub")
        subprocess.run(["openssl", "genpkey", "-algorithm", "SM2", "-out", other + ".key"], check=True,
                       capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", other + ".key", "-pubout", "-out", other], check=True)
        result = subprocess.run([BIN, "audit", "verify", "--path", path, "--key", other, "--quiet"],
                                capture_output=True, text=True, timeout=120)
        self.assert_fails_at(result, EVERY, "unknown key")

    def test_export_as_fhir_and_syslog_is_recorded(self):
        path = self.copy()
        before = len(self.rows(path))
        fhir = subprocess.run([BIN, "audit", "export", "--path", path, "--format", "fhir"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(fhir.returncode, 0, fhir.stderr)
        events = [json.loads(line) for line in fhir.stdout.splitlines()]
        # The export records itself first, so it is in what it exports.
        self.assertEqual(len(events), before + 1)
        self.assertTrue(all(e["resourceType"] == "AuditEvent" for e in events))
        self.assertEqual(events[0]["type"]["code"], "110107")
        self.assertEqual(events[-1]["type"]["code"], "110101")
        syslog = subprocess.run([BIN, "audit", "export", "--path", path, "--format", "syslog", "--since", "5"],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(syslog.returncode, 0, syslog.stderr)
        lines = syslog.stdout.splitlines()
        self.assertEqual(len(lines), before + 2 - 4)
        self.assertTrue(all(re.match(r"<110>1 \d{4}-\d\d-\d\dT\S+Z \S+ kangqiao - 110\d{3} \[", line) for line in lines),
                        lines[:2])
        self.assertEqual(len(self.rows(path, "event_type = '110101'")), 2)
        self.assertEqual(self.verify(path).returncode, 0)


class AuditChainAfterKill9(unittest.TestCase):
    def test_the_chain_continues_after_kill_9_during_ingest(self):
        gw = Gateway()
        self.addCleanup(gw.cleanup)
        gw.write_config(text=his_mllp_config() + """
audit:
  checkpoints:
    signing_key: {certs}/audit-signing.key
    every_entries: 7
""")
        gw.start()
        stop = threading.Event()

        def send():
            i = 0
            while not stop.is_set():
                try:
                    mllp_exchange(gw.extra_port, his_adt(f"KILL-{i:05d}"), timeout=5)
                except OSError:
                    return
                i += 1

        senders = [threading.Thread(target=send) for _ in range(4)]
        for t in senders:
            t.start()
        time.sleep(1.5)
        gw.stop(signal.SIGKILL)
        stop.set()
        for t in senders:
            t.join()
        gw.start()
        for i in range(10):
            self.assertIn(msa(mllp_exchange(gw.extra_port, his_adt(f"AFTER-{i:03d}")))[1], ("AA", "CA"))
        gw.stop()
        result = subprocess.run([BIN, "audit", "verify", "--config", gw.config_path,
                                 "--key", os.path.join(gw.certs, "audit-signing.pub"), "--quiet"],
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("ok: audit log intact", result.stdout)
        entries = int(re.search(r"intact: (\d+) entries", result.stdout).group(1))
        self.assertGreater(entries, 20)


if __name__ == "__main__":
    unittest.main()
