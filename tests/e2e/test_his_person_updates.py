"""Person updates through the real binary over MLLP: an ORU whose PID holds only the ID keeps the
address and phone an ADT stored, the HL7 null "" deletes, a changed name is an audited identity
event that names the person and the field but never the name, and PID-5 is read as HL7's XPN."""
import json

from harness import GatewayCase, his_mllp_config, mllp_exchange, msa

MRN = "PU-000123"


def hl7(*segments):
    return ("\r".join(segments) + "\r").encode()


def msh(event, control):
    kind = "ORU^R01^ORU_R01" if event == "R01" else f"ADT^{event}^ADT_A01"
    return f"MSH|^~\\&|HIS|H001|KQ|KQ|20240305083000||{kind}|{control}|P|2.4"


def admission(control):
    # PID-5 as HL7's XPN: family^given in hanzi (I) and a pinyin repetition (A); address and phone.
    return hl7(msh("A01", control),
               f"PID|1||{MRN}^^^H001^MR||张^三^^^^^L^I~ZHANG^SAN^^^^^L^A||20150310|M|||北京市西城区某街1号||13800000000",
               "PV1|1|I|儿科||||||||||||||||PU-V1")


def result_with_only_the_id(control):
    return hl7(msh("R01", control), f"PID|1||{MRN}^^^H001^MR",
               "OBR|1||F-PU-1|GLU|||20240306080000", "OBX|1|NM|GLU^葡萄糖||5.6|mmol/L|||||F")


def update(control, pid_tail):
    return hl7(msh("A08", control), f"PID|1||{MRN}^^^H001^MR{pid_tail}", "PV1|1|I|儿科||||||||||||||||PU-V1")


class PersonUpdates(GatewayCase):
    CONFIG = his_mllp_config()

    def send(self, payload):
        ack = mllp_exchange(self.gw.extra_port, payload)
        self.assertIn(msa(ack)[1], ("AA", "CA"), ack)
        return ack

    def person_id(self):
        rows = self.gw.sql(f"SELECT person_id FROM person_identifier WHERE value = '{MRN}'")
        self.assertEqual(len(rows), 1, rows)
        return rows[0]["person_id"]

    def latest(self):
        rows = self.gw.sql(f"SELECT version, body FROM record WHERE id = '{self.person_id()}' "
                           "ORDER BY version DESC LIMIT 1")
        return rows[0]["version"], json.loads(rows[0]["body"])

    def test_updates_keep_what_they_do_not_mention_and_audit_a_changed_name(self):
        # Run as one story: each step starts from what the step before stored.
        self.send(admission("PU-A01"))
        version, person = self.latest()
        self.assertEqual(person["name"], {"text": "张三", "pinyin": "ZHANG SAN"})
        self.assertEqual(person["addresses"], [{"use": "home", "text": "北京市西城区某街1号"}])
        self.assertEqual(person["telecom"], [{"system": "phone", "value": "13800000000", "use": "home"}])

        # An ORU whose PID holds only the ID: the result is stored, and the person's version for
        # this message says what the ADT said.
        self.send(result_with_only_the_id("PU-R01"))
        observations = self.gw.sql("SELECT r.person_id FROM record r JOIN raw_message m ON r.message_id = m.id "
                                   "WHERE r.kind = 'observation' AND CAST(m.payload AS TEXT) LIKE '%|PU-R01|%'")
        self.assertEqual(observations, [{"person_id": self.person_id()}])
        self.assertEqual(self.latest(), (version + 1, person))

        # An A08 with the HL7 null in PID-11: the address goes, the phone and the name stay.
        self.send(update("PU-A08-1", '||||||||""'))
        version, person = self.latest()
        self.assertNotIn("addresses", person)
        self.assertEqual(person["telecom"], [{"system": "phone", "value": "13800000000", "use": "home"}])
        self.assertEqual(person["name"], {"text": "张三", "pinyin": "ZHANG SAN"})
        self.assertEqual(person["sex"], "1")
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM audit_log WHERE event_type = '110110'"), [{"n": 0}])

        # A new name for the same MRN: an identity event, audited with the person and the field.
        self.send(update("PU-A08-2", "||张^叁^^^^^L^I"))
        version, person = self.latest()
        self.assertEqual(person["name"], {"text": "张叁", "pinyin": "ZHANG SAN"})
        audits = self.gw.sql("SELECT action, outcome, detail, message_id FROM audit_log WHERE event_type = '110110'")
        self.assertEqual(len(audits), 1, audits)
        self.assertEqual((audits[0]["action"], audits[0]["outcome"]), ("U", 0))
        self.assertEqual(json.loads(audits[0]["detail"]), {"person_id": self.person_id(), "changed": ["name.text"]})
        sent_by = self.gw.sql("SELECT id FROM raw_message WHERE CAST(payload AS TEXT) LIKE '%|PU-A08-2|%'")
        self.assertEqual(audits[0]["message_id"], sent_by[0]["id"])
        leaked = self.gw.sql("SELECT count(*) AS n FROM audit_log WHERE detail LIKE '%张%' OR detail LIKE '%ZHANG%'")
        self.assertEqual(leaked, [{"n": 0}])
        self.assertNotIn("张叁", self.gw.logs())

    def test_the_readmes_example_stores_the_hanzi_name(self):
        # README.md: PID-5 = 张^三 (family^given), no pinyin.
        payload = hl7("MSH|^~\\&|HIS|HOSP_A|KQ|KQ|20260101120000||ADT^A01|DEMO-PU|P|2.4",
                      "PID|1||11010519491231002X^^^^ID||张^三||19491231|F", "PV1|1|I|内科||||||||||||||||V001")
        self.send(payload)
        rows = self.gw.sql("SELECT r.body FROM record r JOIN person_identifier i ON r.id = i.person_id "
                           "WHERE i.value = '11010519491231002X' AND r.kind = 'person'")
        self.assertEqual(json.loads(rows[-1]["body"])["name"], {"text": "张三"})
