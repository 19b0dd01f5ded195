#pragma once
// Scoring a FitnessTest by 《国家学生体质健康标准（2014年修订）》 with a loaded table set.
//
// score_fitness() reads the record and computes; apply_fitness() writes the result into the
// record and lists where the sender's own scores disagree. Both are per record, allocate little,
// and keep no state, so a batch can call them from any thread with one shared table set.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/model_school.hpp"
#include "gateway/derived/derived_common.hpp"
#include "gateway/derived/fitness_tables.hpp"

namespace kq::derived {

// Who was tested: the tables are by sex and grade, and a fitness record carries neither (they
// are in the Person and the Enrollment).
struct FitnessSubject {
  std::string sex;    // GB/T 2261.1: "1" male, "2" female
  std::string grade;  // 年级编号: "11" … "44"
};

// The result of one table look-up: a score, or why there is none.
struct Lookup {
  std::optional<int> score;
  std::string reason;
};

// The 就低取档 step look-up of the standard: the highest level whose threshold the value reaches
// (≥ for higher-is-better items, ≤ for timed runs), 0 below the lowest level, no interpolation.
// Refuses when the table is missing, when the value is implausible for the item, and when a level
// the value might reach has no threshold in the source.
Lookup lookup_item(const FitnessTables& tables, FitnessItemCode item, Sex sex, std::size_t grade, double value);

// The BMI band of a BMI already rounded to 0.1, with the band's score.
struct BmiLookup {
  std::optional<BmiCategory> category;
  int score = 0;
  std::string reason;
};
BmiLookup lookup_bmi(const FitnessTables& tables, Sex sex, std::size_t grade, double bmi);

// Bonus points (附加分) for an item's value: nullopt with an empty reason when the item earns no
// bonus in that grade; nullopt with a reason when it might but the 加分表 is missing.
struct BonusLookup {
  std::optional<int> points;
  std::string reason;
};
BonusLookup lookup_bonus(const FitnessTables& tables, FitnessItemCode item, Sex sex, std::size_t grade, double value);

// "3'45\"", "3′45″", "3:45" → 225 seconds: how timed runs are written in school exports.
std::optional<double> parse_minutes_seconds(std::string_view text);

inline constexpr std::size_t kAddedItem = static_cast<std::size_t>(-1);

struct ItemScore {
  std::size_t index = kAddedItem;  // position in FitnessTest::items; kAddedItem for a BMI item to add
  FitnessItemCode item = FitnessItemCode::bmi;
  double value = 0;  // the value looked up (BMI after rounding to 0.1)
  bool value_computed = false;  // BMI computed from height and weight
  int score = 0;
  std::string_view level;  // 优秀 … or the BMI band (正常 …); points into the table set
  std::optional<int> bonus;
};

struct FitnessScore {
  std::string rule;  // "cspfs-2014@1.0.0"
  std::vector<ItemScore> items;
  std::optional<double> standard_score;  // Σ score × weight
  std::optional<double> bonus_score;
  std::optional<double> total_score;     // standard + bonus (学年总分)
  std::string_view overall_level;        // empty when the total is not computed
  std::vector<Refusal> refusals;         // what was not computed, and why
};

FitnessScore score_fitness(const FitnessTables& tables, const core::FitnessTest& test, const FitnessSubject& subject);

// Writes the computed values into the record, each scored item marked computed_by; the test-level
// scores only when all of them were computed. A BMI computed from height and weight is added as
// an item when the record has none. Returns the sent values that disagreed.
std::vector<QualityWarning> apply_fitness(core::FitnessTest& test, const FitnessScore& score);

}  // namespace kq::derived
