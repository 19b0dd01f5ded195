// 预警: each shipped alert rule firing at its threshold and staying silent one step short of it,
// with the rule id and version and the values that triggered it in the Alert record.
#include <gtest/gtest.h>

#include "gateway/core/record_validation.hpp"
#include "gateway/derived/alert_rules.hpp"
#include "tests/unit/derived/derived_test_support.hpp"

namespace kq::derived {
namespace {

using testing::at;
using testing::on;
using testing::shipped;

const core::DateTime kNow = at("2024-05-20T09:00:00+08:00");

core::VisionScreening screened(const char* id, const char* date, double right, double left,
                               std::optional<bool> myopic = false) {
  core::VisionScreening s;
  s.id = id;
  s.person_id = "p-1";
  s.org_id = "school-1";
  s.date = on(date);
  s.right_eye = core::EyeExam{};
  s.right_eye->ucva_5pt = right;
  s.left_eye = core::EyeExam{};
  s.left_eye->ucva_5pt = left;
  s.screening_myopia = myopic;
  s.rule_version = "vision-screening@1.0.0";
  return s;
}

std::string value_of(const core::Alert& alert, const std::string& name) {
  for (const auto& v : alert.values) {
    if (v.name == name) return v.value;
  }
  return "(absent)";
}

void expect_valid(const core::Alert& alert) {
  core::ValidationContext context;
  context.today = core::PartialDate::ymd(2024, 6, 1);
  EXPECT_TRUE(core::validate(alert, context).empty());
}

TEST(AcuityDropAlert, TwoLinesFireOneLineDoesNot) {
  const AlertRules& rules = *shipped().alerts;
  const core::VisionScreening before = screened("vs-0", "2023-10-10", 5.0, 4.9);
  // Right eye 5.0 → 4.8: two lines.
  auto alerts = vision_alerts(rules, screened("vs-1", "2024-05-10", 4.8, 4.9), &before, kNow);
  ASSERT_EQ(alerts.size(), 1U);
  const core::Alert& a = alerts[0];
  EXPECT_EQ(a.rule_id, "vision.acuity-drop");
  EXPECT_EQ(a.rule_version, "school-health-alerts@1.0.0");
  EXPECT_EQ(a.severity, "warning");
  EXPECT_EQ(a.category, "vision");
  EXPECT_EQ(a.person_id, "p-1");
  EXPECT_EQ(a.org_id, "school-1");
  EXPECT_EQ(a.source_ids, std::vector<std::string>{"vs-1"});
  EXPECT_EQ(value_of(a, "right_eye.ucva_5pt"), "4.8");
  EXPECT_EQ(value_of(a, "previous.right_eye.ucva_5pt"), "5.0");
  EXPECT_EQ(value_of(a, "previous.date"), "2023-10-10");
  EXPECT_EQ(value_of(a, "left_eye.ucva_5pt"), "(absent)");  // the left eye did not drop
  EXPECT_EQ(a.observed_on, on("2024-05-10"));
  EXPECT_EQ(a.raised_at, kNow);
  expect_valid(a);
  // One line (5.0 → 4.9) and an improvement: nothing.
  EXPECT_TRUE(vision_alerts(rules, screened("vs-1", "2024-05-10", 4.9, 5.0), &before, kNow).empty());
  // Three lines: fires as well.
  EXPECT_EQ(vision_alerts(rules, screened("vs-1", "2024-05-10", 5.0, 4.6), &before, kNow).size(), 1U);
}

TEST(AcuityDropAlert, NeedsAnEarlierScreening) {
  const AlertRules& rules = *shipped().alerts;
  const core::VisionScreening current = screened("vs-1", "2024-05-10", 4.5, 4.5);
  EXPECT_TRUE(vision_alerts(rules, current, nullptr, kNow).empty());
  const core::VisionScreening same_day = screened("vs-0", "2024-05-10", 5.0, 5.0);
  EXPECT_TRUE(vision_alerts(rules, current, &same_day, kNow).empty());
  const core::VisionScreening later = screened("vs-2", "2024-06-10", 5.0, 5.0);
  EXPECT_TRUE(vision_alerts(rules, current, &later, kNow).empty());
}

TEST(NewScreeningMyopiaAlert, FiresOnTheChangeOnly) {
  const AlertRules& rules = *shipped().alerts;
  const core::VisionScreening was_not = screened("vs-0", "2023-10-10", 4.9, 4.9, false);
  const core::VisionScreening was = screened("vs-0", "2023-10-10", 4.9, 4.9, true);
  core::VisionScreening now = screened("vs-1", "2024-05-10", 4.9, 4.9, true);
  now.myopia_degree = "low";
  auto alerts = vision_alerts(rules, now, &was_not, kNow);
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].rule_id, "vision.new-screening-myopia");
  EXPECT_EQ(value_of(alerts[0], "myopia_degree"), "low");
  EXPECT_EQ(value_of(alerts[0], "previous.screening_myopia"), "false");
  EXPECT_TRUE(vision_alerts(rules, now, &was, kNow).empty());
  // The first screening on record: the shipped rule raises (first_screening: raise).
  EXPECT_EQ(vision_alerts(rules, now, nullptr, kNow).size(), 1U);
  // Not myopic now: nothing.
  EXPECT_TRUE(vision_alerts(rules, screened("vs-1", "2024-05-10", 4.9, 4.9, false), &was_not, kNow).empty());
}

