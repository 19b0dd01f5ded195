// Whole fitness tests scored against the shipped tables: worked examples computed by hand from
// the standard's tables and weights, what is refused and why, and the sender's own scores
// compared instead of silently overwritten.
#include <gtest/gtest.h>

#include "gateway/core/record_validation.hpp"
#include "gateway/derived/fitness_score.hpp"
#include "tests/unit/derived/derived_test_support.hpp"

namespace kq::derived {
namespace {

using testing::measured;
using testing::shipped;

const FitnessSubject kBoyGrade1{"1", "11"};

// 小学一年级 boy: 120 cm, 22 kg (BMI 15.28 → 15.3, 正常 100), 肺活量 1300 ml (80), 50米跑 10.8 s
// (78), 坐位体前屈 11.0 cm (80), 1分钟跳绳 113 (100, and 4 beyond the 100-point 109: +2).
// 标准分 = 100×15% + 80×15% + 78×20% + 80×30% + 100×20% = 86.6; 学年总分 88.6 → 良好.
core::FitnessTest grade1_boy() {
  core::FitnessTest test;
  test.id = "ft-1";
  test.person_id = "p-1";
  test.org_id = "school-1";
  test.items = {measured("height", 120), measured("weight", 22), measured("vital_capacity", 1300),
                measured("run_50m", 10.8), measured("sit_and_reach", 11.0), measured("rope_skip_1min", 113)};
  return test;
}

const ItemScore* find(const FitnessScore& score, FitnessItemCode code) {
  for (const ItemScore& s : score.items) {
    if (s.item == code) return &s;
  }
  return nullptr;
}

TEST(FitnessScore, WorkedExampleGrade1Boy) {
  const FitnessScore score = score_fitness(*shipped().fitness, grade1_boy(), kBoyGrade1);
  EXPECT_TRUE(score.refusals.empty()) << score.refusals.front().path << ": " << score.refusals.front().reason;
  EXPECT_EQ(score.rule, "cspfs-2014@1.0.0");
  ASSERT_NE(find(score, FitnessItemCode::bmi), nullptr);
  EXPECT_DOUBLE_EQ(find(score, FitnessItemCode::bmi)->value, 15.3);
  EXPECT_EQ(find(score, FitnessItemCode::bmi)->score, 100);
  EXPECT_EQ(find(score, FitnessItemCode::bmi)->level, "正常");
  EXPECT_EQ(find(score, FitnessItemCode::vital_capacity)->score, 80);
  EXPECT_EQ(find(score, FitnessItemCode::run_50m)->score, 78);
  EXPECT_EQ(find(score, FitnessItemCode::run_50m)->level, "及格");
  EXPECT_EQ(find(score, FitnessItemCode::sit_and_reach)->score, 80);
  EXPECT_EQ(find(score, FitnessItemCode::rope_skip_1min)->score, 100);
  EXPECT_EQ(find(score, FitnessItemCode::rope_skip_1min)->bonus, 2);
  EXPECT_DOUBLE_EQ(*score.standard_score, 86.6);
  EXPECT_DOUBLE_EQ(*score.bonus_score, 2);
  EXPECT_DOUBLE_EQ(*score.total_score, 88.6);
  EXPECT_EQ(score.overall_level, "良好");
}

TEST(FitnessScore, AppliedScoresNameTheRuleAndAddTheComputedBmi) {
  core::FitnessTest test = grade1_boy();
  const auto warnings = apply_fitness(test, score_fitness(*shipped().fitness, test, kBoyGrade1));
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(test.computed_by, "cspfs-2014@1.0.0");
  EXPECT_EQ(test.total_score, 88.6);
  EXPECT_EQ(test.overall_level, "良好");
  ASSERT_EQ(test.items.size(), 7U);
  const core::FitnessItem& bmi = test.items.back();
  EXPECT_EQ(bmi.item_code, "bmi");
  EXPECT_EQ(bmi.raw_value, 15.3);
  EXPECT_EQ(bmi.score, 100);
  EXPECT_EQ(bmi.computed_by, "cspfs-2014@1.0.0");
  EXPECT_FALSE(test.items[0].computed_by.has_value());  // height is measured, not scored
  EXPECT_EQ(test.items[2].computed_by, "cspfs-2014@1.0.0");
  // The record with its derived values still passes validation.
  core::ValidationContext context;
  context.today = core::PartialDate::ymd(2024, 6, 1);
  EXPECT_TRUE(core::validate(test, context).empty());
}

TEST(FitnessScore, SentScoresThatDisagreeBecomeWarningsNotSilentOverwrites) {
  core::FitnessTest test = grade1_boy();
  test.items[2].score = 85;  // 肺活量 1300 is 80 points
  test.items[2].level = "良好";
  test.items[3].score = 78;  // agrees
  test.total_score = 88.6;   // agrees
  test.standard_score = 86.55;  // within the sender's rounding to 0.1: not a mismatch
  test.overall_level = "优秀";
  const auto warnings = apply_fitness(test, score_fitness(*shipped().fitness, test, kBoyGrade1));
  ASSERT_EQ(warnings.size(), 2U);
  EXPECT_EQ(warnings[0], (QualityWarning{"items[2].score", "vital_capacity", "85", "80", "cspfs-2014@1.0.0"}));
  EXPECT_EQ(warnings[1], (QualityWarning{"overall_level", "overall_level", "优秀", "良好", "cspfs-2014@1.0.0"}));
  EXPECT_EQ(test.items[2].score, 80);
  EXPECT_EQ(test.items[2].level, "良好");
  EXPECT_EQ(test.overall_level, "良好");
}

TEST(FitnessScore, MissingTableIsRefusedWithItsReasonAndTheSentTotalIsKept) {
  core::FitnessTest test;
  test.person_id = "p-2";
  test.items = {measured("height", 160), measured("weight", 50), measured("vital_capacity", 3000),
                measured("run_50m", 8.0)};
  test.total_score = 77;
  test.computed_by = "someone-else";
  const FitnessScore score = score_fitness(*shipped().fitness, test, {"1", "21"});  // 初一 boy
  ASSERT_FALSE(score.refusals.empty());
  EXPECT_EQ(score.refusals[0].path, "items[2]");
  EXPECT_NE(score.refusals[0].reason.find("no score table for boys grade 21"), std::string::npos)
      << score.refusals[0].reason;
  EXPECT_NE(score.refusals[0].reason.find("not yet transcribed"), std::string::npos);
  EXPECT_FALSE(score.standard_score.has_value());
  EXPECT_EQ(score.refusals.back().path, "standard_score");
  // BMI still scores (the 初一 boys' bands are published): 50 / 1.6² = 19.5, 正常.
  ASSERT_NE(find(score, FitnessItemCode::bmi), nullptr);
  EXPECT_EQ(find(score, FitnessItemCode::bmi)->level, "正常");
  apply_fitness(test, score);
  EXPECT_EQ(test.total_score, 77);  // as sent
  EXPECT_FALSE(test.computed_by.has_value());  // and not marked as the gateway's
  EXPECT_FALSE(test.items[2].computed_by.has_value());
}

TEST(FitnessScore, BmiIsRoundedToOneDecimalBeforeTheLookup) {
  // 大学 boys: 正常 ≤ 23.9, 超重 from 24.0. 150 cm: 53.865 kg is 23.94 → 23.9; 53.8875 kg is 23.95 → 24.0.
  const FitnessSubject univ_boy{"1", "41"};
  core::FitnessTest below;
  below.items = {measured("height", 150), measured("weight", 53.865)};
  const ItemScore* b = find(score_fitness(*shipped().fitness, below, univ_boy), FitnessItemCode::bmi);
  ASSERT_NE(b, nullptr);
  EXPECT_DOUBLE_EQ(b->value, 23.9);
  EXPECT_EQ(b->level, "正常");
  core::FitnessTest above;
  above.items = {measured("height", 150), measured("weight", 53.8875)};
  const FitnessScore s = score_fitness(*shipped().fitness, above, univ_boy);
  ASSERT_NE(find(s, FitnessItemCode::bmi), nullptr);
  EXPECT_DOUBLE_EQ(find(s, FitnessItemCode::bmi)->value, 24.0);
  EXPECT_EQ(find(s, FitnessItemCode::bmi)->level, "超重");
  EXPECT_EQ(find(s, FitnessItemCode::bmi)->score, 80);
}

TEST(FitnessScore, GirlsJuniorSecondaryBmiAboveNormalIsRefusedNotGuessed) {
  core::FitnessTest test;
  test.items = {measured("bmi", 24.0)};
  const FitnessScore score = score_fitness(*shipped().fitness, test, {"2", "22"});
  EXPECT_EQ(find(score, FitnessItemCode::bmi), nullptr);
  ASSERT_FALSE(score.refusals.empty());
  EXPECT_NE(score.refusals[0].reason.find("超重/肥胖"), std::string::npos) << score.refusals[0].reason;
  // Within 正常 it scores.
  test.items = {measured("bmi", 20.0)};
  ASSERT_NE(find(score_fitness(*shipped().fitness, test, {"2", "22"}), FitnessItemCode::bmi), nullptr);
}

TEST(FitnessScore, ImplausibleValuesUnknownSubjectsAndExemptionsAreRefused) {
  core::FitnessTest test = grade1_boy();
  test.items[2].raw_value = 130000;  // 肺活量 in the wrong unit
  FitnessScore score = score_fitness(*shipped().fitness, test, kBoyGrade1);
  ASSERT_FALSE(score.refusals.empty());
  EXPECT_EQ(score.refusals[0].path, "items[2]");
  EXPECT_NE(score.refusals[0].reason.find("plausible"), std::string::npos);
  EXPECT_FALSE(score.total_score.has_value());

  score = score_fitness(*shipped().fitness, grade1_boy(), {"9", "11"});
  ASSERT_EQ(score.refusals.size(), 1U);
  EXPECT_NE(score.refusals[0].reason.find("sex '9'"), std::string::npos);
  score = score_fitness(*shipped().fitness, grade1_boy(), {"1", "17"});
  EXPECT_NE(score.refusals.at(0).reason.find("grade '17'"), std::string::npos);

  test = grade1_boy();
  test.exempt = true;
  score = score_fitness(*shipped().fitness, test, kBoyGrade1);
  EXPECT_TRUE(score.items.empty());
  EXPECT_NE(score.refusals.at(0).reason.find("exempt"), std::string::npos);
}

TEST(FitnessScore, ItemsNotTestedInTheGradeAndNonMeasuredStatusesAreNotScored) {
  core::FitnessTest test = grade1_boy();
  test.items.push_back(measured("pull_up", 5));  // not an item for 小学
  test.items[3].status = "absent";
  const FitnessScore score = score_fitness(*shipped().fitness, test, kBoyGrade1);
  EXPECT_EQ(find(score, FitnessItemCode::pull_up), nullptr);
  EXPECT_EQ(find(score, FitnessItemCode::run_50m), nullptr);
  bool pull_up_refused = false;
  for (const Refusal& r : score.refusals) pull_up_refused |= r.path == "items[6]";
  EXPECT_TRUE(pull_up_refused);
  EXPECT_FALSE(score.standard_score.has_value());  // 50米跑 is weighted and was absent
}

TEST(FitnessScore, TimedRunsWrittenAsMinutesAndSeconds) {
  EXPECT_EQ(parse_minutes_seconds("3'45\""), 225);
  EXPECT_EQ(parse_minutes_seconds("3:45"), 225);
  EXPECT_EQ(parse_minutes_seconds("1\xE2\x80\xB2" "36\xE2\x80\xB3"), 96);  // 1′36″
  EXPECT_EQ(parse_minutes_seconds("0'59"), 59);
  EXPECT_FALSE(parse_minutes_seconds("3'75\"").has_value());
  EXPECT_FALSE(parse_minutes_seconds("3'5").has_value());
  EXPECT_FALSE(parse_minutes_seconds("345").has_value());
  EXPECT_FALSE(parse_minutes_seconds("").has_value());
}

}  // namespace
}  // namespace kq::derived
