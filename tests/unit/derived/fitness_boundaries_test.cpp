// Every published threshold of the shipped tables, and one recording step either side of it,
// generated from the loaded tables. The expectations are the standard's rule written out
// independently of the scorer: a value exactly at a level's threshold earns that level; one step
// worse earns the next level down (0 below the last); one step better earns the level above when
// its threshold is that step away, else the same level. Where a neighbouring threshold is not in
// the source, the scorer must refuse, never guess.
#include <gtest/gtest.h>

#include <cmath>

#include "gateway/derived/fitness_score.hpp"
#include "tests/unit/derived/derived_test_support.hpp"

namespace kq::derived {
namespace {

using testing::shipped;

struct Expectation {
  double value;
  std::optional<int> score;  // nullopt: must be refused
  std::string what;
};

double worse(const ItemTables& item, double t) { return item.better == Better::higher ? t - item.step : t + item.step; }
double better(const ItemTables& item, double t) { return item.better == Better::higher ? t + item.step : t - item.step; }
bool same(double a, double b, double step) { return std::fabs(a - b) < step * 1e-6; }

std::vector<Expectation> expectations(const FitnessTables& tables, const ItemTables& item, const ScoreTable& table) {
  std::vector<Expectation> out;
  const auto& thr = table.thresholds;
  for (std::size_t i = 0; i < thr.size(); ++i) {
    if (!thr[i]) continue;
    const double t = *thr[i];
    const int level = tables.levels[i];
    out.push_back({t, level, "at the " + std::to_string(level) + "-point threshold"});
    // One step worse.
    std::optional<int> below;
    if (i + 1 == thr.size()) {
      below = 0;
    } else if (thr[i + 1]) {
      below = tables.levels[i + 1];
    }
    out.push_back({worse(item, t), below, "one step worse than the " + std::to_string(level) + "-point threshold"});
    // One step better.
    std::optional<int> above;
    if (i == 0) {
      above = level;
    } else if (thr[i - 1]) {
      above = same(*thr[i - 1], better(item, t), item.step) ? tables.levels[i - 1] : level;
    }
    out.push_back({better(item, t), above, "one step better than the " + std::to_string(level) + "-point threshold"});
  }
  return out;
}

TEST(FitnessBoundaries, EveryItemThresholdAndOneStepEitherSide) {
  const FitnessTables& tables = *shipped().fitness;
  std::size_t checked = 0, refused = 0;
  for (const ItemTables& item : tables.items) {
    if (item.item == FitnessItemCode::bmi) continue;
    for (std::size_t s = 0; s < kSexCount; ++s) {
      for (std::size_t g = 0; g < kGradeCount; ++g) {
        const ScoreTable* table = item.slots[s][g].table;
        if (table == nullptr) continue;
        const auto sex = static_cast<Sex>(s);
        for (const Expectation& e : expectations(tables, item, *table)) {
          SCOPED_TRACE(item.name + " " + std::string(sex_label(sex)) + " grade " + std::string(grade_code(g)) + ", " +
                       format_number(e.value, 3) + " " + item.unit + ", " + e.what);
          const Lookup got = lookup_item(tables, item.item, sex, g, e.value);
          if (e.score) {
            ASSERT_TRUE(got.score.has_value()) << got.reason;
            EXPECT_EQ(*got.score, *e.score);
          } else {
            EXPECT_FALSE(got.score.has_value()) << "scored " << got.score.value_or(-1);
            EXPECT_NE(got.reason.find("lacks the threshold"), std::string::npos) << got.reason;
            ++refused;
          }
          ++checked;
        }
      }
    }
  }
  // The shipped tables hold well over a thousand boundary cases; a loader that silently dropped
  // tables would shrink this.
  EXPECT_GT(checked, 1000U);
  EXPECT_GT(refused, 0U);
}

TEST(FitnessBoundaries, EveryBmiBandEdgeAndOneTenthEitherSide) {
  const FitnessTables& tables = *shipped().fitness;
  std::size_t rows = 0;
  for (std::size_t s = 0; s < kSexCount; ++s) {
    for (std::size_t g = 0; g < kGradeCount; ++g) {
      const BmiBands* row = tables.bmi.slots[s][g];
      if (row == nullptr) continue;
      ++rows;
      const auto sex = static_cast<Sex>(s);
      SCOPED_TRACE(std::string(sex_label(sex)) + " grade " + std::string(grade_code(g)));
      auto expect = [&](int tenths, std::optional<BmiCategory> category) {
        const BmiLookup got = lookup_bmi(tables, sex, g, tenths / 10.0);
        SCOPED_TRACE("BMI " + format_number(tenths / 10.0, 1));
        ASSERT_EQ(got.category.has_value(), category.has_value()) << got.reason;
        if (!category) return;
        EXPECT_EQ(*got.category, *category);
        EXPECT_EQ(got.score, tables.bmi.scores[static_cast<std::size_t>(*category)]);
      };
      expect(row->low_max - 1, BmiCategory::low);
      expect(row->low_max, BmiCategory::low);
      expect(row->low_max + 1, BmiCategory::normal);
      expect(row->normal_max - 1, BmiCategory::normal);
      expect(row->normal_max, BmiCategory::normal);
      if (row->overweight_max) {
        expect(row->normal_max + 1, BmiCategory::overweight);
        expect(*row->overweight_max, BmiCategory::overweight);
        expect(*row->overweight_max + 1, BmiCategory::obese);
      } else {
        expect(row->normal_max + 1, std::nullopt);  // 超重 or 肥胖: the split is not in the source
      }
    }
  }
  EXPECT_EQ(rows, 2 * kGradeCount);  // every grade of both sexes has a row (初中 girls without the split)
}

// Published values, read off the standard's tables by hand (not from the YAML).
TEST(FitnessBoundaries, PublishedBmiBandsAsPrinted) {
  const FitnessTables& tables = *shipped().fitness;
  const std::size_t g1 = *grade_index("11"), univ = *grade_index("43"), h1 = *grade_index("31");
  EXPECT_EQ(*lookup_bmi(tables, Sex::male, g1, 13.4).category, BmiCategory::low);
  EXPECT_EQ(*lookup_bmi(tables, Sex::male, g1, 13.5).category, BmiCategory::normal);
  EXPECT_EQ(*lookup_bmi(tables, Sex::male, g1, 18.1).category, BmiCategory::normal);
  EXPECT_EQ(*lookup_bmi(tables, Sex::male, g1, 18.2).category, BmiCategory::overweight);
  EXPECT_EQ(*lookup_bmi(tables, Sex::male, g1, 20.4).category, BmiCategory::obese);
  EXPECT_EQ(*lookup_bmi(tables, Sex::male, univ, 23.9).category, BmiCategory::normal);
  EXPECT_EQ(*lookup_bmi(tables, Sex::male, univ, 24.0).category, BmiCategory::overweight);
  EXPECT_EQ(*lookup_bmi(tables, Sex::male, univ, 28.0).category, BmiCategory::obese);
  EXPECT_EQ(*lookup_bmi(tables, Sex::female, h1, 25.2).category, BmiCategory::overweight);
  EXPECT_EQ(*lookup_bmi(tables, Sex::female, h1, 25.3).category, BmiCategory::obese);
  EXPECT_EQ(lookup_bmi(tables, Sex::male, univ, 25.0).score, 80);
  EXPECT_EQ(lookup_bmi(tables, Sex::male, univ, 29.0).score, 60);
}

TEST(FitnessBoundaries, ItemAndOverallLevelBands) {
  const FitnessTables& tables = *shipped().fitness;
  // 单项评定: 优秀 90–100, 良好 80–85, 及格 60–78, 不及格 below.
  EXPECT_EQ(tables.level_of(tables.item_levels, 90), "优秀");
  EXPECT_EQ(tables.level_of(tables.item_levels, 85), "良好");
  EXPECT_EQ(tables.level_of(tables.item_levels, 80), "良好");
  EXPECT_EQ(tables.level_of(tables.item_levels, 78), "及格");
  EXPECT_EQ(tables.level_of(tables.item_levels, 60), "及格");
  EXPECT_EQ(tables.level_of(tables.item_levels, 50), "不及格");
  EXPECT_EQ(tables.level_of(tables.item_levels, 0), "不及格");
  // 学年总分: 优秀 ≥ 90.0, 良好 80.0–89.9, 及格 60.0–79.9, 不及格 ≤ 59.9, each edge ± 0.1.
  const std::vector<std::pair<double, std::string>> totals = {
      {120, "优秀"}, {90.1, "优秀"}, {90.0, "优秀"}, {89.9, "良好"}, {80.1, "良好"}, {80.0, "良好"},
      {79.9, "及格"}, {60.1, "及格"}, {60.0, "及格"}, {59.9, "不及格"}, {0, "不及格"}};
  for (const auto& [total, label] : totals) {
    EXPECT_EQ(tables.level_of(tables.overall_levels, total), label) << total;
  }
}

}  // namespace
}  // namespace kq::derived
