// The table look-ups: item score, BMI band, bonus points.
#include <cmath>

#include "gateway/derived/fitness_score.hpp"

namespace kq::derived {

namespace {

std::string where(Sex sex, std::size_t grade) {
  return std::string(sex_label(sex)) + " grade " + std::string(grade_code(grade));
}

// Values compare against thresholds that lie on the item's grid; the tolerance absorbs binary
// noise in a value computed upstream (3.45 min × 60), never a real step.
bool reaches(const ItemTables& item, double value, double threshold) {
  const double eps = item.step * 1e-6;
  return item.better == Better::higher ? value >= threshold - eps : value <= threshold + eps;
}

std::string with_unit(double value, const ItemTables& item) {
  return format_number(value, 3) + (item.unit.empty() ? "" : " " + item.unit);
}

}  // namespace

Lookup lookup_item(const FitnessTables& tables, FitnessItemCode code, Sex sex, std::size_t grade, double value) {
  const ItemTables& item = tables.item(code);
  const TableSlot& slot = item.slots[static_cast<std::size_t>(sex)][grade];
  if (slot.table == nullptr) {
    if (slot.missing != nullptr) {
      return {std::nullopt, "no score table for " + where(sex, grade) + " in " + tables.id() + ": " + slot.missing->reason};
    }
    return {std::nullopt, std::string(item_code_name(code)) + " is not a test item for " + where(sex, grade)};
  }
  if (!std::isfinite(value) || (item.plausible_min && value < *item.plausible_min) ||
      (item.plausible_max && value > *item.plausible_max)) {
    return {std::nullopt, with_unit(value, item) + " is outside the plausible range " +
                              format_number(item.plausible_min.value_or(0), 3) + "–" +
                              format_number(item.plausible_max.value_or(0), 3) + " for " + item.name +
                              ": probably an entry or unit error"};
  }
  const std::vector<std::optional<double>>& thresholds = slot.table->thresholds;
  for (std::size_t i = 0; i < thresholds.size(); ++i) {
    if (thresholds[i]) {
      if (reaches(item, value, *thresholds[i])) return {tables.levels[i], {}};
      continue;
    }
    // A level the source lacks. Thresholds are ordered, so a value that does not reach the next
    // known one cannot reach this one either; otherwise it might, and only the table can say.
    std::size_t next = i + 1;
    while (next < thresholds.size() && !thresholds[next]) ++next;
    if (next == thresholds.size() || reaches(item, value, *thresholds[next])) {
      // The loader keeps thresholds strictly ordered on the item's grid, so the unknown one lies
      // at least a step beyond the next known one: a value short of that step cannot reach it.
      if (next < thresholds.size()) {
        const double step_beyond = *thresholds[next] + (item.better == Better::higher ? item.step : -item.step);
        if (!reaches(item, value, step_beyond)) return {tables.levels[next], {}};
      }
      return {std::nullopt, "the table for " + where(sex, grade) + " lacks the threshold of the " +
                                std::to_string(tables.levels[i]) + "-point level, which " + with_unit(value, item) +
                                " may reach"};
    }
    i = next;  // not reached either: go on below it
  }
  return {0, {}};  // below the lowest level
}

BmiLookup lookup_bmi(const FitnessTables& tables, Sex sex, std::size_t grade, double bmi) {
  const auto s = static_cast<std::size_t>(sex);
  const BmiBands* row = tables.bmi.slots[s][grade];
  if (row == nullptr) {
    const MissingTable* missing = tables.bmi.missing_slots[s][grade];
    return {std::nullopt, 0,
            "no BMI bands for " + where(sex, grade) + " in " + tables.id() +
                (missing != nullptr ? ": " + missing->reason : std::string())};
  }
  const long tenths = std::lround(bmi * 10);
  BmiCategory category;
  if (tenths <= row->low_max) {
    category = BmiCategory::low;
  } else if (tenths <= row->normal_max) {
    category = BmiCategory::normal;
  } else if (!row->overweight_max) {
    return {std::nullopt, 0,
            "BMI " + format_number(bmi, 1) + " is above the 正常 band (≤ " + format_number(row->normal_max / 10.0, 1) +
                ") and the table for " + where(sex, grade) + " lacks the 超重/肥胖 split"};
  } else {
    category = tenths <= *row->overweight_max ? BmiCategory::overweight : BmiCategory::obese;
  }
  return {category, tables.bmi.scores[static_cast<std::size_t>(category)], {}};
}

BonusLookup lookup_bonus(const FitnessTables& tables, FitnessItemCode code, Sex sex, std::size_t grade, double value) {
  const BonusSlot* slot = nullptr;
  for (const BonusSlot& each : tables.bonus[static_cast<std::size_t>(sex)][grade]) {
    if (each.item == code) slot = &each;
  }
  if (slot == nullptr) return {};
  const ItemTables& item = tables.item(code);
  const ScoreTable* table = item.slots[static_cast<std::size_t>(sex)][grade].table;
  if (table == nullptr || !table->thresholds.front()) {
    return {std::nullopt, "the bonus starts above the 100-point threshold, which the tables lack for " + where(sex, grade)};
  }
  const double top = *table->thresholds.front();
  const double extra = item.better == Better::higher ? value - top : top - value;
  const double eps = item.step * 1e-6;
  if (extra <= eps) return {0, {}};  // at or below the 100-point threshold: never a bonus
  if (slot->table == nullptr) {
    return {std::nullopt, with_unit(value, item) + " is beyond the 100-point threshold, and the 加分表 for " +
                              where(sex, grade) + " is missing: " + slot->missing->reason};
  }
  int points = 0;
  for (double step : slot->table->steps) {
    if (extra + eps >= step) ++points;
  }
  return {points, {}};
}

std::optional<double> parse_minutes_seconds(std::string_view text) {
  // Minutes, a separator (' ′ : or the full-width ＇), seconds, an optional closing mark.
  std::size_t i = 0;
  auto digits = [&](int& out) {
    const std::size_t start = i;
    out = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) out = out * 10 + (text[i++] - '0');
    return i > start;
  };
  int minutes = 0, seconds = 0;
  if (!digits(minutes)) return std::nullopt;
  for (std::string_view mark : {"'", ":", "\xE2\x80\xB2" /* ′ */, "\xEF\xBC\x87" /* ＇ */}) {
    if (text.substr(i, mark.size()) == mark) {
      i += mark.size();
      const std::size_t start = i;
      if (!digits(seconds) || i - start != 2 || seconds >= 60) return std::nullopt;
      const std::string_view rest = text.substr(i);
      if (rest.empty() || rest == "\"" || rest == "\xE2\x80\xB3" /* ″ */ || rest == "''") {
        return minutes * 60.0 + seconds;
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace kq::derived
