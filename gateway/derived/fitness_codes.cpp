// Names of items, sexes, grades and BMI categories, and FitnessTables::level_of.
#include <array>

#include "gateway/derived/fitness_tables.hpp"

namespace kq::derived {

namespace {

constexpr std::array<std::string_view, kFitnessItemCount> kItemNames = {
    "bmi",         "vital_capacity", "run_50m",            "sit_and_reach", "rope_skip_1min", "sit_up_1min",
    "shuttle_50x8", "standing_long_jump", "pull_up", "run_800m",      "run_1000m",
};

struct Grade {
  std::string_view code;
  std::string_view label;
};

constexpr std::array<Grade, kGradeCount> kGrades = {{
    {"11", "小学一年级"}, {"12", "小学二年级"}, {"13", "小学三年级"}, {"14", "小学四年级"},
    {"15", "小学五年级"}, {"16", "小学六年级"}, {"21", "初一"},       {"22", "初二"},
    {"23", "初三"},       {"31", "高一"},       {"32", "高二"},       {"33", "高三"},
    {"41", "大学一年级"}, {"42", "大学二年级"}, {"43", "大学三年级"}, {"44", "大学四年级"},
}};

}  // namespace

std::string_view item_code_name(FitnessItemCode item) { return kItemNames[static_cast<std::size_t>(item)]; }

std::optional<FitnessItemCode> parse_item_code(std::string_view name) {
  for (std::size_t i = 0; i < kItemNames.size(); ++i) {
    if (kItemNames[i] == name) return static_cast<FitnessItemCode>(i);
  }
  return std::nullopt;
}

std::string_view sex_name(Sex sex) { return sex == Sex::male ? "male" : "female"; }
std::string_view sex_label(Sex sex) { return sex == Sex::male ? "boys" : "girls"; }

std::optional<Sex> sex_from_gb2261(std::string_view code) {
  if (code == "1") return Sex::male;
  if (code == "2") return Sex::female;
  return std::nullopt;
}

std::optional<std::size_t> grade_index(std::string_view grade_code) {
  for (std::size_t i = 0; i < kGrades.size(); ++i) {
    if (kGrades[i].code == grade_code) return i;
  }
  return std::nullopt;
}

std::string_view grade_code(std::size_t index) { return index < kGrades.size() ? kGrades[index].code : ""; }
std::string_view grade_label(std::size_t index) { return index < kGrades.size() ? kGrades[index].label : ""; }

std::string_view bmi_category_name(BmiCategory category) {
  switch (category) {
    case BmiCategory::low: return "low";
    case BmiCategory::normal: return "normal";
    case BmiCategory::overweight: return "overweight";
    case BmiCategory::obese: return "obese";
  }
  return "normal";
}

const std::string& FitnessTables::level_of(const std::vector<LevelBand>& bands, double value) const {
  for (const LevelBand& band : bands) {
    if (value >= band.from - 1e-9) return band.label;
  }
  return bands.back().label;  // the loader requires a band from 0, so this is the lowest one
}

}  // namespace kq::derived
