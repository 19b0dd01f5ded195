// Person updates keep what they do not mention (HL7: empty is "no change", "" is "delete"), an
// identical update writes no new version, and a changed identity is audited without its values.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/store/person_update.hpp"
#include "tests/unit/store/store_test_support.hpp"

namespace kq::store::testing {
namespace {

namespace json = boost::json;

json::object parse(const std::string& text) { return json::parse(text).as_object(); }

TEST(MergePerson, WhatTheUpdateLacksIsKeptAndWhatItNulledIsRemoved) {
  const json::object stored = parse(R"({"id":"p1","identifiers":[{"system":"s","value":"1"}],
      "name":{"text":"张三","pinyin":"ZHANG SAN"},"sex":"1","addresses":[{"use":"home","text":"北京"}],
      "telecom":[{"system":"phone","value":"138"}]})");
  const PersonUpdate kept = merge_person(stored, parse(R"({"id":"p1","identifiers":[{"system":"s","value":"1"}]})"), {});
  EXPECT_TRUE(kept.unchanged);
  EXPECT_TRUE(kept.identity_changes.empty());
  EXPECT_EQ(kept.body, stored);

  const PersonUpdate partial =
      merge_person(stored, parse(R"({"id":"p1","name":{"text":"张三"},"telecom":[{"system":"phone","value":"139"}]})"),
                   {"addresses", "name.pinyin"});
  EXPECT_FALSE(partial.unchanged);
  EXPECT_EQ(json::serialize(partial.body.at("name")), R"({"text":"张三"})");
  EXPECT_FALSE(partial.body.contains("addresses"));
  EXPECT_EQ(partial.body.at("telecom").at(0).at("value").as_string(), "139");  // lists are replaced
  EXPECT_EQ(partial.body.at("sex").as_string(), "1");
  EXPECT_EQ(partial.identity_changes, (std::vector<std::string>{"name.pinyin"}));

  // A nested field alone is merged into the stored object; a nulled object leaves no empty one.
  const PersonUpdate renamed = merge_person(stored, parse(R"({"name":{"text":"张叁"}})"), {});
  EXPECT_EQ(json::serialize(renamed.body.at("name")), R"({"text":"张叁","pinyin":"ZHANG SAN"})");
  EXPECT_EQ(renamed.identity_changes, (std::vector<std::string>{"name.text"}));
  const PersonUpdate nameless = merge_person(stored, json::object(), {"name.text", "name.pinyin", "sex"});
  EXPECT_FALSE(nameless.body.contains("name"));
  EXPECT_EQ(nameless.identity_changes, (std::vector<std::string>{"name.text", "name.pinyin", "sex"}));
}

TEST(MergePerson, IdentifiersAreAUnionByIssuer) {
  const json::object stored = parse(R"({"identifiers":[
      {"system":"id","value":"110"},{"system":"mrn","value":"A1","assigner":"H1"}],
      "merged_identifiers":[{"system":"mrn","value":"OLD","assigner":"H1"}]})");
  const PersonUpdate update = merge_person(
      stored,
      parse(R"({"identifiers":[{"system":"mrn","value":"A2","assigner":"H1"},{"system":"mrn","value":"B1","assigner":"H2"},
          {"system":"mrn","value":"A3","assigner":"H1"}]})"),
      {"identifiers"});  // a null never removes identifiers: they name the person
  EXPECT_EQ(json::serialize(update.body.at("identifiers")),
            R"([{"system":"id","value":"110"},{"system":"mrn","value":"A2","assigner":"H1"},)"
            R"({"system":"mrn","value":"B1","assigner":"H2"},{"system":"mrn","value":"A3","assigner":"H1"}])");
  // The A40's merged identifiers belonged to that message, not to the person.
  EXPECT_FALSE(update.body.contains("merged_identifiers"));
  // Both MRNs keep naming the person in the identity index: no identity change.
  EXPECT_TRUE(update.identity_changes.empty());
}

TEST(MergePerson, AValueWhereThereWasNoneIsNoIdentityChange) {
  const PersonUpdate update = merge_person(parse(R"({"name":{"text":"张三"}})"),
                                           parse(R"({"name":{"pinyin":"ZHANG SAN"},"birth_date":"2015-03-10"})"), {});
  EXPECT_FALSE(update.unchanged);
  EXPECT_TRUE(update.identity_changes.empty());
}

