"""The card_reader adapter with the real binary and real curl over mutual TLS: POS exam batches
(an envelope around fixed 50-byte records, docs/adapters/card_reader.md) accepted record by
record, with a JSON receipt after commit; truncated and damaged batches refused whole and kept;
per-terminal sequence gaps; an identical re-upload answered as a duplicate with the original
figures; card numbers resolved to persons through the identity index."""
import datetime
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import zlib

from harness import BIN, Gateway, GatewayCase, SOURCE_DIR, read, wait_until

ORG = "12110000MB0000001X"   # hospital-a's organisation: the exam clinic
CARD_SYSTEM = "urn:kangqiao:sid:school-card:bj-xicheng"

CONFIG = """
data_dir: {data}
log: {{ level: info }}
listeners:
  - name: admin
    port: {admin_port}
  - name: ingest
    port: {ingest_port}
    serve_health: false
    limits: {{ max_body_bytes: 4MiB, read_timeout: 10s, idle_timeout: 10s }}
    tls:
      certificate: {certs}/server.crt
      private_key: {certs}/server.key
      client_ca: {certs}/ca.crt
      require_client_certificate: true
store:
  path: kangqiao.db
  group_commit: {{ max_batch: 100, max_delay: 1ms }}
plugins:
  directory: {plugins}
mappings:
  directory: """ + os.path.join(SOURCE_DIR, "mappings") + """
adapters:
  - name: card-reader
    plugin: card_reader
    listener: ingest
    roles: [pos.upload]
    mappings: [card_reader/]
principals:
  - name: exam-clinic
    organisation: \"""" + ORG + """\"
    roles: [pos.upload]
    subject: "CN=hospital-a,O=Demo District Hospital,C=CN"
  - name: platform-without-the-role
    organisation: "11110000MB0000002X"
    roles: [records.pull]
    subject: "CN=province-platform,O=Demo Provincial Platform,C=CN"
"""


def record(card, student_no, date="20240910", height="1452", weight="0385", left="50", right="49", glasses="0"):
    r = f"{card:010d}{student_no}{date}{height}{weight}{left}{right}{glasses}".encode()
    assert len(r) == 50, r
    return r


