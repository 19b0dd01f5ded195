#pragma once
// The score tables of 《国家学生体质健康标准（2014年修订）》 as loaded from
// mappings/codes/school_health/fitness/ (docs/derived-values.md describes the files).
//
// Every (item, sex, grade) the weights need has either a table or a `missing` entry with a
// reason: the loader refuses a table set that leaves one out, so a gap is a decision written
// down, and the scorer refuses to score where a table is missing instead of inventing a score.
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/source_location.hpp"
#include "gateway/derived/derived_common.hpp"

namespace kq::derived {

// The test items of the standard, in the canonical item codes of core::FitnessItem.
enum class FitnessItemCode : std::uint8_t {
  bmi,
  vital_capacity,
  run_50m,
  sit_and_reach,
  rope_skip_1min,
  sit_up_1min,
  shuttle_50x8,
  standing_long_jump,
  pull_up,
  run_800m,
  run_1000m,
};
inline constexpr std::size_t kFitnessItemCount = 11;

std::string_view item_code_name(FitnessItemCode item);
std::optional<FitnessItemCode> parse_item_code(std::string_view name);

enum class Sex : std::uint8_t { male, female };
inline constexpr std::size_t kSexCount = 2;
std::string_view sex_name(Sex sex);                      // "male", "female"
std::string_view sex_label(Sex sex);                     // "boys", "girls" (messages)
std::optional<Sex> sex_from_gb2261(std::string_view code);  // "1" → male, "2" → female

// 年级编号 as the national reporting file writes them: 11–16 primary, 21–23 junior secondary,
// 31–33 senior secondary, 41–44 university. The index is dense, for table slots.
inline constexpr std::size_t kGradeCount = 16;
std::optional<std::size_t> grade_index(std::string_view grade_code);
std::string_view grade_code(std::size_t index);
std::string_view grade_label(std::size_t index);  // "小学一年级", "初一", "大学三年级"

enum class Better : std::uint8_t { higher, lower };

// One row of a published item table: a threshold per score level, in the order of
// FitnessTables::levels (100 first). A level the source does not give is nullopt.
struct ScoreTable {
  std::vector<std::optional<double>> thresholds;
  TableSource source;
};

// Why there is no table for a slot.
struct MissingTable {
  std::string reason;
  config::SourceLocation where;
};

// A table, a reason for its absence, or nothing (the item is not tested in that grade).
struct TableSlot {
  const ScoreTable* table = nullptr;
  const MissingTable* missing = nullptr;
};

struct ItemTables {
  FitnessItemCode item = FitnessItemCode::bmi;
  std::string name;  // 肺活量
  std::string unit;  // ml
  Better better = Better::higher;
  double step = 1;  // the resolution values are recorded in; thresholds lie on it
  std::optional<double> plausible_min, plausible_max;  // outside: refused as a probable entry error
  std::string file;
  std::vector<std::unique_ptr<ScoreTable>> tables;
  std::vector<std::unique_ptr<MissingTable>> missing;
  std::array<std::array<TableSlot, kGradeCount>, kSexCount> slots{};
  bool loaded = false;  // a file for this item was read
};

enum class BmiCategory : std::uint8_t { low, normal, overweight, obese };
inline constexpr std::size_t kBmiCategoryCount = 4;
std::string_view bmi_category_name(BmiCategory category);  // "low", "normal", …

// One row of the BMI table, in tenths of kg/m² (BMI is looked up after rounding to 0.1, so
// integers compare exactly). The row gives the upper end of 低体重 and the bands above it; a
// source that lacks the 超重/肥胖 split leaves it out.
struct BmiBands {
  int low_max = 0;     // 低体重 ≤ low_max
  int normal_max = 0;  // 正常 low_max+1 … normal_max
  std::optional<int> overweight_max;  // 超重 normal_max+1 … overweight_max; 肥胖 above
  TableSource source;
};

struct BmiTables {
  std::array<int, kBmiCategoryCount> scores{};           // 80, 100, 80, 60
  std::array<std::string, kBmiCategoryCount> labels{};   // 低体重, 正常, 超重, 肥胖
  std::vector<std::unique_ptr<BmiBands>> rows;
  std::vector<std::unique_ptr<MissingTable>> missing;
  std::array<std::array<const BmiBands*, kGradeCount>, kSexCount> slots{};
  std::array<std::array<const MissingTable*, kGradeCount>, kSexCount> missing_slots{};
  std::string file;
};

// An item's weight in the standard score, in percent.
struct Weight {
  FitnessItemCode item;
  int percent = 0;
};

struct WeightSet {
  std::vector<Weight> weights;
  TableSource source;
};

// 加分表: the extra performance beyond the item's 100-point threshold that earns 1, 2, … bonus
// points (steps[k] earns k+1 points), in the item's unit.
struct BonusTable {
  FitnessItemCode item;
  std::vector<double> steps;
  TableSource source;
};

struct BonusSlot {
  FitnessItemCode item;
  const BonusTable* table = nullptr;     // or
  const MissingTable* missing = nullptr;
};

// A level band: scores (or totals) from `from` upwards get `label`.
struct LevelBand {
  std::string label;
  double from = 0;
};

struct FitnessTables {
  std::string set;      // "cspfs-2014"
  std::string version;  // "1.0.0"
  std::string title;
  std::string id() const { return rule_id(set, version); }

  std::vector<int> levels;              // 100, 95, … 10
  std::vector<LevelBand> item_levels;   // per item score: 优秀 ≥ 90 …, highest first
  std::vector<LevelBand> overall_levels;  // per 学年总分, highest first
  double bonus_max_total = 20;

  std::array<ItemTables, kFitnessItemCount> items;
  BmiTables bmi;
  std::vector<std::unique_ptr<WeightSet>> weight_sets;
  std::array<std::array<const WeightSet*, kGradeCount>, kSexCount> weights{};
  std::vector<std::unique_ptr<BonusTable>> bonus_tables;
  std::vector<std::unique_ptr<MissingTable>> bonus_missing;
  std::array<std::array<std::vector<BonusSlot>, kGradeCount>, kSexCount> bonus{};

  const ItemTables& item(FitnessItemCode code) const { return items[static_cast<std::size_t>(code)]; }
  // The level band of a score or total (the lowest band when none matches).
  const std::string& level_of(const std::vector<LevelBand>& bands, double value) const;
};

// Loads the table set in `dir` (set.yaml and one file per item). Every problem goes to `errors`
// with its file:line:col; nullptr when there is any.
std::shared_ptr<const FitnessTables> load_fitness_tables(const std::filesystem::path& dir,
                                                         std::vector<config::ConfigError>& errors);

}  // namespace kq::derived