class PersonUpdateTest : public StoreTest {
 protected:
  // One message with a person record for the patient known by MRN M1, as the pipeline builds it.
  WriteResult send(const std::string& body, std::vector<std::string> cleared = {}, std::string payload = {}) {
    WriteBatch b;
    b.message = make_message(payload.empty() ? "MSH|" + std::to_string(++sent_) : payload);
    b.identities = {{"ref:patient", "urn:oid:2.16.156.10011.1.13", "M1"}};
    RecordEnvelope person;
    person.kind = "person";
    person.id = "ref:patient";
    person.person_id = "ref:patient";
    person.body = parse(body);
    person.body["id"] = "ref:patient";
    person.cleared = std::move(cleared);
    b.records.push_back(std::move(person));
    return submit_and_wait(*store_, std::move(b));
  }
  json::object stored(const std::string& person) {
    auto record = store_->reader()->record(person);
    EXPECT_TRUE(record.has_value());
    return record ? parse(record->body_json) : json::object();
  }
  void SetUp() override {
    StoreTest::SetUp();
    store_ = open();
  }

  std::unique_ptr<Store> store_;
  int sent_ = 0;
};

const char* kAdmission = R"({"identifiers":[{"system":"urn:oid:2.16.156.10011.1.13","value":"M1","assigner":"H1"}],
    "name":{"text":"张三","pinyin":"ZHANG SAN"},"sex":"1","birth_date":"2015-03-10",
    "addresses":[{"use":"home","text":"北京市西城区某街1号"}],"telecom":[{"system":"phone","value":"13800000000"}]})";
const char* kResultPid = R"({"identifiers":[{"system":"urn:oid:2.16.156.10011.1.13","value":"M1","assigner":"H1"}]})";

TEST_F(PersonUpdateTest, AnUpdateWithOnlyTheIdKeepsAddressAndPhone) {
  const WriteResult admission = send(kAdmission);
  ASSERT_EQ(admission.status, WriteStatus::committed) << admission.error;
  const std::string person = admission.persons.at(0).person_id;
  ASSERT_EQ(admission.records.at(0).version, 1);
  const std::string first_text = store_->reader()->record(person)->body_json;

  const WriteResult result = send(kResultPid);
  ASSERT_EQ(result.status, WriteStatus::committed) << result.error;
  // A version of its own, the stored person again: the message's records are its rows.
  ASSERT_EQ(result.records.size(), 1u);
  EXPECT_EQ(result.records[0].id, person);
  EXPECT_EQ(result.records[0].version, 2);
  const auto latest = store_->reader()->record(person);
  EXPECT_EQ(latest->message_id, result.message_id);
  EXPECT_EQ(latest->body_json, first_text);
  const json::object body = stored(person);
  EXPECT_EQ(body.at("addresses").at(0).at("text").as_string(), "北京市西城区某街1号");
  EXPECT_EQ(body.at("telecom").at(0).at("value").as_string(), "13800000000");
}

TEST_F(PersonUpdateTest, NulledFieldsAreRemovedAndTheRestKeptInANewVersion) {
  const std::string person = send(kAdmission).persons.at(0).person_id;
  const WriteResult update = send(kResultPid, {"addresses"});
  ASSERT_EQ(update.status, WriteStatus::committed) << update.error;
  EXPECT_EQ(update.records.at(0).version, 2);
  const json::object body = stored(person);
  EXPECT_FALSE(body.contains("addresses"));
  EXPECT_EQ(body.at("telecom").at(0).at("value").as_string(), "13800000000");
  EXPECT_EQ(body.at("name").at("text").as_string(), "张三");
  EXPECT_EQ(body.at("id").as_string(), person);
  // Nothing about the address is an identity change.
  RawDb db(db_path());
  EXPECT_EQ(db.text("SELECT count(*) FROM audit_log WHERE event_type = '110110'"), "0");
}

