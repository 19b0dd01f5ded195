// The reads that derived values make once per message (gateway/pipeline/derived_values.cpp):
// which stored person each of many identifiers names today, merges followed, and the latest
// version of a person's record and of their records of some kinds, from one snapshot.
#include "tests/unit/store/store_test_support.hpp"

namespace kq::store::testing {
namespace {

constexpr const char* kStudentNo = "urn:kangqiao:sid:cn-student-no";
constexpr const char* kCard = "school-card:bj-xicheng";

class SubjectRecordsTest : public StoreTest {
 protected:
  // A message about one student known by a student number and a card number: the person record,
  // one record of `kind` with `id` and `body`. Returns the stored person id.
  std::string store_student(Store& store, const std::string& student_no, const std::string& card,
                            const std::string& kind, const std::string& id, boost::json::object body,
                            const std::string& sex = "1") {
    WriteBatch b;
    b.message = make_message("payload " + student_no + " " + id);
    b.identities = {{"ref:s", kStudentNo, student_no}, {"ref:s", kCard, card}};
    RecordEnvelope person = make_record("person", "ref:s");
    person.org_id.clear();
    person.body = {{"id", "ref:s"}, {"sex", sex}};
    b.records.push_back(std::move(person));
    RecordEnvelope r = make_record(kind, id, "ref:s");
    body["id"] = id;
    body["person_id"] = "ref:s";
    r.body = std::move(body);
    b.records.push_back(std::move(r));
    WriteResult w = submit_and_wait(store, std::move(b));
    EXPECT_EQ(w.status, WriteStatus::committed) << w.error;
    return w.persons.empty() ? std::string() : w.persons.at(0).person_id;
  }
};

TEST_F(SubjectRecordsTest, ResolvesManyIdentifiersInOneReadAndLeavesUnknownOnesOut) {
  auto store = open();
  const std::string a = store_student(*store, "G110105201203151233", "0001000001", "enrollment", "e-1", {{"grade", "22"}});
  const std::string b = store_student(*store, "G110105201207011246", "0001000002", "enrollment", "e-2", {{"grade", "11"}});
  ASSERT_NE(a, b);
  const std::map<IdentifierKey, std::string> found = store->reader()->persons_by_identifiers({
      {kStudentNo, "G110105201203151233"},
      {kCard, "0001000002"},
      {kCard, "9999999999"},         // nobody's card
      {"other-system", "0001000001"},  // the value of a's card, in another system
  });
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found.at({kStudentNo, "G110105201203151233"}), a);
  EXPECT_EQ(found.at({kCard, "0001000002"}), b);
  EXPECT_TRUE(store->reader()->persons_by_identifiers({}).empty());
}

TEST_F(SubjectRecordsTest, FollowsAMergeToTheSurvivingPerson) {
  auto store = open();
  const std::string prior = store_student(*store, "G110105201203151233", "0001000001", "enrollment", "e-1", {});
  const std::string surviving = store_student(*store, "G110105201207011246", "0001000002", "enrollment", "e-2", {});
  WriteBatch merge;
  merge.message = make_message("merge");
  merge.identities = {{"ref:s", kStudentNo, "G110105201207011246"}};
  merge.merges = {{"ref:s", kStudentNo, "G110105201203151233"}};
  ASSERT_EQ(submit_and_wait(*store, std::move(merge)).status, WriteStatus::committed);
  const auto found = store->reader()->persons_by_identifiers({{kCard, "0001000001"}});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found.at({kCard, "0001000001"}), surviving);
  EXPECT_NE(prior, surviving);
}

TEST_F(SubjectRecordsTest, GivesThePersonAndTheLatestVersionOfTheirRecordsOfTheKindsAsked) {
  auto store = open();
  const std::string a = store_student(*store, "G110105201203151233", "0001000001", "vision_screening", "v-1",
                                      {{"date", "2026-03-10"}}, "2");
  // The same screening sent again with a correction: a second version of v-1.
  store_student(*store, "G110105201203151233", "0001000001", "vision_screening", "v-1", {{"date", "2026-03-11"}}, "2");
  store_student(*store, "G110105201203151233", "0001000001", "enrollment", "e-1", {{"grade", "22"}}, "2");
  store_student(*store, "G110105201203151233", "0001000001", "observation", "o-1", {{"code", "8302-2"}}, "2");
  const std::string b = store_student(*store, "G110105201207011246", "0001000002", "vision_screening", "v-2",
                                      {{"date", "2026-03-10"}});

  const std::vector<StoredRecord> rows =
      store->reader()->subject_records({a}, {"vision_screening", "enrollment"});
  std::map<std::string, StoredRecord> by_id;
  for (const StoredRecord& r : rows) by_id[r.id] = r;
  ASSERT_EQ(by_id.size(), 3u) << "the person, v-1 once and e-1; not o-1 nor b's records";
  EXPECT_EQ(by_id.at(a).kind, "person");
  EXPECT_NE(by_id.at(a).body_json.find("\"sex\":\"2\""), std::string::npos) << by_id.at(a).body_json;
  EXPECT_EQ(by_id.at("v-1").version, 2);
  EXPECT_NE(by_id.at("v-1").body_json.find("2026-03-11"), std::string::npos);
  EXPECT_EQ(by_id.at("e-1").person_id, a);
  EXPECT_FALSE(by_id.contains(b));
  EXPECT_EQ(rows.front().kind, "person") << "the person first, then the records in seq order";
  for (std::size_t i = 2; i < rows.size(); ++i) EXPECT_LT(rows[i - 1].seq, rows[i].seq);

  EXPECT_TRUE(store->reader()->subject_records({}, {"enrollment"}).empty());
  // Without kinds: the person records alone.
  const auto persons = store->reader()->subject_records({a, b}, {});
  ASSERT_EQ(persons.size(), 2u);
  EXPECT_EQ(persons[0].kind, "person");
  EXPECT_EQ(persons[1].kind, "person");
}

}  // namespace
}  // namespace kq::store::testing
