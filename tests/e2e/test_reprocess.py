"""`kangqiao reprocess` against a running gateway: an ADT^A01 that a (deliberately broken) mapping
cannot map gets AE and a dead letter; after the mapping is fixed, reprocess runs the stored raw
message again, the records appear with the ORIGINAL message id as lineage, the dead letter is
resolved with the mapping version, and a second run writes new versions, not new records."""
import datetime
import os
import re
import shutil
import signal
import subprocess
import unittest

from harness import BIN, Gateway, SOURCE_DIR, his_mllp_config, mllp_exchange


GOOD_REQUIRED = "required: [encounter_class, source_visit_no]"
# An admission has no discharge time (PV1-45), so requiring it makes every A01 a dead letter.
BROKEN_REQUIRED = "required: [encounter_class, source_visit_no, period.end]"


def admission(control, mrn, visit):
    return ("\r".join([
        f"MSH|^~\\&|HIS|H001|KQ|KQ|20240901080000||ADT^A01^ADT_A01|{control}|P|2.4",
        "EVN|A01|20240901080000",
        f"PID|1||{mrn}^^^H001^MR||ZHAO XIAOHUA^赵小华||20170612|F|||||||||||110108201706120032",
        f"PV1|1|I|儿科^1^1||||||||||||||||{visit}",
    ]) + "\r").encode("utf-8")


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class Reprocess(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway()
        self.addCleanup(self.gw.cleanup)
        self.mappings = os.path.join(self.gw.dir, "mappings")
        shutil.copytree(os.path.join(SOURCE_DIR, "mappings"), self.mappings)
        self.adt = os.path.join(self.mappings, "his/adt_a01.yaml")
        self.edit_mapping(GOOD_REQUIRED, BROKEN_REQUIRED)
        self.gw.write_config(text=his_mllp_config(mappings=self.mappings))
        self.gw.start()

    def edit_mapping(self, old, new, version=None):
        with open(self.adt, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(old, text)
        text = text.replace(old, new)
        if version:
            text = re.sub(r"(?m)^version: .*$", "version: " + version, text)
        with open(self.adt, "w", encoding="utf-8") as f:
            f.write(text)

    def fix_mapping(self):
        self.edit_mapping(BROKEN_REQUIRED, GOOD_REQUIRED, version="9.9.9")

    def send(self, payload):
        ack = mllp_exchange(self.gw.extra_port, payload)
        code = next(seg.split("|")[1] for seg in ack.split("\r") if seg.startswith("MSA|"))
        control = payload.split(b"|")[9].decode()
        message_id = self.gw.sql(f"SELECT id FROM raw_message WHERE CAST(payload AS TEXT) LIKE '%|{control}|%'")[0]["id"]
        return code, message_id

    def reprocess(self, *args):
        return subprocess.run([BIN, "reprocess", "--config", self.gw.config_path, *args],
                              capture_output=True, text=True, timeout=60)

    def dead_letter(self, message_id):
        return self.gw.sql("SELECT resolved_at_ms, resolved_by, attempts, last_errors, mapping "
                           f"FROM dead_letter WHERE message_id = '{message_id}'")

    def lineage(self, message_id):
        return self.gw.sql(f"SELECT id, kind, version FROM record WHERE message_id = '{message_id}' ORDER BY seq")

    def test_dead_letters_of_a_mapping_are_resolved_after_the_fix(self):
        code, first = self.send(admission("RP-1", "200001", "V-RP-1"))
        self.assertEqual(code, "AE")
        code, second = self.send(admission("RP-2", "200002", "V-RP-2"))
        self.assertEqual(code, "AE")
        self.assertRegex(self.dead_letter(first)[0]["mapping"], r"^his-adt@")

        # Still broken: the attempt is recorded, the letters stay open, exit code 1.
        r = self.reprocess("--dead-letters", "--mapping", "his-adt")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("still failing", r.stdout)
        self.assertIn("first error: " + first, r.stdout)
        self.assertIn("period.end", r.stdout)
        letter = self.dead_letter(first)[0]
        self.assertIsNone(letter["resolved_at_ms"])
        self.assertEqual(letter["attempts"], 1)
        self.assertIn("period.end", letter["last_errors"])

        self.fix_mapping()
        # A dry run says what would happen and writes nothing.
        records_before = self.gw.sql("SELECT count(*) AS n FROM record")[0]["n"]
        r = self.reprocess("--dead-letters", "--mapping", "his-adt", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Dry run, nothing written: 2 messages: 2 would be accepted (6 records)", r.stdout)
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM record")[0]["n"], records_before)
        self.assertIsNone(self.dead_letter(first)[0]["resolved_at_ms"])

        # The real run, while the gateway keeps running on the same database.
        r = self.reprocess("--dead-letters", "--mapping", "his-adt")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Reprocessed 2 messages: 2 now accepted (6 records), 0 still failing", r.stdout)
        for message_id in (first, second):
            records = self.lineage(message_id)
            self.assertEqual(sorted(r["kind"] for r in records), ["encounter", "person", "provenance"])
            letter = self.dead_letter(message_id)[0]
            self.assertIsNotNone(letter["resolved_at_ms"])
            self.assertEqual(letter["resolved_by"], "his-adt@9.9.9")
            self.assertEqual(letter["attempts"], 2)
            self.assertEqual(self.gw.sql(f"SELECT status FROM raw_message WHERE id = '{message_id}'"),
                             [{"status": "accepted"}])
            audit = self.gw.sql(f"SELECT actor, detail FROM audit_log WHERE message_id = '{message_id}' "
                                "AND action = 'U' ORDER BY seq")
            self.assertEqual(len(audit), 2)
            self.assertIn("kangqiao reprocess", audit[-1]["actor"])
        # Nothing left for the mapping; the gateway still answers.
        r = self.reprocess("--dead-letters", "--mapping", "his-adt")
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "Nothing to reprocess: no message matches."))
        self.assertEqual(self.gw.get("/healthz")[0], 200)
        # Once the gateway has the fixed mapping too (SIGHUP), the sender's resend is a duplicate
        # of the reprocessed message, not new data.
        self.gw.proc.send_signal(signal.SIGHUP)
        self.gw.wait_for_event("reload_done")
        code, _ = self.send(admission("RP-1", "200001", "V-RP-1"))
        self.assertEqual(code, "AA")
        self.assertEqual(len(self.lineage(first)), 3)  # person, encounter, provenance

    def test_by_message_id_twice_writes_versions_not_duplicates(self):
        _, message_id = self.send(admission("RP-ID", "200010", "V-RP-ID"))
        self.fix_mapping()
        r = self.reprocess("--message-id", message_id)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(message_id + " accepted: 3 record(s) by his-adt@9.9.9", r.stdout)
        first = self.lineage(message_id)
        r = self.reprocess("--message-id", message_id)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        second = self.lineage(message_id)
        self.assertEqual(len(second), 6)
        self.assertEqual({x["id"] for x in second}, {x["id"] for x in first})
        self.assertEqual(sorted(x["version"] for x in second), [1, 1, 1, 2, 2, 2])
        self.assertEqual(self.gw.sql("SELECT count(DISTINCT id) AS n FROM record WHERE kind = 'encounter'")[0]["n"], 1)
        # An id that is not stored: reported, exit 1, nothing written.
        r = self.reprocess("--message-id", "00000000-0000-4000-8000-000000000000", "--message-id", message_id)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("not possible: no stored message with this id", r.stdout)

    def test_by_source_and_time_range(self):
        before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
        _, message_id = self.send(admission("RP-T", "200020", "V-RP-T"))
        after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=1)
        self.fix_mapping()
        # A window that ends before the message was received selects nothing.
        r = self.reprocess("--source", "hospital-a", "--since", "2020-01-01", "--until", iso(before))
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "Nothing to reprocess: no message matches."))
        r = self.reprocess("--source", "other-adapter", "--since", iso(before))
        self.assertEqual(r.stdout.strip(), "Nothing to reprocess: no message matches.")
        self.assertIsNone(self.dead_letter(message_id)[0]["resolved_at_ms"])

        r = self.reprocess("--source", "hospital-a", "--since", iso(before), "--until", iso(after))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Reprocessed 1 message: 1 now accepted", r.stdout)
        self.assertEqual(len(self.lineage(message_id)), 3)
        self.assertIsNotNone(self.dead_letter(message_id)[0]["resolved_at_ms"])

    def test_usage_errors_exit_2_and_help_explains(self):
        r = self.reprocess("--help")
        self.assertEqual(r.returncode, 0)
        for option in ("--message-id", "--source", "--since", "--until", "--dead-letters", "--mapping", "--dry-run"):
            self.assertIn(option, r.stdout)
        self.assertIn("safe while the gateway runs", r.stdout)
        for args, reason in ((["--dry-run"], "say which messages"),
                             (["--mapping", "his-adt"], "use it with --dead-letters"),
                             (["--source", "hospital-a"], "--source needs --since"),
                             (["--source", "hospital-a", "--since", "yesterday"], "--since:"),
                             (["--dead-letters", "--message-id", "x"], "choose one selection"),
                             (["--message-id"], "--message-id needs a value"),
                             (["--bogus"], "unknown option '--bogus'")):
            r = self.reprocess(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(reason, r.stderr, args)
        r = subprocess.run([BIN, "reprocess", "--config", os.path.join(self.gw.dir, "missing.yaml"), "--dead-letters"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2, r.stderr)
        top = subprocess.run([BIN, "--help"], capture_output=True, text=True, timeout=30)
        self.assertIn("reprocess", top.stdout)


if __name__ == "__main__":
    unittest.main()
