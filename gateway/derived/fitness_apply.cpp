// apply_fitness: the computed scores into the record, and the sent ones that disagree.
#include <cmath>

#include "gateway/derived/fitness_score.hpp"

namespace kq::derived {

namespace {

class Writer {
 public:
  Writer(const std::string& rule, std::vector<QualityWarning>& warnings) : rule_(rule), warnings_(warnings) {}

  // Sets `field` to `computed`; a different sent value (beyond `tolerance`) becomes a warning.
  void number(std::optional<double>& field, double computed, const std::string& path, const std::string& item,
              double tolerance = 1e-9) {
    if (field && std::fabs(*field - computed) > tolerance + 1e-9) {
      warnings_.push_back({path, item, format_number(*field), format_number(computed), rule_});
    }
    field = computed;
  }
  void text(std::optional<std::string>& field, std::string_view computed, const std::string& path,
            const std::string& item) {
    if (field && *field != computed) warnings_.push_back({path, item, *field, std::string(computed), rule_});
    field = std::string(computed);
  }

 private:
  const std::string& rule_;
  std::vector<QualityWarning>& warnings_;
};

}  // namespace

std::vector<QualityWarning> apply_fitness(core::FitnessTest& test, const FitnessScore& score) {
  std::vector<QualityWarning> warnings;
  Writer write(score.rule, warnings);
  std::vector<bool> scored(test.items.size(), false);
  for (const ItemScore& s : score.items) {
    if (s.index == kAddedItem) {
      core::FitnessItem added;
      added.item_code = std::string(item_code_name(s.item));
      added.raw_value = s.value;
      added.unit = "kg/m2";
      added.status = "measured";
      added.score = s.score;
      added.level = std::string(s.level);
      added.computed_by = score.rule;
      test.items.push_back(std::move(added));
      scored.push_back(true);
      continue;
    }
    core::FitnessItem& item = test.items[s.index];
    const std::string base = "items[" + std::to_string(s.index) + "]";
    const std::string code(item_code_name(s.item));
    if (s.value_computed) {
      // A sent BMI is compared as the standard reports it, to 0.1.
      std::optional<double> sent = item.raw_value;
      if (sent) sent = std::floor(*sent * 10 + 0.5 + 1e-9) / 10;
      write.number(sent, s.value, base + ".raw_value", code);
      item.raw_value = s.value;
    }
    write.number(item.score, s.score, base + ".score", code);
    write.text(item.level, s.level, base + ".level", code);
    if (s.bonus) write.number(item.bonus, *s.bonus, base + ".bonus", code);
    item.computed_by = score.rule;
    scored[s.index] = true;
  }
  // An item the gateway did not score keeps what was sent, and must not look computed.
  for (std::size_t i = 0; i < test.items.size(); ++i) {
    if (!scored[i]) test.items[i].computed_by.reset();
  }
  if (score.standard_score && score.bonus_score && score.total_score) {
    // Senders round the standard and total scores to 0.1; 89.95 sent as 90.0 is not a mismatch.
    write.number(test.standard_score, *score.standard_score, "standard_score", "standard_score", 0.05);
    write.number(test.bonus_score, *score.bonus_score, "bonus_score", "bonus_score");
    write.number(test.total_score, *score.total_score, "total_score", "total_score", 0.05);
    write.text(test.overall_level, score.overall_level, "overall_level", "overall_level");
    test.computed_by = score.rule;
  } else {
    if (score.standard_score && test.standard_score && std::fabs(*test.standard_score - *score.standard_score) > 0.05 + 1e-9) {
      // Reported although the record keeps the sent value: the totals are written only as a whole.
      warnings.push_back({"standard_score", "standard_score", format_number(*test.standard_score),
                          format_number(*score.standard_score), score.rule});
    }
    test.computed_by.reset();
  }
  return warnings;
}

}  // namespace kq::derived