TEST(NewScreeningMyopiaAlert, OrthoKWearersRaiseNoVisionAlert) {
  core::VisionScreening now = screened("vs-1", "2024-05-10", 4.3, 4.3, true);
  now.rate_exclusion = "ortho-k";
  const core::VisionScreening before = screened("vs-0", "2023-10-10", 5.0, 5.0, false);
  EXPECT_TRUE(vision_alerts(*shipped().alerts, now, &before, kNow).empty());
}

TEST(AlertIds, AreStablePerRuleAndRecord) {
  const AlertRules& rules = *shipped().alerts;
  const core::VisionScreening before = screened("vs-0", "2023-10-10", 5.0, 5.0, false);
  const core::VisionScreening now = screened("vs-1", "2024-05-10", 4.7, 4.7, true);
  const auto first = vision_alerts(rules, now, &before, kNow);
  const auto again = vision_alerts(rules, now, &before, at("2024-05-21T09:00:00+08:00"));
  ASSERT_EQ(first.size(), 2U);  // new myopia and a three-line drop
  EXPECT_FALSE(first[0].id.empty());
  EXPECT_NE(first[0].id, first[1].id);
  EXPECT_EQ(first[0].id, again[0].id);  // reprocessing updates the alert, it does not add one
  EXPECT_EQ(first[1].id, again[1].id);
}

core::FitnessTest fitness(const char* bmi_level, const char* overall) {
  core::FitnessTest t;
  t.id = "ft-1";
  t.person_id = "p-1";
  t.org_id = "school-1";
  t.test_date = on("2024-04-01");
  core::FitnessItem bmi = testing::measured("bmi", 21.0);
  bmi.level = bmi_level;
  bmi.computed_by = "cspfs-2014@1.0.0";
  t.items.push_back(bmi);
  t.total_score = 55.5;
  t.overall_level = overall;
  t.computed_by = "cspfs-2014@1.0.0";
  return t;
}

TEST(FitnessAlerts, ObesityAndAFailingGrade) {
  const AlertRules& rules = *shipped().alerts;
  auto alerts = fitness_alerts(rules, fitness("肥胖", "不及格"), kNow);
  ASSERT_EQ(alerts.size(), 2U);
  EXPECT_EQ(alerts[0].rule_id, "fitness.obesity");
  EXPECT_EQ(value_of(alerts[0], "bmi"), "21");
  EXPECT_EQ(value_of(alerts[0], "bmi.level"), "肥胖");
  EXPECT_EQ(alerts[1].rule_id, "fitness.failing");
  EXPECT_EQ(alerts[1].severity, "info");
  EXPECT_EQ(value_of(alerts[1], "total_score"), "55.5");
  EXPECT_EQ(value_of(alerts[1], "computed_by"), "cspfs-2014@1.0.0");
  expect_valid(alerts[0]);
  // 超重 and 及格 are one band short of each rule.
  EXPECT_TRUE(fitness_alerts(rules, fitness("超重", "及格"), kNow).empty());
}

