// derive_records: a batch of canonical records as a transport holds them (envelopes with JSON
// bodies). Sex and grade come from the batch's Person and Enrollment records; derived values are
// written into the bodies; alerts are appended as records of kind "alert"; the previous vision
// screening comes from the batch or from the caller's look-up.
#include <gtest/gtest.h>

#include "gateway/core/json_codec.hpp"
#include "gateway/core/model.hpp"
#include "gateway/derived/derive_records.hpp"
#include "tests/unit/derived/derived_test_support.hpp"

namespace kq::derived {
namespace {

using testing::at;
using testing::measured;
using testing::on;
using testing::shipped;

template <class T>
T decoded(const core::RecordEnvelope& r) {
  auto d = core::from_json<T>(boost::json::value(r.body));
  if (!d.ok()) throw std::runtime_error("body does not decode");
  return std::move(*d.value);
}

std::vector<core::RecordEnvelope> batch() {
  core::Person person;
  person.id = "p-1";
  person.sex = "1";
  person.birth_date = on("2017-03-01");
  core::Enrollment enrollment;
  enrollment.id = "e-1";
  enrollment.person_id = "p-1";
  enrollment.org_id = "school-1";
  enrollment.grade = "11";
  core::FitnessTest test;
  test.id = "ft-1";
  test.person_id = "p-1";
  test.org_id = "school-1";
  test.test_date = on("2024-04-01");
  // BMI 30 / 1.2² = 20.8: 肥胖 for a first-grade boy (≥ 20.4).
  test.items = {measured("height", 120), measured("weight", 30), measured("vital_capacity", 1300),
                measured("run_50m", 10.8), measured("sit_and_reach", 11.0), measured("rope_skip_1min", 109)};
  test.total_score = 95;  // the school system's own total, which disagrees
  return {core::to_envelope(person), core::to_envelope(enrollment), core::to_envelope(test)};
}

core::VisionScreening screening(const char* id, const char* date, double ucva, double sphere) {
  core::VisionScreening s;
  s.id = id;
  s.person_id = "p-1";
  s.org_id = "school-1";
  s.date = on(date);
  for (auto* eye : {&s.right_eye, &s.left_eye}) {
    *eye = core::EyeExam{};
    (*eye)->ucva_5pt = ucva;
    (*eye)->sphere_ds = sphere;
    (*eye)->cylinder_dc = 0;
  }
  return s;
}

TEST(DeriveRecords, ScoresFromTheBatchsPersonAndEnrollmentAndAppendsAlerts) {
  std::vector<core::RecordEnvelope> records = batch();
  const DeriveContext context{shipped(), at("2024-05-20T09:00:00+08:00"), {}, {}};
  const DeriveReport report = derive_records(records, context);
  EXPECT_EQ(report.derived, 1U);
  EXPECT_TRUE(report.refusals.empty());
  const auto test = decoded<core::FitnessTest>(records[2]);
  EXPECT_EQ(test.computed_by, "cspfs-2014@1.0.0");
  // 60×15% + 80×15% + 78×20% + 80×30% + 100×20% = 80.6, no bonus at exactly 109 skips.
  EXPECT_EQ(test.standard_score, 80.6);
  EXPECT_EQ(test.total_score, 80.6);
  EXPECT_EQ(test.overall_level, "良好");
  ASSERT_EQ(report.warnings.size(), 1U);
  EXPECT_EQ(report.warnings[0].record, 2U);
  EXPECT_EQ(report.warnings[0].warning.item, "total_score");
  EXPECT_EQ(report.warnings[0].warning.sent, "95");
  EXPECT_EQ(report.warnings[0].warning.computed, "80.6");
  ASSERT_EQ(report.alerts, 1U);
  ASSERT_EQ(records.size(), 4U);
  EXPECT_EQ(records[3].kind, "alert");
  EXPECT_EQ(records[3].person_id, "p-1");
  EXPECT_TRUE(core::validate_envelope(records[3]).empty());
  const auto alert = decoded<core::Alert>(records[3]);
  EXPECT_EQ(alert.rule_id, "fitness.obesity");
  EXPECT_EQ(alert.source_ids, std::vector<std::string>{"ft-1"});
}

TEST(DeriveRecords, AFitnessTestWithoutSexAndGradeAsksTheCallerAndOtherwiseIsRefused) {
  std::vector<core::RecordEnvelope> records = {batch()[2]};
  DeriveContext context{shipped(), at("2024-05-20T09:00:00+08:00"), {}, {}};
  DeriveReport report = derive_records(records, context);
  ASSERT_EQ(report.refusals.size(), 1U);
  EXPECT_NE(report.refusals[0].refusal.reason.find("sex ''"), std::string::npos);
  EXPECT_FALSE(decoded<core::FitnessTest>(records[0]).computed_by.has_value());
  EXPECT_EQ(decoded<core::FitnessTest>(records[0]).total_score, 95);  // as sent

  records = {batch()[2]};
  std::vector<std::string> asked;
  context.fitness_subject = [&](const std::string& person) -> std::optional<FitnessSubject> {
    asked.push_back(person);
    return FitnessSubject{"1", "11"};
  };
  report = derive_records(records, context);
  EXPECT_EQ(asked, std::vector<std::string>{"p-1"});
  EXPECT_EQ(decoded<core::FitnessTest>(records[0]).total_score, 80.6);
}

TEST(DeriveRecords, VisionComparesWithTheEarlierScreeningInTheBatchOrTheStore) {
  // Out of date order in the batch: the later screening is compared with the earlier one.
  std::vector<core::RecordEnvelope> records = {core::to_envelope(screening("vs-2", "2024-05-10", 4.7, -1.0)),
                                               core::to_envelope(screening("vs-1", "2023-10-10", 5.0, 0.0))};
  DeriveContext context{shipped(), at("2024-05-20T09:00:00+08:00"), {}, {}};
  DeriveReport report = derive_records(records, context);
  EXPECT_EQ(report.derived, 2U);
  std::vector<std::string> rules;
  for (std::size_t i = 2; i < records.size(); ++i) rules.push_back(decoded<core::Alert>(records[i]).rule_id);
  EXPECT_EQ(rules, (std::vector<std::string>{"vision.new-screening-myopia", "vision.acuity-drop"}));
  const auto later = decoded<core::VisionScreening>(records[0]);
  EXPECT_EQ(later.screening_myopia, true);
  EXPECT_EQ(later.vision_impairment, "moderate");
  EXPECT_EQ(later.rule_version, "vision-screening@1.0.0");

  // The previous screening from the caller (the store): one line only, and already myopic.
  records = {core::to_envelope(screening("vs-3", "2024-05-10", 4.7, -1.0))};
  context.previous_vision = [](const core::VisionScreening&) -> std::optional<core::VisionScreening> {
    core::VisionScreening before = screening("vs-0", "2023-10-10", 4.8, -0.75);
    before.screening_myopia = true;
    return before;
  };
  report = derive_records(records, context);
  EXPECT_EQ(report.alerts, 0U);
  EXPECT_EQ(records.size(), 1U);
}

TEST(DeriveRecords, ABodyThatDoesNotDecodeIsLeftForValidation) {
  core::RecordEnvelope broken;
  broken.kind = "fitness_test";
  broken.body["items"] = "not a list";
  std::vector<core::RecordEnvelope> records = {broken};
  const DeriveReport report = derive_records(records, {shipped(), at("2024-05-20T09:00:00+08:00"), {}, {}});
  EXPECT_EQ(report.derived, 0U);
  EXPECT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].body, broken.body);
}

}  // namespace
}  // namespace kq::derived