TEST_F(PersonUpdateTest, ANameOrSexChangeIsAuditedByFieldNeverByValue) {
  const WriteResult first = send(kAdmission);
  const std::string person = first.persons.at(0).person_id;
  const WriteResult renamed = send(R"({"name":{"text":"张叁"},"sex":"2"})", {}, "MSH|rename");
  ASSERT_EQ(renamed.status, WriteStatus::committed) << renamed.error;
  EXPECT_EQ(stored(person).at("name").at("pinyin").as_string(), "ZHANG SAN");  // not sent: kept

  RawDb db(db_path());
  const std::string detail =
      db.text("SELECT detail FROM audit_log WHERE event_type = '110110' AND action = 'U' AND outcome = 0");
  EXPECT_EQ(detail, R"({"person_id":")" + person + R"(","changed":["name.text","sex"]})");
  EXPECT_EQ(db.text("SELECT message_id FROM audit_log WHERE event_type = '110110'"), renamed.message_id);
  EXPECT_EQ(db.text("SELECT org_id FROM audit_log WHERE event_type = '110110'"), "org-1");
  EXPECT_EQ(db.text("SELECT count(*) FROM audit_log WHERE detail LIKE '%张%' OR detail LIKE '%ZHANG%'"), "0");
}

TEST_F(PersonUpdateTest, AnUpdateThatMakesThePersonInvalidIsAContentError) {
  const std::string person = send(R"({"deceased":true,"deceased_at":"2024-03-01T08:00:00+08:00"})").persons.at(0).person_id;
  const WriteResult contradiction = send(R"({"deceased":false})");
  EXPECT_EQ(contradiction.status, WriteStatus::failed);
  EXPECT_TRUE(contradiction.content_error);
  ASSERT_EQ(contradiction.errors.size(), 1u) << contradiction.error;
  EXPECT_EQ(contradiction.errors[0].path, "deceased_at");  // the field, never its value
  EXPECT_NE(contradiction.errors[0].message.find("would make the stored person invalid"), std::string::npos);
  EXPECT_EQ(contradiction.errors[0].kind, core::ErrorKind::data_type);
  EXPECT_EQ(store_->reader()->record(person)->version, 1);
}

TEST_F(PersonUpdateTest, TwoPersonRecordsOfANewPersonInOneBatchAreMerged) {
  WriteBatch b;
  b.message = make_message("MSH|two");
  b.identities = {{"ref:patient", "urn:oid:2.16.156.10011.1.13", "M9"}};
  for (const char* body : {R"({"name":{"text":"李四"}})", R"({"sex":"2"})"}) {
    RecordEnvelope person;
    person.kind = "person";
    person.id = person.person_id = "ref:patient";
    person.body = parse(body);
    person.body["id"] = "ref:patient";
    b.records.push_back(std::move(person));
  }
  const WriteResult result = submit_and_wait(*store_, std::move(b));
  ASSERT_EQ(result.status, WriteStatus::committed) << result.error;
  ASSERT_TRUE(result.persons.at(0).created);
  EXPECT_EQ(result.records.at(1).version, 2);
  const json::object body = stored(result.persons[0].person_id);
  EXPECT_EQ(body.at("name").at("text").as_string(), "李四");
  EXPECT_EQ(body.at("sex").as_string(), "2");
}

TEST_F(PersonUpdateTest, AnIdentityConflictIsAuditedAsASecurityAlert) {
  WriteBatch a, b, both;
  a.identities = {{"x", "cn-student-no", "G1"}};
  b.identities = {{"y", "cn-student-no", "G2"}};
  const std::string first = submit_and_wait(*store_, std::move(a)).persons.at(0).person_id;
  const std::string second = submit_and_wait(*store_, std::move(b)).persons.at(0).person_id;
  both.message = make_message("MSH|both");
  both.identities = {{"z", "cn-student-no", "G1"}, {"z", "cn-student-no", "G2"}};
  const WriteResult result = submit_and_wait(*store_, std::move(both));
  ASSERT_EQ(result.status, WriteStatus::committed) << result.error;
  ASSERT_EQ(result.identity_conflicts.size(), 1u);

  RawDb db(db_path());
  EXPECT_EQ(db.text("SELECT detail FROM audit_log WHERE event_type = '110113' AND outcome = 8"),
            R"({"person_id":")" + first + R"(","other_person_id":")" + second +
                R"(","identifier_system":"cn-student-no"})");
  EXPECT_EQ(db.text("SELECT message_id FROM audit_log WHERE event_type = '110113'"), result.message_id);
}

}  // namespace
}  // namespace kq::store::testing