core::MentalHealthScreening phq9(double total, bool item9 = false) {
  core::MentalHealthScreening s;
  s.id = "mh-1";
  s.person_id = "p-1";
  s.org_id = "school-1";
  s.instrument.code = "PHQ-9";
  s.administered_at = at("2024-05-10T10:00:00+08:00");
  s.total_score = total;
  s.item9_selfharm_positive = item9;
  return s;
}

std::vector<core::Alert> mental_alerts(const core::MentalHealthScreening& s) {
  const MentalHealthRules& rules = *shipped().mental_health;
  return mental_health_alerts(*shipped().alerts, s, assess_mental_health(rules, s), kNow);
}

TEST(MentalHealthAlerts, PositiveAtTheCutOffNotOneBelow) {
  auto alerts = mental_alerts(phq9(10));
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].rule_id, "mental-health.positive");
  EXPECT_EQ(alerts[0].severity, "urgent");
  EXPECT_EQ(alerts[0].category, "mental_health");
  EXPECT_EQ(value_of(alerts[0], "rule"), "phq9.total");
  EXPECT_EQ(value_of(alerts[0], "total_score"), "10");
  EXPECT_EQ(value_of(alerts[0], "mental_health_rules"), "mental-health-screening@1.0.0");
  EXPECT_EQ(alerts[0].observed_on, on("2024-05-10"));
  expect_valid(alerts[0]);
  EXPECT_TRUE(mental_alerts(phq9(9)).empty());
}

TEST(MentalHealthAlerts, SelfHarmItemRaisesItsOwnAlertEvenWhenInvalid) {
  core::MentalHealthScreening s = phq9(3, true);
  s.valid = false;
  auto alerts = mental_alerts(s);
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].rule_id, "mental-health.self-harm");
  EXPECT_EQ(value_of(alerts[0], "item9_selfharm_positive"), "true");
}

TEST(MentalHealthAlerts, SendersOwnPositiveLevelCounts) {
  core::MentalHealthScreening s = phq9(4);
  s.instrument.code = "MHT";
  s.flags.push_back({"重点", {"school interview"}, std::nullopt, std::nullopt});
  auto alerts = mental_alerts(s);
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(value_of(alerts[0], "rule"), "sender-level");
  s.flags[0].level = "一般关注";
  EXPECT_TRUE(mental_alerts(s).empty());
}

TEST(AlertRulesFile, DisabledRulesStaySilentAndBadRulesAreReportedWithTheirPlace) {
  testing::ScratchRules scratch("alerts");
  scratch.write("alerts.yaml",
                "set: school-health-alerts\nversion: 2.0.0\nrules:\n"
                "  - {id: fitness.obesity, kind: bmi_category, severity: warning, levels: [肥胖], enabled: false}\n");
  std::vector<config::ConfigError> errors;
  auto rules = load_alert_rules(scratch.dir() / "alerts.yaml", errors);
  ASSERT_TRUE(rules) << testing::joined(errors);
  EXPECT_EQ(rules->id(), "school-health-alerts@2.0.0");
  EXPECT_TRUE(fitness_alerts(*rules, fitness("肥胖", "良好"), kNow).empty());

  scratch.write("alerts.yaml",
                "set: school-health-alerts\nversion: 2.0.0\nrules:\n"
                "  - {id: a, kind: acuity_drop, severity: loud, lines: 2}\n"
                "  - {id: b, kind: no_such_kind, severity: info}\n");
  errors.clear();
  EXPECT_FALSE(load_alert_rules(scratch.dir() / "alerts.yaml", errors));
  ASSERT_EQ(errors.size(), 2U) << testing::joined(errors);
  EXPECT_EQ(errors[0].where.line, 4);
  EXPECT_NE(errors[0].message.find("loud"), std::string::npos);
  EXPECT_EQ(errors[1].where.line, 5);
  EXPECT_NE(errors[1].where.file.find("alerts.yaml"), std::string::npos);
}

}  // namespace
}  // namespace kq::derived
