// Derived values in the pipeline (gateway/pipeline/derived_values.cpp) against a real SQLite store
// and the shipped rule tables: what the store knows about a person (an earlier screening, sex and
// grade) is found through the message's identity links, alerts are raised and attributed to the
// document they came from, and a sent value that disagrees becomes a note with its row and column.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/pipeline/derived_values.hpp"
#include "../store/store_test_support.hpp"

namespace kq::pipeline {
namespace {

namespace json = boost::json;

constexpr const char* kStudentNo = "urn:kangqiao:sid:cn-student-no";
constexpr const char* kMing = "G110105201203151233";

store::RecordEnvelope envelope(std::string kind, std::string id, std::string person, const char* body) {
  store::RecordEnvelope r;
  r.kind = std::move(kind);
  r.id = std::move(id);
  r.person_id = std::move(person);
  r.org_id = "12330106MB0000001X";
  r.body = json::parse(body).as_object();
  return r;
}

class DerivedValuesTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    std::vector<config::ConfigError> errors;
    rules_ = derived::school_health_rules_of(std::filesystem::path(KQ_SOURCE_DIR) / "mappings", errors);
    ASSERT_NE(rules_, nullptr) << (errors.empty() ? "" : errors.front().str());
    store_ = open();
  }
  void TearDown() override { store_->shutdown(); }

  // What an earlier message left in the store about 小明: his person record (a boy), his
  // enrolment in grade 11 and a spring screening at 5.0 on both eyes.
  void store_history() {
    store::WriteBatch b;
    b.message = store::testing::make_message("spring");
    b.identities = {{"ref:s", kStudentNo, kMing}};
    b.records.push_back(envelope("person", "ref:s", "", R"({"id":"ref:s","sex":"1"})"));
    b.records.push_back(envelope("enrollment", "e-1", "ref:s",
                                 R"({"id":"e-1","person_id":"ref:s","org_id":"12330106MB0000001X","grade":"11"})"));
    b.records.push_back(envelope("vision_screening", "v-spring", "ref:s",
                                 R"({"id":"v-spring","person_id":"ref:s","org_id":"12330106MB0000001X",
                                     "date":"2026-03-10","left_eye":{"ucva_5pt":5.0,"sphere_ds":0.0},
                                     "right_eye":{"ucva_5pt":5.0,"sphere_ds":0.0}})"));
    ASSERT_EQ(store::testing::submit_and_wait(*store_, std::move(b)).status, store::WriteStatus::committed);
  }

