// score_fitness: item scores, BMI, standard score, bonus, total and overall level of one test.
#include <algorithm>
#include <cmath>

#include "gateway/core/record_validation.hpp"
#include "gateway/derived/fitness_score.hpp"

namespace kq::derived {

namespace {

std::string item_path(std::size_t index) { return "items[" + std::to_string(index) + "]"; }

bool is_timed(FitnessItemCode item) {
  return item == FitnessItemCode::run_800m || item == FitnessItemCode::run_1000m ||
         item == FitnessItemCode::shuttle_50x8;
}

// The value to look up for a non-BMI item: raw_value, or for the timed runs the m'ss" text.
std::optional<double> item_value(const core::FitnessItem& item, FitnessItemCode code) {
  if (item.raw_value) return item.raw_value;
  if (item.raw_text && is_timed(code)) return parse_minutes_seconds(*item.raw_text);
  return std::nullopt;
}

// Half up at the first decimal, as core::bmi rounds: the standard reports BMI to 0.1 and the
// bands meet at 0.1 steps, so 23.94 must be 23.9 before the look-up, never "between" bands.
double round_bmi(double value) { return std::floor(value * 10 + 0.5 + 1e-9) / 10; }

struct Measurements {
  std::optional<double> height_cm, weight_kg;
};

Measurements measurements_of(const core::FitnessTest& test) {
  Measurements m;
  for (const core::FitnessItem& item : test.items) {
    if (item.item_code == "height") m.height_cm = item.raw_value;
    if (item.item_code == "weight") m.weight_kg = item.raw_value;
  }
  return m;
}

class Scorer {
 public:
  Scorer(const FitnessTables& tables, const core::FitnessTest& test, Sex sex, std::size_t grade, FitnessScore& out)
      : t_(tables), test_(test), sex_(sex), grade_(grade), out_(out) {}

  void run();

 private:
  void refuse(std::string path, std::string reason) { out_.refusals.push_back({std::move(path), std::move(reason)}); }
  bool weighted(FitnessItemCode item) const;
  void score_item(std::size_t index, FitnessItemCode code);
  void score_bmi(std::size_t index, const core::FitnessItem* sent);
  void totals();