def student_number(n):
    """A national student number (G + an 18-character resident ID) for child n: Xicheng district
    (110105), born in 2012 on day n // 1000, sequence n % 1000, with its ISO 7064 MOD 11-2 check
    character (GB 11643), as the mapping checks it."""
    born = datetime.date(2012, 1, 1) + datetime.timedelta(days=n // 1000)
    body = f"110105{born:%Y%m%d}{n % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return "G" + body + check


def student(n):
    """A valid record for child n (card number 100000 + n)."""
    return record(100000 + n, student_number(n))


def batch(records, terminal="T-0001", sequence=1, operator="OP-07", count=None, crc=None):
    body = b"".join(r + b"\r\n" for r in records)
    header = b"POS1|%s|%s|%d|%d|%08x\r\n" % (terminal.encode(), operator.encode(), sequence,
                                             len(records) if count is None else count,
                                             zlib.crc32(body) if crc is None else crc)
    return header + body


def upload(gw, body, client="hospital-a"):
    """POSTs a batch with curl; returns (HTTP status, receipt)."""
    work = tempfile.mkdtemp(prefix="kq-curl-")
    with open(f"{work}/batch.pos", "wb") as f:
        f.write(body)
    r = subprocess.run(["curl", "-sS", "--cacert", f"{gw.certs}/ca.crt",
                        "--cert", f"{gw.certs}/{client}.crt", "--key", f"{gw.certs}/{client}.key",
                        "-H", "Content-Type: application/octet-stream", "--data-binary", f"@{work}/batch.pos",
                        "-o", f"{work}/reply", "-w", "%{http_code}",
                        f"https://localhost:{gw.ingest_port}/v1/card-reader/batches"],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        raise AssertionError("curl failed: " + r.stderr)
    text = read(f"{work}/reply").decode()
    shutil.rmtree(work, ignore_errors=True)
    try:
        return int(r.stdout), json.loads(text)
    except ValueError:
        return int(r.stdout), text


class CardReaderBatches(GatewayCase):
    CONFIG = CONFIG

    def upload(self, body, client="hospital-a"):
        return upload(self.gw, body, client)

    def message(self, message_id):
        rows = self.gw.sql(f"SELECT status, error, length(payload) AS size FROM raw_message WHERE id = '{message_id}'")
        self.assertEqual(len(rows), 1)
        return rows[0]

    def kinds_of(self, message_id):
        rows = self.gw.sql(f"SELECT kind, count(*) AS n FROM record WHERE message_id = '{message_id}' GROUP BY kind")
        return {r["kind"]: r["n"] for r in rows}

    def person_of_card(self, card):
        rows = self.gw.sql(f"SELECT person_id FROM person_identifier WHERE system = '{CARD_SYSTEM}' "
                           f"AND value = '{card:010d}'")
        return rows[0]["person_id"] if rows else None

    def test_a_good_batch_is_stored_with_a_receipt(self):
        status, receipt = self.upload(batch([student(1), student(2), student(3)], terminal="T-GOOD"))
        self.assertEqual(status, 200, receipt)
        self.assertEqual(receipt["outcome"], "accepted")
        self.assertEqual((receipt["records"], receipt["accepted"], receipt["rejected"]), (3, 3, []))
        self.assertEqual((receipt["terminal"], receipt["operator"], receipt["sequence"]), ("T-GOOD", "OP-07", 1))
        self.assertTrue(receipt["sequence_check"]["first"])
        self.assertEqual(receipt["sequence_check"]["missing"], [])
        self.assertFalse(receipt["duplicate_batch"])
        kinds = self.kinds_of(receipt["message_id"])
        self.assertEqual((kinds["person"], kinds["observation"], kinds["vision_screening"]), (3, 6, 3))
        self.assertEqual(self.message(receipt["message_id"])["status"], "accepted")
        # Three students, three persons (each record is mapped on its own, and each one's person
        # stays its own); the card number names the person, and a later batch finds them again.
        self.assertEqual(len({self.person_of_card(100000 + n) for n in (1, 2, 3)}), 3)
        first = self.person_of_card(100001)
        self.assertIsNotNone(first)
        status, again = self.upload(batch([record(100001, student_number(1), date="20241010", height="1460")],
                                          terminal="T-GOOD", sequence=2))
        self.assertEqual(status, 200, again)
        rows = self.gw.sql(f"SELECT DISTINCT person_id FROM record WHERE message_id = '{again['message_id']}' "
                           f"AND kind = 'observation'")
        self.assertEqual([r["person_id"] for r in rows], [first])

    def test_corrupted_records_are_rejected_alone_and_kept(self):
        bad_weight = record(200002, student_number(202), weight="04A4")
        bad_date = record(200003, student_number(203), date="20240231")
        heavy = record(200006, student_number(206), weight="0950")  # BMI 45: stored, with a warning
        status, receipt = self.upload(batch([student(201), bad_weight, bad_date, student(204), student(201), heavy],
                                            terminal="T-BAD"))
        self.assertEqual(status, 200, receipt)
        self.assertEqual(receipt["outcome"], "accepted")
        self.assertEqual(receipt["records"], 6)
        self.assertEqual(receipt["accepted"], 3)
        self.assertEqual([w["record"] for w in receipt["warnings"]], [6])
        self.assertIn("BMI of 45.1", receipt["warnings"][0]["warning"])
        # The gateway derives vision values (docs/derived-values.md); with no refraction on a POS
        # record, the myopia flag of an eye below 5.0 stays undecided: summed up per field.
        undecided = {u["field"]: u for u in receipt["not_derived"]}
        self.assertEqual(undecided["vision_screening.right_eye.se"]["count"], 3)
        self.assertEqual(undecided["vision_screening.right_eye.se"]["records"], [1, 4, 6])
        self.assertIn("myopia undecided", undecided["vision_screening.right_eye.se"]["reason"])
        rejected = {r["record"] for r in receipt["rejected"]}
        self.assertEqual(rejected, {2, 3})
        weight = [r for r in receipt["rejected"] if r["record"] == 2][0]
        self.assertIn("weight_100g", weight["field"])
        self.assertIn("expected digits", weight["reason"])
        self.assertEqual(receipt["duplicates"], [{"record": 5, "same_as": 1}])
        # Stored: the two good students, nothing of the bad ones; the whole upload once, with the
        # rejected records' errors as its dead letter.
        self.assertEqual(self.kinds_of(receipt["message_id"])["person"], 3)
        self.assertIsNone(self.person_of_card(200002))
        self.assertEqual(self.message(receipt["message_id"])["status"], "accepted")
        dead = self.gw.sql(f"SELECT errors FROM dead_letter WHERE message_id = '{receipt['message_id']}'")
        self.assertEqual(len(dead), 1)
        self.assertEqual({e["document"] for e in json.loads(dead[0]["errors"])}, {2, 3})

    def test_a_truncated_batch_is_refused_whole_and_kept(self):
        full = batch([student(301), student(302), student(303)], terminal="T-CUT")
        status, receipt = self.upload(full[:-40])  # the connection was cut inside record 3
        self.assertEqual(status, 422, receipt)
        self.assertEqual(receipt["outcome"], "rejected")
        self.assertEqual(receipt["refused"]["field"], "records")
        self.assertIn("truncated", receipt["refused"]["reason"])
        kept = self.message(receipt["message_id"])
        self.assertEqual((kept["status"], kept["size"]), ("rejected", len(full) - 40))
        self.assertEqual(self.kinds_of(receipt["message_id"]), {})
        # Records missing at a record boundary: the count says so.
        status, receipt = self.upload(batch([student(301), student(302)], terminal="T-CUT", count=3))
        self.assertEqual((status, receipt["refused"]["field"]), (422, "header.records"))
        self.assertIn("declares 3 record(s) but the batch holds 2", receipt["refused"]["reason"])
        # A damaged byte: the CRC says so.
        good = batch([student(301)], terminal="T-CUT")
        damaged = good[:-10] + b"7" + good[-9:]
        status, receipt = self.upload(damaged)
        self.assertEqual((status, receipt["refused"]["field"]), (422, "header.crc32"))
        # None of them took the terminal's number: the complete batch is its first.
        status, receipt = self.upload(full)
        self.assertEqual((status, receipt["accepted"]), (200, 3))
        self.assertTrue(receipt["sequence_check"]["first"])

    def test_sequence_gaps_and_late_batches_are_reported(self):
        def send(sequence, n):
            status, receipt = self.upload(batch([student(n)], terminal="T-SEQ", sequence=sequence))
            self.assertEqual(status, 200, receipt)
            return receipt["sequence_check"]
        self.assertTrue(send(1, 401)["first"])
        self.assertEqual(send(2, 402)["missing"], [])
        check = send(5, 405)
        self.assertEqual((check["previous"], check["missing"]), (2, [3, 4]))
        check = send(3, 403)
        self.assertTrue(check["late"])
        self.assertEqual(check["missing"], [])
        # Another terminal of the same clinic has its own numbers.
        status, receipt = self.upload(batch([student(406)], terminal="T-SEQ-2", sequence=7))
        self.assertTrue(receipt["sequence_check"]["first"])
        # Number 4 is still missing, and the store says so.
        rows = self.gw.sql("SELECT number, gap_first, gap_last FROM sequence_number "
                           "WHERE stream = 'T-SEQ' ORDER BY id")
        self.assertEqual([r["number"] for r in rows], [1, 2, 5, 3])
        self.assertEqual((rows[2]["gap_first"], rows[2]["gap_last"]), (3, 4))

    def test_an_identical_reupload_is_a_duplicate_with_the_original_figures(self):
        body = batch([student(501), record(500502, student_number(502), height="12A4"), student(503)],
                     terminal="T-DUP", sequence=4)
        status, first = self.upload(body)
        self.assertEqual((status, first["accepted"]), (200, 2))
        status, again = self.upload(body)
        self.assertEqual(status, 200, again)
        self.assertEqual(again["outcome"], "duplicate")
        self.assertTrue(again["duplicate_batch"])
        self.assertEqual(again["message_id"], first["message_id"])
        for field in ("records", "accepted", "rejected", "sequence_check", "duplicates"):
            self.assertEqual(again[field], first[field], field)
        self.assertEqual(len(self.gw.sql("SELECT id FROM raw_message WHERE sha256 = "
                                         f"(SELECT sha256 FROM raw_message WHERE id = '{first['message_id']}')")), 1)

    def test_only_principals_with_the_role_may_upload(self):
        status, _ = self.upload(batch([student(601)], terminal="T-ROLE"), client="province-platform")
        self.assertEqual(status, 403)
        self.assertIsNone(self.person_of_card(100601))


DROP_CONFIG = CONFIG.replace("""    mappings: [card_reader/]
principals:""", """    mappings: [card_reader/]
    config:
      drop_directory: {data}/drops
      drop_principal: exam-clinic
      drop_settle: 300ms
principals:""")


class CardReaderDropFolder(GatewayCase):
    CONFIG = DROP_CONFIG

    @property
    def drops(self):
        return os.path.join(self.gw.dir, "data", "drops")

    def drop(self, name, body):
        """Writes a batch the careful way: under a .part name, then renamed."""
        part = os.path.join(self.drops, "incoming", name + ".part")
        with open(part, "wb") as f:
            f.write(body)
        os.rename(part, os.path.join(self.drops, "incoming", name))

    def receipt(self, folder, name, timeout=20):
        path = os.path.join(self.drops, folder, name + ".receipt")
        self.assertTrue(wait_until(lambda: os.path.exists(path) and os.path.exists(os.path.join(self.drops, folder, name)),
                                   timeout), f"no {folder}/{name} with its receipt:\n" + self.gw.logs()[-3000:])
        with open(path) as f:
            return json.load(f)

    def test_dropped_batches_go_to_done_or_failed_with_their_receipts(self):
        self.drop("good.pos", batch([student(701), student(702)], terminal="T-DROP"))
        receipt = self.receipt("done", "good.pos")
        self.assertEqual((receipt["outcome"], receipt["accepted"]), ("accepted", 2))
        self.assertFalse(os.path.exists(os.path.join(self.drops, "incoming", "good.pos")))
        rows = self.gw.sql(f"SELECT transport, channel, org_id, file_name FROM raw_message "
                           f"WHERE id = '{receipt['message_id']}'")
        self.assertEqual(rows, [{"transport": "file", "channel": "batches", "org_id": ORG, "file_name": "good.pos"}])
        self.assertEqual(self.gw.sql(f"SELECT count(*) AS n FROM record WHERE message_id = '{receipt['message_id']}' "
                                     f"AND kind = 'person'"), [{"n": 2}])
        cut = batch([student(703), student(704)], terminal="T-DROP", sequence=2)[:-30]
        self.drop("cut.pos", cut)
        receipt = self.receipt("failed", "cut.pos")
        self.assertEqual(receipt["outcome"], "rejected")
        self.assertIn("truncated", receipt["refused"]["reason"])
        self.assertEqual(self.gw.sql(f"SELECT status, file_name FROM raw_message WHERE id = '{receipt['message_id']}'"),
                         [{"status": "rejected", "file_name": "cut.pos"}])
        with open(os.path.join(self.drops, "failed", "cut.pos"), "rb") as f:
            self.assertEqual(f.read(), cut)

    def test_a_dead_letter_names_the_file_it_came_from_and_reprocess_keeps_it(self):
        bad_weight = record(200732, student_number(732), weight="04A4")
        self.drop("体检-T-NAMED-1.pos", batch([student(731), bad_weight], terminal="T-NAMED"))
        receipt = self.receipt("done", "体检-T-NAMED-1.pos")
        self.assertEqual((receipt["accepted"], [r["record"] for r in receipt["rejected"]]), (1, [2]))
        message_id = receipt["message_id"]
        self.assertEqual(self.gw.sql(f"SELECT d.resolved_at_ms IS NULL AS open, m.file_name FROM dead_letter d "
                                     f"JOIN raw_message m ON m.id = d.message_id WHERE m.id = '{message_id}'"),
                         [{"open": 1, "file_name": "体检-T-NAMED-1.pos"}])
        # The listing names the file; a real run (still failing: the record is bad) keeps it.
        for extra in (["--dry-run"], []):
            r = subprocess.run([BIN, "reprocess", "--config", self.gw.config_path, "--message-id", message_id] + extra,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(f"{message_id} (file 体检-T-NAMED-1.pos) still failing: ", r.stdout)
        self.assertEqual(self.gw.sql(f"SELECT file_name FROM raw_message WHERE id = '{message_id}'"),
                         [{"file_name": "体检-T-NAMED-1.pos"}])
        self.assertEqual(self.gw.sql(f"SELECT attempts FROM dead_letter WHERE message_id = '{message_id}'"),
                         [{"attempts": 1}])

    def test_a_file_still_being_written_is_not_taken(self):
        path = os.path.join(self.drops, "incoming", "slow.pos")
        body = batch([student(711), student(712), student(713)], terminal="T-SLOW")
        with open(path, "wb") as f:
            for i in range(0, len(body), 40):  # a slow writer: never still for the settle time
                f.write(body[i:i + 40])
                f.flush()
                time.sleep(0.1)
                self.assertTrue(os.path.exists(path), "taken while it was being written")
        receipt = self.receipt("done", "slow.pos")
        self.assertEqual(receipt["accepted"], 3)

    def test_a_file_left_in_work_is_taken_again_after_a_restart(self):
        # A batch whose commit happened, and a batch never processed, both left in work/ by a
        # gateway killed with -9 (as if it died between the commit and moving the files).
        committed = batch([student(721)], terminal="T-RESTART", sequence=1)
        self.drop("first.pos", committed)
        first = self.receipt("done", "first.pos")
        self.gw.stop(signal.SIGKILL)
        os.rename(os.path.join(self.drops, "done", "first.pos"), os.path.join(self.drops, "work", "first.pos"))
        os.remove(os.path.join(self.drops, "done", "first.pos.receipt"))
        pending = batch([student(722)], terminal="T-RESTART", sequence=2)
        with open(os.path.join(self.drops, "work", "second.pos"), "wb") as f:
            f.write(pending)
        self.gw.start()
        again = self.receipt("done", "first.pos")
        self.assertEqual(again["outcome"], "duplicate")
        self.assertEqual((again["message_id"], again["accepted"]), (first["message_id"], first["accepted"]))
        second = self.receipt("done", "second.pos")
        self.assertEqual((second["outcome"], second["accepted"]), ("accepted", 1))
        self.assertEqual(os.listdir(os.path.join(self.drops, "work")), [])
        # Each batch once in the store.
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM raw_message WHERE channel = 'batches' AND "
                                     f"sha256 IN (SELECT sha256 FROM raw_message WHERE id IN "
                                     f"('{first['message_id']}', '{second['message_id']}'))"), [{"n": 2}])


class CardReaderReprocess(unittest.TestCase):
    """The rejected records of a batch are kept with it: after the mapping is fixed, reprocess
    runs those records only, and the records accepted on arrival are not written again."""

    STRICT = "{range: [50, 250]}]}"
    TOO_STRICT = "{range: [50, 146]}]}"  # a mistake: 146.0 cm is as high as it lets a child be

    def setUp(self):
        self.gw = Gateway()
        self.addCleanup(self.gw.cleanup)
        self.mappings = os.path.join(self.gw.dir, "mappings")
        shutil.copytree(os.path.join(SOURCE_DIR, "mappings"), self.mappings)
        self.pos = os.path.join(self.mappings, "card_reader/pos_record.yaml")
        self.edit(self.STRICT, self.TOO_STRICT)
        self.gw.write_config(text=CONFIG.replace(os.path.join(SOURCE_DIR, "mappings"), self.mappings))
        self.gw.start()

    def edit(self, old, new):
        with open(self.pos, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(old, text)
        with open(self.pos, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))

    def test_reprocess_runs_only_the_rejected_records(self):
        tall = record(800002, student_number(802), height="1520")
        status, receipt = upload(self.gw, batch([student(801), tall, student(803)], terminal="T-RE"))
        self.assertEqual((status, receipt["accepted"]), (200, 2), receipt)
        self.assertEqual([r["record"] for r in receipt["rejected"]], [2])
        message_id = receipt["message_id"]
        before = self.gw.sql(f"SELECT id, kind, version FROM record WHERE message_id = '{message_id}' ORDER BY seq")
        self.gw.stop()
        self.edit(self.TOO_STRICT, self.STRICT)
        # The open dead letter is there to be seen (the documented way: a dry run writes nothing).
        r = subprocess.run([BIN, "reprocess", "--config", self.gw.config_path, "--dead-letters", "--dry-run"],
                           capture_output=True, text=True, timeout=60)
        self.assertIn(message_id, r.stdout + r.stderr)
        r = subprocess.run([BIN, "reprocess", "--config", self.gw.config_path, "--dead-letters"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The tall student is stored now, with the batch as lineage; nothing of the others was
        # written again (same rows, version 1), and the dead letter is resolved.
        self.assertEqual(len(self.gw.sql("SELECT person_id FROM person_identifier WHERE value = '0000800002'")), 1)
        after = self.gw.sql(f"SELECT id, kind, version FROM record WHERE message_id = '{message_id}' ORDER BY seq")
        self.assertEqual(after[:len(before)], before)
        self.assertGreater(len(after), len(before))
        self.assertTrue(all(r["version"] == 1 for r in after), after)
        heights = self.gw.sql(f"SELECT json_extract(body, '$.value.value') AS cm FROM record WHERE message_id = "
                              f"'{message_id}' AND kind = 'observation' AND json_extract(body, '$.code.code') = '8302-2'")
        self.assertIn(152.0, [h["cm"] for h in heights])
        dead = self.gw.sql(f"SELECT resolved_at_ms FROM dead_letter WHERE message_id = '{message_id}'")
        self.assertNotEqual(dead[0]["resolved_at_ms"], None)


if __name__ == "__main__":
    unittest.main()