  std::shared_ptr<const derived::SchoolHealthRules> rules_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(DerivedValuesTest, ComparesWithTheStoredScreeningAndNamesTheRowOfAMismatch) {
  store_history();
  MessagePlan plan;
  plan.document_mode = KQ_DOCUMENTS_INDEPENDENT;
  plan.identities = {{"ref:1/student", kStudentNo, kMing}};
  plan.records.push_back(envelope("person", "ref:1/student", "", R"({"id":"ref:1/student"})"));
  plan.records.push_back(envelope("vision_screening", "v-autumn", "ref:1/student",
                                  R"({"id":"v-autumn","person_id":"ref:1/student","org_id":"12330106MB0000001X",
                                      "date":"2026-10-12","left_eye":{"ucva_5pt":4.7,"sphere_ds":-1.5,"cylinder_dc":0.0},
                                      "right_eye":{"ucva_5pt":4.8,"sphere_ds":-1.25,"cylinder_dc":0.0},
                                      "screening_myopia":false,
                                      "rule_version":"school-sheet"})"));
  plan.records.push_back(envelope("provenance", "p-1", "ref:1/student",
                                  R"({"id":"p-1","target_ids":["v-autumn"],
                                      "lineage":{"target_ids[0].date":"row 2, column 筛查日期",
                                                 "target_ids[0].screening_myopia":"row 2, column 是否近视"}})"));
  plan.record_documents = {1, 1, 1};

  const DerivedValues out = derive_values(plan, rules_.get(), *store_, 1796000000000);
  std::string said;
  for (const plugin_host::OutcomeNote& n : out.notes) said += n.field + ": " + n.reason + "\n";
  EXPECT_EQ(out.alert_rules, (std::vector<std::string>{"vision.new-screening-myopia", "vision.acuity-drop"}))
      << said << json::serialize(plan.records[1].body);
  ASSERT_EQ(plan.records.size(), 5u);
  ASSERT_EQ(plan.record_documents.size(), plan.records.size());
  EXPECT_EQ(plan.record_documents[3], 1u);
  EXPECT_EQ(plan.records[3].kind, "alert");
  EXPECT_EQ(plan.records[3].person_id, "ref:1/student") << "the store resolves it with the rest";

  const auto mismatch = std::find_if(out.notes.begin(), out.notes.end(), [](const plugin_host::OutcomeNote& n) {
    return n.field == "vision_screening.screening_myopia";
  });
  ASSERT_NE(mismatch, out.notes.end());
  EXPECT_EQ(mismatch->kind, KQ_NOTE_MISMATCH);
  EXPECT_EQ(mismatch->document, 1u);
  EXPECT_EQ(mismatch->location, "row 2, column 是否近视");
  EXPECT_EQ(mismatch->sent, "false");
  EXPECT_EQ(mismatch->computed, "true");
  EXPECT_EQ(json::serialize(plan.records[1].body.at("screening_myopia")), "true");
}

TEST_F(DerivedValuesTest, AStudentTheStoreDoesNotKnowIsComparedWithNothing) {
  store_history();
  MessagePlan plan;
  plan.identities = {{"ref:student#1", kStudentNo, "G110105201207011246"}};
  plan.records.push_back(envelope("vision_screening", "v-new", "ref:student#1",
                                  R"({"id":"v-new","person_id":"ref:student#1","org_id":"12330106MB0000001X",
                                      "date":"2026-10-12","left_eye":{"ucva_5pt":4.7},"right_eye":{"ucva_5pt":4.8}})"));
  const DerivedValues out = derive_values(plan, rules_.get(), *store_, 1796000000000);
  EXPECT_TRUE(out.alert_rules.empty());
  EXPECT_EQ(out.derived, 1u);
  EXPECT_TRUE(plan.record_documents.empty()) << "not a batch";
}

TEST_F(DerivedValuesTest, SexAndGradeComeFromTheStoreWhenTheMessageLacksThem) {
  store_history();
  MessagePlan plan;
  plan.identities = {{"ref:student#1", kStudentNo, kMing}};
  plan.records.push_back(envelope("fitness_test", "f-1", "ref:student#1",
                                  R"({"id":"f-1","person_id":"ref:student#1","org_id":"12330106MB0000001X",
                                      "standard_version":"CSPFS-2014",
                                      "items":[{"item_code":"height","raw_value":121.5,"unit":"cm","status":"measured"},
                                               {"item_code":"weight","raw_value":22.4,"unit":"kg","status":"measured"}]})"));
  const DerivedValues out = derive_values(plan, rules_.get(), *store_, 1796000000000);
  for (const plugin_host::OutcomeNote& n : out.notes) {
    EXPECT_EQ(n.reason.find("the tables are by sex and grade"), std::string::npos) << n.reason;
  }
  // The BMI item is scored: the table was chosen by the stored sex (boy) and grade (一年级).
  const json::array& items = plan.records[0].body.at("items").as_array();
  const auto bmi = std::find_if(items.begin(), items.end(),
                                [](const json::value& i) { return i.as_object().at("item_code") == "bmi"; });
  ASSERT_NE(bmi, items.end()) << json::serialize(plan.records[0].body);
  EXPECT_TRUE(bmi->as_object().contains("score")) << json::serialize(plan.records[0].body);
}

TEST_F(DerivedValuesTest, NothingHappensWithoutRulesOrForAPlanThatIsNotCommitted) {
  MessagePlan plan;
  plan.records.push_back(envelope("vision_screening", "v", "", R"({"id":"v","date":"2026-10-12"})"));
  EXPECT_TRUE(derive_values(plan, nullptr, *store_, 0).notes.empty());
  plan.intended = KQ_OUTCOME_CONTENT_ERROR;
  EXPECT_EQ(derive_values(plan, rules_.get(), *store_, 0).derived, 0u);
  EXPECT_FALSE(plan.records[0].body.contains("rule_version"));
}

}  // namespace
}  // namespace kq::pipeline
