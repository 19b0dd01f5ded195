"""The his adapter over MLLP with real clients: ACK codes and ERR segments after commit, dedupe
by MSH-3|MSH-4|MSH-10, GB 18030 senders, hostile control ids, never a positive ACK for junk."""
import json
import os
import subprocess
import unittest

from harness import Gateway, GatewayCase, SOURCE_DIR, his_mllp_config, mllp_exchange, mllp_send, msa

CONFIG = his_mllp_config(limits="max_body_bytes: 1MiB, read_timeout: 5s, idle_timeout: 30s")

FIXTURES = os.path.join(SOURCE_DIR, "tests/fixtures/hl7v2")


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read().replace(b"\r\n", b"\r").replace(b"\n", b"\r")


class HisOverMllp(GatewayCase):
    CONFIG = CONFIG

    def send(self, payload):
        return mllp_exchange(self.gw.extra_port, payload)

    def test_adt_a01_is_accepted_after_commit_and_stored(self):
        ack = self.send(fixture("adt_a01.hl7"))
        fields = msa(ack)
        self.assertIn(fields[1], ("AA", "CA"), ack)  # the fixture asks for enhanced mode (MSH-15 AL)
        control = fields[2]
        rows = self.gw.sql("SELECT status, source FROM raw_message WHERE CAST(payload AS TEXT) LIKE "
                           f"'%|{control}|%'")
        self.assertEqual(rows, [{"status": "accepted", "source": "hospital-a"}])
        kinds = {r["kind"] for r in self.gw.sql("SELECT kind FROM record")}
        self.assertIn("person", kinds)

    def test_every_mapped_message_has_a_provenance_record(self):
        ack = self.send(fixture("adt_a01.hl7").replace(b"HIS20240912000001", b"PROV-1"))
        self.assertIn(msa(ack)[1], ("AA", "CA"), ack)
        rows = self.gw.sql("SELECT r.id, r.kind, r.person_id, r.body FROM record r JOIN raw_message m"
                           " ON r.message_id = m.id WHERE CAST(m.payload AS TEXT) LIKE '%|PROV-1|%'")
        provenance = [json.loads(r["body"]) for r in rows if r["kind"] == "provenance"]
        self.assertEqual(1, len(provenance), rows)
        p = provenance[0]
        self.assertEqual((p["mapping_name"], p["channel"], p["activity"]), ("his-adt", "hl7v2", "transform"))
        self.assertTrue(p["mapping_version"])
        self.assertEqual("hospital-a", p["source_system"])
        # It names the stored records (the person under its resolved id), and where each field came from.
        others = {r["id"]: r for r in rows if r["kind"] != "provenance"}
        self.assertEqual(set(p["target_ids"]), set(others))
        person = next(r for r in others.values() if r["kind"] == "person")
        self.assertEqual(p["person_id"], person["id"])
        sources = p["lineage"]  # target path → source place
        index = p["target_ids"].index(person["id"])
        self.assertEqual(sources[f"target_ids[{index}].name.text"], "PID-5.2")
        self.assertEqual(len(p["raw_payload_hash"]), 64)

    def test_resend_gets_the_same_aa_without_new_rows(self):
        payload = fixture("adt_a08.hl7")
        first = self.send(payload)
        before = self.gw.sql("SELECT count(*) AS n FROM raw_message")[0]["n"]
        again = self.send(payload)
        self.assertIn(msa(first)[1], ("AA", "CA"), first)
        self.assertEqual(msa(again)[1:3], msa(first)[1:3])
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM raw_message")[0]["n"], before)

    def test_reused_control_id_with_other_content_is_ar_and_audited(self):
        payload = fixture("adt_a04.hl7")
        self.assertIn(msa(self.send(payload))[1], ("AA", "CA"))
        altered = payload.rstrip(b"\r") + b"\rNTE|1||a different message under the same control id\r"
        ack = self.send(altered)
        self.assertIn(msa(ack)[1], ("AR", "CR"), ack)
        alerts = self.gw.sql("SELECT count(*) AS n FROM audit_log WHERE event_type = '110113'")[0]["n"]
        self.assertGreaterEqual(alerts, 1)

    def test_reused_control_id_with_invalid_content_is_still_a_conflict(self):
        payload = fixture("adt_a01.hl7").replace(b"HIS20240912000001", b"REUSE-BAD-1")
        self.assertIn(msa(self.send(payload))[1], ("AA", "CA"))
        invalid = payload.replace(b"|19491231|F|", b"|19491399|F|")  # impossible birth date
        ack = self.send(invalid)
        self.assertIn(msa(ack)[1], ("AR", "CR"), ack)
        rows = self.gw.sql("SELECT status FROM raw_message WHERE CAST(payload AS TEXT) LIKE '%REUSE-BAD-1%'"
                           " ORDER BY stored_at_ms")
        self.assertEqual([r["status"] for r in rows], ["accepted", "rejected"])

    def test_a_dead_letter_does_not_take_the_control_id_from_its_corrected_resend(self):
        good = fixture("adt_a01.hl7").replace(b"HIS20240912000001", b"FIXED-LATER-1")
        bad = good.replace(b"|19491231|F|", b"|19491399|F|")
        self.assertIn(msa(self.send(bad))[1], ("AE", "CE"))
        self.assertIn(msa(self.send(good))[1], ("AA", "CA"))
        rows = self.gw.sql("SELECT status FROM raw_message WHERE CAST(payload AS TEXT) LIKE '%FIXED-LATER-1%'"
                           " ORDER BY stored_at_ms")
        self.assertEqual([r["status"] for r in rows], ["dead_letter", "accepted"])

    def test_unknown_message_type_is_ar_with_err_200(self):
        msg = b"MSH|^~\\&|HIS|HOSP_A|KQ|KQ|20260101120000||SIU^S12|UNK-1|P|2.5\rPID|1||X\r"
        ack = self.send(msg)
        self.assertEqual(msa(ack)[1:3], ["AR", "UNK-1"], ack)
        self.assertIn("ERR||MSH^1^9|200^Unsupported message type^HL70357|E", ack)

    def test_unknown_event_of_a_known_type_is_ar_with_err_201(self):
        msg = b"MSH|^~\\&|HIS|HOSP_A|KQ|KQ|20260101120000||ADT^A99|UNK-2|P|2.5\rPID|1||X\r"
        ack = self.send(msg)
        self.assertEqual(msa(ack)[1:3], ["AR", "UNK-2"], ack)
        self.assertIn("ERR||MSH^1^9^1^2|201^Unsupported event code^HL70357|E||||MSH-9.2: trigger event A99", ack)

    def test_not_hl7_is_ar_and_kept(self):
        ack = self.send(b"GET / HTTP/1.1\r\n\r\n")
        self.assertEqual(msa(ack)[1], "AR", ack)
        self.assertEqual(self.gw.sql("SELECT status FROM raw_message WHERE CAST(payload AS TEXT) LIKE 'GET /%'"),
                         [{"status": "rejected"}])

    def test_hostile_control_id_cannot_forge_segments(self):
        msg = b"MSH|^~\\&|HIS|HOSP_A|KQ|KQ|20260101120000||ADT^A99|X\\R\\MSA|AA~1^2|P|2.5\r"
        ack = self.send(msg)
        segments = [s.split("|")[0] for s in ack.split("\r")]
        self.assertEqual(segments.count("MSA"), 1, ack)
        self.assertEqual(msa(ack)[1], "AR", ack)

    def control_id_reply(self, control_id):
        msg = (b"MSH|^~\\&|HIS|HOSP_A|KQ|KQ|20260101120000||ADT^A01|" + control_id +
               b"|P|2.5\rPID|1||110105201001010010^^^^ID||\xe5\xbc\xa0\xe4\xb8\x89\r")
        ack = self.send(msg)
        self.assertEqual(msa(ack)[1], "AR", ack)
        err = [seg for seg in ack.split("\r") if seg.startswith("ERR|")]
        self.assertEqual(len(err), 1, ack)
        self.assertTrue(err[0].startswith("ERR||MSH^1^10|"), ack)
        return ack, err[0]

    def test_control_ids_with_control_characters_are_refused_and_never_echoed_raw(self):
        for bad, code in ((b"NUL\x00X", "U+0000"), (b"ESC\x1b[31m", "U+001B")):
            ack, err = self.control_id_reply(bad)
            self.assertIn("102^Data type error^HL70357", err)
            self.assertIn("control character " + code, err)
            self.assertNotIn("\x00", ack)
            self.assertNotIn("\x1b", ack)

    def test_an_overlong_control_id_is_refused_with_err_104(self):
        ack, err = self.control_id_reply(b"L" * 5000)
        self.assertIn("104^Value too long^HL70357", err)
        self.assertIn("5000 characters long; at most 199", err)
        self.assertLess(len(ack), 2000)  # the 5,000 characters are not echoed back

    def test_a_repeating_control_id_cannot_collide_in_the_dedupe_key(self):
        # "REP1~AAA" and "REP1~BBB" would both read as "REP1" (the first repetition): refused, so
        # that neither takes or steals the other's key.
        for control in (b"REP1~AAA", b"REP1~BBB"):
            ack, err = self.control_id_reply(control)
            self.assertIn("must be one value", err)
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM dedupe_key WHERE key LIKE '%REP1%'"), [{"n": 0}])

    def test_an_ack_carries_at_most_50_err_segments_and_says_how_many_more(self):
        segments = [b"MSH|^~\\&|LIS|LIS^BJHD001|KQ|KQ|20240915142233+0800||ORU^R01^ORU_R01|MANY-ERRORS|P|2.4",
                    b"PID|1||00020877^^^BJHD001^MR~110108201105062033^^^^ID||WANG XIAOMING^\xe7\x8e\x8b\xe5\xb0\x8f\xe6\x98\x8e||20110506|M",
                    b"OBR|1|ORD1|LAB1|CBC^x^L|||20240915090000"]
        for i in range(1, 301):  # local test codes the code table does not know: an error each
            segments.append(b"OBX|%d|NM|ZZ%03d^unknown^L||6.8|10*9/L|||||F" % (i, i))
        ack = self.send(b"\r".join(segments) + b"\r")
        self.assertEqual(msa(ack)[1], "AE", ack)
        err = [seg for seg in ack.split("\r") if seg.startswith("ERR|")]
        self.assertEqual(len(err), 50, ack[:2000])
        self.assertIn("103^Table value not found^HL70357", err[0])
        # ERR-2 as an ERL: segment^sequence^field^repetition^component (OBX[1]-3.1)
        self.assertTrue(err[0].startswith("ERR||OBX^1^3^1^1|"), err[0])
        self.assertIn("251 more errors not shown", err[-1])
        stored = self.gw.sql("SELECT error FROM raw_message WHERE CAST(payload AS TEXT) LIKE '%MANY-ERRORS%'")
        self.assertEqual(len(json.loads(stored[0]["error"])), 300)  # the store keeps every one

    def test_invalid_utf8_is_rejected_never_aa(self):
        msg = b"MSH|^~\\&|HIS|HOSP_A|KQ|KQ|20260101120000||ADT^A01|BAD-UTF8|P|2.5|||||||UNICODE UTF-8\rPID|1||\xff\xfe^^^H^MR\r"
        ack = self.send(msg)
        # Refused where it stands, in the sender's terms, and the raw bytes kept as rejected.
        self.assertEqual(msa(ack)[1:3], ["AR", "BAD-UTF8"], ack)
        self.assertIn("ERR||PID^1^3|", ack)
        self.assertIn("bytes not valid in UTF-8", ack)
        rows = self.gw.sql("SELECT status FROM raw_message WHERE CAST(payload AS TEXT) LIKE '%BAD-UTF8%'")
        self.assertEqual(rows, [{"status": "rejected"}])

    def test_a_control_id_recycled_after_the_dedupe_window_is_a_new_message(self):
        first = fixture("adt_a01.hl7").replace(b"HIS20240912000001", b"RECYCLED-1")
        self.assertEqual(msa(self.send(first))[1], "CA")
        other = first.replace(b"ZHANG", b"ZHAO")  # another message under the same control id
        self.assertEqual(msa(self.send(other))[1], "CR")  # within the window: a conflict
        # Seven days later (the default dedupe_window), as far as the store can tell.
        subprocess.run(["sqlite3", self.gw.db_path, "UPDATE dedupe_key SET created_at_ms = created_at_ms - "
                        "8 * 86400000 WHERE key LIKE '%|RECYCLED-1'"], check=True)
        self.assertEqual(msa(self.send(other))[1], "CA")
        self.assertEqual(msa(self.send(other))[1], "CA")  # and its resend is its duplicate
        rows = self.gw.sql("SELECT status, count(*) AS n FROM raw_message WHERE CAST(payload AS TEXT) "
                           "LIKE '%|RECYCLED-1|%' GROUP BY status ORDER BY status")
        self.assertEqual(rows, [{"status": "accepted", "n": 2}, {"status": "rejected", "n": 1}])

    def test_mllp_send_client(self):
        ack = mllp_send(self.gw.extra_port, fixture("oru_r01.hl7"))
        # Its results are coded in LOINC (OBX-3.3 LN): accepted without the local code table.
        self.assertIn("MSA|AA|LIS20240915010044", ack)
        rows = self.gw.sql("SELECT count(*) AS n FROM record r JOIN raw_message m ON r.message_id = m.id"
                           " WHERE r.kind = 'observation' AND CAST(m.payload AS TEXT) LIKE '%LIS20240915010044%'")
        self.assertEqual(7, rows[0]["n"])


class MappingReload(unittest.TestCase):
    def test_sighup_with_a_broken_mapping_keeps_the_old_mappings(self):
        import shutil
        import signal
        gw = Gateway()
        self.addCleanup(gw.cleanup)
        mappings = os.path.join(gw.dir, "mappings")
        shutil.copytree(os.path.join(SOURCE_DIR, "mappings"), mappings)
        gw.write_config(text=his_mllp_config(mappings=mappings))
        gw.start()
        adt = os.path.join(mappings, "his/adt_a01.yaml")
        with open(adt) as f:
            text = f.read()
        with open(adt, "w") as f:
            f.write(text.replace("then: [trim]", "then: [trimm]", 1))
        gw.proc.send_signal(signal.SIGHUP)
        rejected = gw.wait_for_event("reload_rejected")
        self.assertIn(adt + ":", rejected[0]["error"])
        self.assertIn("trimm", rejected[0]["error"])
        gw.wait_for_event("reload_kept_old_config")
        self.assertIn(msa(mllp_exchange(gw.extra_port, fixture("adt_a01.hl7")))[1], ("AA", "CA"))


if __name__ == "__main__":
    unittest.main()