  const FitnessTables& t_;
  const core::FitnessTest& test_;
  Sex sex_;
  std::size_t grade_;
  FitnessScore& out_;
  std::array<bool, kFitnessItemCount> seen_{};
  std::array<bool, kFitnessItemCount> bonus_refused_{};
};

bool Scorer::weighted(FitnessItemCode item) const {
  const WeightSet* weights = t_.weights[static_cast<std::size_t>(sex_)][grade_];
  return std::any_of(weights->weights.begin(), weights->weights.end(),
                     [&](const Weight& w) { return w.item == item; });
}

void Scorer::run() {
  for (std::size_t i = 0; i < test_.items.size(); ++i) {
    const core::FitnessItem& item = test_.items[i];
    if (item.item_code == "height" || item.item_code == "weight") continue;  // measured, not scored
    const auto code = parse_item_code(item.item_code);
    if (!code) {
      refuse(item_path(i), "'" + item.item_code + "' is not an item of " + t_.id());
      continue;
    }
    const auto slot = static_cast<std::size_t>(*code);
    if (seen_[slot]) {
      refuse(item_path(i), item.item_code + " is given twice; the first one was scored");
      continue;
    }
    seen_[slot] = true;
    if (!weighted(*code)) {
      refuse(item_path(i), item.item_code + " is not a test item for " + std::string(sex_label(sex_)) + " grade " +
                               std::string(grade_code(grade_)) + ": not scored");
      continue;
    }
    if (item.status && *item.status != "measured") {
      refuse(item_path(i), "status is " + *item.status + ": not scored");
      continue;
    }
    if (*code == FitnessItemCode::bmi) {
      score_bmi(i, &item);
    } else {
      score_item(i, *code);
    }
  }
  // Height and weight without a BMI item: the BMI is derived, so it is added.
  if (!seen_[static_cast<std::size_t>(FitnessItemCode::bmi)]) {
    const Measurements m = measurements_of(test_);
    if (m.height_cm && m.weight_kg && weighted(FitnessItemCode::bmi)) score_bmi(kAddedItem, nullptr);
  }
  totals();
}

void Scorer::score_bmi(std::size_t index, const core::FitnessItem* sent) {
  const std::string path = index == kAddedItem ? std::string("items") : item_path(index);
  const Measurements m = measurements_of(test_);
  std::optional<double> value;
  bool computed = false;
  if (m.height_cm && m.weight_kg) {
    value = core::bmi(*m.height_cm, *m.weight_kg);
    computed = value.has_value();
    if (!value) {
      refuse(path, "height and weight must be positive numbers to compute BMI");
      return;
    }
  } else if (sent != nullptr && sent->raw_value) {
    value = round_bmi(*sent->raw_value);
  }
  if (!value) {
    refuse(path, "no BMI value and no height and weight to compute it from");
    return;
  }
  const BmiLookup lookup = lookup_bmi(t_, sex_, grade_, *value);
  if (!lookup.category) {
    refuse(path, lookup.reason);
    return;
  }
  ItemScore score;
  score.index = index;
  score.item = FitnessItemCode::bmi;
  score.value = *value;
  score.value_computed = computed;
  score.score = lookup.score;
  score.level = t_.bmi.labels[static_cast<std::size_t>(*lookup.category)];
  out_.items.push_back(score);
}

void Scorer::score_item(std::size_t index, FitnessItemCode code) {
  const core::FitnessItem& item = test_.items[index];
  const auto value = item_value(item, code);
  if (!value) {
    refuse(item_path(index), item.raw_text && is_timed(code)
                                 ? "raw_text '" + *item.raw_text + "' is not a time like 3'45\""
                                 : std::string("no raw_value to score"));
    return;
  }
  const Lookup lookup = lookup_item(t_, code, sex_, grade_, *value);
  if (!lookup.score) {
    refuse(item_path(index), lookup.reason);
    return;
  }
  ItemScore score;
  score.index = index;
  score.item = code;
  score.value = *value;
  score.score = *lookup.score;
  score.level = t_.level_of(t_.item_levels, *lookup.score);
  const BonusLookup bonus = lookup_bonus(t_, code, sex_, grade_, *value);
  score.bonus = bonus.points;
  if (!bonus.points && !bonus.reason.empty()) {
    bonus_refused_[static_cast<std::size_t>(code)] = true;
    refuse(item_path(index) + ".bonus", bonus.reason);
  }
  out_.items.push_back(score);
}

void Scorer::totals() {
  const WeightSet* weights = t_.weights[static_cast<std::size_t>(sex_)][grade_];
  // Hundredths of a point: scores are whole numbers and weights whole percentages, so the sum is
  // exact and 89.95 stays 89.95 (良好), where floating point might make it 89.9499….
  long hundredths = 0;
  std::string unscored;
  for (const Weight& weight : weights->weights) {
    auto it = std::find_if(out_.items.begin(), out_.items.end(), [&](const ItemScore& s) { return s.item == weight.item; });
    if (it == out_.items.end()) {
      unscored += (unscored.empty() ? "" : ", ") + std::string(item_code_name(weight.item));
      continue;
    }
    hundredths += static_cast<long>(it->score) * weight.percent;
  }
  if (!unscored.empty()) {
    refuse("standard_score", "not computed: no score for " + unscored);
    return;
  }
  out_.standard_score = hundredths / 100.0;
  int bonus = 0;
  std::string refused;
  for (const BonusSlot& slot : t_.bonus[static_cast<std::size_t>(sex_)][grade_]) {
    auto it = std::find_if(out_.items.begin(), out_.items.end(), [&](const ItemScore& s) { return s.item == slot.item; });
    if (bonus_refused_[static_cast<std::size_t>(slot.item)] || it == out_.items.end() || !it->bonus) {
      refused += (refused.empty() ? "" : ", ") + std::string(item_code_name(slot.item));
      continue;
    }
    bonus += *it->bonus;
  }
  if (!refused.empty()) {
    refuse("bonus_score", "not computed: no bonus for " + refused);
    return;
  }
  out_.bonus_score = std::min<double>(bonus, t_.bonus_max_total);
  out_.total_score = (hundredths + static_cast<long>(std::lround(*out_.bonus_score * 100))) / 100.0;
  out_.overall_level = t_.level_of(t_.overall_levels, *out_.total_score);
}

}  // namespace

FitnessScore score_fitness(const FitnessTables& tables, const core::FitnessTest& test, const FitnessSubject& subject) {
  FitnessScore out;
  out.rule = tables.id();
  if (test.exempt && *test.exempt) {
    out.refusals.push_back({"", "the student is exempt (免测): nothing is scored"});
    return out;
  }
  const auto sex = sex_from_gb2261(subject.sex);
  const auto grade = grade_index(subject.grade);
  if (!sex || !grade) {
    std::string why = !sex ? "sex '" + subject.sex + "' is not 1 (male) or 2 (female)"
                           : "grade '" + subject.grade + "' is not a grade number (11–16, 21–23, 31–33, 41–44)";
    out.refusals.push_back({"", why + ": the tables are by sex and grade, so nothing is scored"});
    return out;
  }
  Scorer(tables, test, *sex, *grade, out).run();
  return out;
}

}  // namespace kq::derived
