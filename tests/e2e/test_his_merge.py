"""ADT^A40 merges over MLLP with python-hl7's mllp_send: two admissions of one child under two
MRNs, then the hospital's merge. The identity index links the two persons, nothing is lost, later
messages with either MRN land on the surviving person, a repeated merge changes nothing, and a
merge of a person into itself is a content error (AE, dead letter)."""
import unittest

from harness import GatewayCase, his_mllp_config, mllp_send, msa

CONFIG = his_mllp_config()

# MRNs are indexed per assigning hospital (here MSH-4: no sender organisation is configured).
MRN = "urn:oid:2.16.156.10011.1.13^H001"
RESIDENT_ID = "110108201605010029"


def hl7(*segments):
    return "\r".join(segments).encode("utf-8") + b"\r"


def msh(event, control, hospital="H001"):
    structure = "ADT_A39" if event == "A40" else "ADT_A01"
    return f"MSH|^~\\&|HIS|{hospital}|KQ|KQ|20240901080000||ADT^{event}^{structure}|{control}|P|2.4"


def admission(control, mrn, visit, resident_id="", hospital="H001"):
    return hl7(msh("A01", control, hospital), "EVN|A01|20240901080000",
               f"PID|1||{mrn}^^^{hospital}^MR||WANG XIAOMING^王小明||20160501|M|||||||||||{resident_id}",
               f"PV1|1|I|儿科^1^1||||||||||||||||{visit}")


def merge(control, surviving_mrn, prior_ids):
    return hl7(msh("A40", control), "EVN|A40|20240901090000",
               f"PID|1||{surviving_mrn}^^^H001^MR||WANG XIAOMING^王小明||20160501|M",
               f"MRG|{prior_ids}||||||WANG XIAOMING^王小明")


class HisMerge(GatewayCase):
    CONFIG = CONFIG

    def send(self, payload):
        """Sends one message with mllp_send and returns (MSA-1, the raw message id it was stored as)."""
        code = msa(mllp_send(self.gw.extra_port, payload))[1]
        control = payload.split(b"\r")[0].split(b"|")[9].decode()
        rows = self.gw.sql(f"SELECT id FROM raw_message WHERE CAST(payload AS TEXT) LIKE '%|{control}|%' "
                           "ORDER BY stored_at_ms DESC LIMIT 1")
        return code, rows[0]["id"] if rows else None

    def owner(self, value):
        rows = self.gw.sql(f"SELECT person_id FROM person_identifier WHERE system = '{MRN}' AND value = '{value}'")
        return rows[0]["person_id"] if rows else None

    def encounter_person(self, visit):
        rows = self.gw.sql("SELECT person_id FROM record WHERE kind = 'encounter' AND "
                           f"json_extract(body, '$.source_visit_no') = '{visit}' ORDER BY seq DESC LIMIT 1")
        return rows[0]["person_id"]

    def test_the_same_mrn_at_two_hospitals_names_two_persons(self):
        self.assertEqual(self.send(admission("MRN-H1-1", "200001", "V-H1-1"))[0], "AA")
        self.assertEqual(self.send(admission("MRN-H2-1", "200001", "V-H2-1", hospital="H002"))[0], "AA")
        self.assertNotEqual(self.encounter_person("V-H1-1"), self.encounter_person("V-H2-1"))
        rows = self.gw.sql("SELECT system FROM person_identifier WHERE value = '200001' ORDER BY system")
        self.assertEqual([r["system"] for r in rows], [MRN, MRN.replace("H001", "H002")])

    def test_a40_links_the_two_persons_and_later_messages_resolve_to_the_survivor(self):
        self.assertEqual(self.send(admission("MRG-A01-1", "100001", "V-MRG-1", RESIDENT_ID))[0], "AA")
        self.assertEqual(self.send(admission("MRG-A01-2", "100002", "V-MRG-2"))[0], "AA")
        surviving, prior = self.owner("100001"), self.owner("100002")
        self.assertNotEqual(surviving, prior)  # never merged on name: same name, two persons

        code, a40_id = self.send(merge("MRG-A40-1", "100001", "100002^^^H001^MR"))
        self.assertEqual(code, "AA")
        links = self.gw.sql("SELECT * FROM person_link")
        self.assertEqual(len(links), 1, links)
        self.assertEqual(links[0]["merged_person_id"], prior)
        self.assertEqual(links[0]["surviving_person_id"], surviving)
        self.assertEqual(links[0]["message_id"], a40_id)
        self.assertEqual(links[0]["identifier_system"], MRN)
        # Nothing lost: both persons, both identifiers where they were, the prior visit untouched.
        self.assertEqual(self.owner("100002"), prior)
        self.assertEqual(len(self.gw.sql(f"SELECT id FROM person WHERE id IN ('{prior}', '{surviving}')")), 2)
        self.assertEqual(self.encounter_person("V-MRG-2"), prior)
        self.assertEqual(self.gw.sql(f"SELECT count(*) AS n FROM record WHERE id = '{prior}'")[0]["n"], 1)
        # The surviving person's record holds the merged identifier as provenance of the merge.
        body = self.gw.sql(f"SELECT body FROM record WHERE message_id = '{a40_id}' AND kind = 'person'")
        self.assertIn("100002", body[0]["body"])
        self.assertEqual(self.gw.sql(f"SELECT id FROM record WHERE message_id = '{a40_id}'")[0]["id"], surviving)
        audit = self.gw.sql(f"SELECT detail FROM audit_log WHERE event_type = '110110' AND message_id = '{a40_id}'")
        self.assertEqual(len(audit), 1)
        self.assertNotIn("100002", audit[0]["detail"])

        # A later visit under the prior MRN belongs to the surviving person.
        self.assertEqual(self.send(admission("MRG-A01-3", "100002", "V-MRG-3"))[0], "AA")
        self.assertEqual(self.encounter_person("V-MRG-3"), surviving)
        self.assertEqual(self.owner("100002"), prior)

        # The same merge again (a resend with a new control id) is accepted and changes nothing.
        self.assertEqual(self.send(merge("MRG-A40-2", "100001", "100002^^^H001^MR"))[0], "AA")
        self.assertEqual(len(self.gw.sql("SELECT * FROM person_link")), 1)

        # Merging the survivor into itself: by the same MRN (the mapping sees it) and by its
        # resident ID (only the identity index can tell). Both are content errors, kept as dead letters.
        for control, prior_ids in (("MRG-SELF-1", "100001^^^H001^MR"), ("MRG-SELF-2", RESIDENT_ID + "^^^^ID")):
            code, message_id = self.send(merge(control, "100001", prior_ids))
            self.assertEqual(code, "AE", control)
            status = self.gw.sql(f"SELECT status FROM raw_message WHERE id = '{message_id}'")
            self.assertEqual(status, [{"status": "dead_letter"}], control)
            letters = self.gw.sql(f"SELECT errors FROM dead_letter WHERE message_id = '{message_id}'")
            self.assertIn("merged", letters[0]["errors"], control)
        self.assertEqual(len(self.gw.sql("SELECT * FROM person_link")), 1)


if __name__ == "__main__":
    unittest.main()
