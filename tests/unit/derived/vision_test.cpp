// Vision: the 5-point ↔ decimal chart of GB/T 11533, spherical equivalent, 视力不良 grades and
// 筛查性近视 at their thresholds and one step either side, myopia degree, ortho-k, age.
#include <gtest/gtest.h>

#include <cmath>

#include "gateway/core/record_validation.hpp"
#include "gateway/derived/vision_rules.hpp"
#include "tests/unit/derived/derived_test_support.hpp"

namespace kq::derived {
namespace {

using testing::on;
using testing::shipped;

// The chart as printed: 5-point line and its decimal label.
const std::vector<std::pair<double, double>> kChart = {
    {4.0, 0.1}, {4.1, 0.12}, {4.2, 0.15}, {4.3, 0.2}, {4.4, 0.25}, {4.5, 0.3}, {4.6, 0.4},
    {4.7, 0.5}, {4.8, 0.6},  {4.9, 0.8},  {5.0, 1.0}, {5.1, 1.2},  {5.2, 1.5}, {5.3, 2.0}};

TEST(VisionChart, DecimalToFivePointAndBackForEveryLine) {
  const VisionRules& rules = *shipped().vision;
  for (const auto& [five, decimal] : kChart) {
    SCOPED_TRACE(format_number(five, 1));
    ASSERT_TRUE(core::five_point_from_decimal(decimal).has_value());
    EXPECT_NEAR(*core::five_point_from_decimal(decimal), five, 1e-9);
    ASSERT_TRUE(rules.decimal_of(five).has_value());
    EXPECT_NEAR(*rules.decimal_of(five), decimal, 1e-9);
  }
  EXPECT_FALSE(rules.decimal_of(3.9).has_value());  // off the chart
  EXPECT_FALSE(rules.decimal_of(5.4).has_value());
  EXPECT_FALSE(core::five_point_from_decimal(0).has_value());
  EXPECT_FALSE(core::five_point_from_decimal(-0.5).has_value());
  EXPECT_FALSE(core::five_point_from_decimal(std::nan("")).has_value());
}

TEST(VisionChart, SphericalEquivalentIsSpherePlusHalfTheCylinder) {
  EXPECT_DOUBLE_EQ(*core::spherical_equivalent(-1.00, -0.50), -1.25);
  EXPECT_DOUBLE_EQ(*core::spherical_equivalent(+0.50, -1.50), -0.25);
  EXPECT_FALSE(core::spherical_equivalent(-1.00, std::nullopt).has_value());
  EXPECT_FALSE(core::spherical_equivalent(std::nullopt, -0.5).has_value());
}

core::EyeExam eye(double ucva, std::optional<double> sphere = std::nullopt, std::optional<double> cylinder = 0.0) {
  core::EyeExam e;
  e.ucva_5pt = ucva;
  e.sphere_ds = sphere;
  if (sphere) e.cylinder_dc = cylinder;
  return e;
}

core::VisionScreening screening(core::EyeExam right, core::EyeExam left) {
  core::VisionScreening s;
  s.id = "vs-1";
  s.person_id = "p-1";
  s.org_id = "school-1";
  s.date = on("2024-05-10");
  s.right_eye = right;
  s.left_eye = left;
  return s;
}

TEST(VisionImpairment, GradeAtEachThresholdAndOneLineEitherSide) {
  const VisionRules& rules = *shipped().vision;
  // 视力不良 < 5.0: 4.9 轻度, 4.6–4.8 中度, ≤ 4.5 重度; the worse eye decides.
  const std::vector<std::pair<double, std::string>> cases = {
      {5.3, "none"}, {5.1, "none"}, {5.0, "none"}, {4.9, "mild"}, {4.8, "moderate"}, {4.7, "moderate"},
      {4.6, "moderate"}, {4.5, "severe"}, {4.4, "severe"}, {4.0, "severe"}};
  for (const auto& [ucva, grade] : cases) {
    const VisionFindings f = assess_vision(rules, screening(eye(5.0, 0.0), eye(ucva, 0.0)), {});
    EXPECT_EQ(f.vision_impairment, grade) << ucva;
  }
}

TEST(ScreeningMyopia, AcuityBelowFiveAndSeAtOrBelowMinusHalf) {
  const VisionRules& rules = *shipped().vision;
  struct Case {
    double ucva;
    double sphere, cylinder;
    std::optional<bool> myopic;
    std::optional<std::string> degree;
  };
  const std::vector<Case> cases = {
      {4.9, -0.50, 0.0, true, "low"},        // SE −0.50: at the threshold
      {4.9, -0.25, -0.25, false, {}},        // SE −0.375: one step above it
      {4.9, -0.50, -0.25, true, "low"},      // SE −0.625
      {5.0, -2.00, 0.0, false, {}},          // acuity at 5.0: not screening myopia whatever the SE
      {4.8, -3.00, 0.0, true, "low"},        // −3.00 is still 低度
      {4.8, -3.00, -0.25, true, "moderate"}, // −3.125
      {4.5, -6.00, 0.0, true, "moderate"},   // −6.00 is still 中度
      {4.5, -6.00, -0.50, true, "high"},     // −6.25
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(format_number(c.ucva, 1) + " " + format_number(c.sphere) + " " + format_number(c.cylinder));
    const VisionFindings f = assess_vision(rules, screening(eye(5.0, 0.0), eye(c.ucva, c.sphere, c.cylinder)), {});
    EXPECT_EQ(f.screening_myopia, c.myopic);
    EXPECT_EQ(f.myopia_degree, c.degree);
  }
}

TEST(ScreeningMyopia, StrictComparisonIsASettingOfTheRuleFile) {
  testing::ScratchRules scratch("strict");
  std::ifstream in(scratch.dir() / "vision.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string from = "se_comparison: at_or_below", to = "se_comparison: below";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), to);
  scratch.write("vision.yaml", text);
  std::vector<config::ConfigError> errors;
  auto rules = load_vision_rules(scratch.dir() / "vision.yaml", errors);
  ASSERT_TRUE(rules) << testing::joined(errors);
  EXPECT_EQ(assess_vision(*rules, screening(eye(5.0, 0.0), eye(4.9, -0.50)), {}).screening_myopia, false);
  EXPECT_EQ(assess_vision(*rules, screening(eye(5.0, 0.0), eye(4.9, -0.75)), {}).screening_myopia, true);
}

TEST(ScreeningMyopia, UndecidedWithoutACylinderAndSaysWhy) {
  core::VisionScreening s = screening(eye(5.0, 0.0), eye(4.8, -1.0));
  s.left_eye->cylinder_dc.reset();
  const VisionFindings f = assess_vision(*shipped().vision, s, {});
  EXPECT_FALSE(f.screening_myopia.has_value());
  ASSERT_FALSE(f.refusals.empty());
  EXPECT_EQ(f.refusals[0].path, "left_eye.se");
  EXPECT_EQ(f.vision_impairment, "moderate");  // acuity alone decides the 视力不良 grade
}

TEST(ScreeningMyopia, OrthoKWearersAreLeftOutOfRates) {
  core::VisionScreening s = screening(eye(4.6, -2.0), eye(4.6, -2.0));
  s.right_eye->correction = "ortho-k";
  s.screening_myopia = true;
  const VisionFindings f = assess_vision(*shipped().vision, s, {});
  EXPECT_EQ(f.rate_exclusion, "ortho-k");
  EXPECT_FALSE(f.screening_myopia.has_value());
  s.myopia_degree = "low";
  const auto warnings = apply_vision(s, f);
  EXPECT_EQ(s.rate_exclusion, "ortho-k");
  // The sender's conclusions are not kept under the gateway's rule, which drew none: the receipt
  // says what was set aside.
  EXPECT_FALSE(s.screening_myopia.has_value());
  EXPECT_FALSE(s.myopia_degree.has_value());
  EXPECT_EQ(s.rule_version, "vision-screening@1.0.0");
  ASSERT_EQ(warnings.size(), 2U);
  EXPECT_EQ(warnings[0], (QualityWarning{"screening_myopia", "screening_myopia", "true", "(none)", "vision-screening@1.0.0"}));
  EXPECT_EQ(warnings[1], (QualityWarning{"myopia_degree", "myopia_degree", "low", "(none)", "vision-screening@1.0.0"}));
}

TEST(ScreeningMyopia, ChildrenBelowTheAgeOfTheDefinitionsGetNoGrade) {
  const core::VisionScreening s = screening(eye(4.8, -1.0), eye(4.8, -1.0));
  const VisionFindings young = assess_vision(*shipped().vision, s, {on("2019-09-01")});  // four on 2024-05-10
  EXPECT_FALSE(young.vision_impairment.has_value());
  EXPECT_FALSE(young.screening_myopia.has_value());
  EXPECT_NE(young.refusals.at(0).reason.find("under 6"), std::string::npos);
  const VisionFindings school_age = assess_vision(*shipped().vision, s, {on("2016-09-01")});
  EXPECT_EQ(school_age.screening_myopia, true);
}

TEST(ApplyVision, WritesTheValuesWithTheRuleAndWarnsOnADifferentSentFlag) {
  core::VisionScreening s = screening(eye(5.0, 0.0), eye(4.8, -1.0, -0.5));
  s.screening_myopia = false;
  s.vision_impairment = "moderate";  // agrees
  const auto warnings = apply_vision(s, assess_vision(*shipped().vision, s, {}));
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0], (QualityWarning{"screening_myopia", "screening_myopia", "false", "true", "vision-screening@1.0.0"}));
  EXPECT_EQ(s.screening_myopia, true);
  EXPECT_EQ(s.myopia_degree, "low");
  EXPECT_EQ(s.vision_impairment, "moderate");
  EXPECT_EQ(s.left_eye->se, -1.25);  // derived from sphere and cylinder and kept
  EXPECT_EQ(s.rule_version, "vision-screening@1.0.0");
  core::ValidationContext context;
  context.today = core::PartialDate::ymd(2024, 6, 1);
  EXPECT_TRUE(core::validate(s, context).empty());
}

}  // namespace
}  // namespace kq::derived
