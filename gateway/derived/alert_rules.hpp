#pragma once
// Alert (预警) rules over derived values (mappings/codes/school_health/alerts.yaml), and the
// functions that evaluate them for one record. Each returns the Alert records to store; an
// alert names its rule and the rule set's version, and carries the values that made it fire.
//
// The functions read the record after its derived values were applied (apply_vision,
// apply_fitness, apply_mental_health), so an alert rests on what is stored.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gateway/core/dates.hpp"
#include "gateway/core/model_school.hpp"
#include "gateway/derived/derived_common.hpp"
#include "gateway/derived/mental_health_rules.hpp"

namespace kq::derived {

enum class AlertKind {
  new_screening_myopia,
  acuity_drop,
  bmi_category,
  overall_level,
  mental_health_positive,
  self_harm,
};

struct AlertRule {
  std::string id;  // "vision.acuity-drop"
  AlertKind kind = AlertKind::new_screening_myopia;
  std::string severity;  // info | warning | urgent
  bool enabled = true;
  bool first_screening_counts = true;  // new_screening_myopia without a previous screening
  int lines = 2;                       // acuity_drop: chart lines of 0.1
  std::vector<std::string> levels;     // bmi_category, overall_level
  config::SourceLocation where;
};

struct AlertRules {
  std::string set;
  std::string version;
  std::string id() const { return rule_id(set, version); }
  std::vector<AlertRule> rules;
};

std::shared_ptr<const AlertRules> load_alert_rules(const std::filesystem::path& file,
                                                   std::vector<config::ConfigError>& errors);

// Vision alerts for `current`, given the same person's screening before it (nullptr when there is
// none; a previous screening that is not earlier than `current` is ignored). The caller finds it,
// in the store or earlier in the same batch.
std::vector<core::Alert> vision_alerts(const AlertRules& rules, const core::VisionScreening& current,
                                       const core::VisionScreening* previous, const core::DateTime& now);

std::vector<core::Alert> fitness_alerts(const AlertRules& rules, const core::FitnessTest& test,
                                        const core::DateTime& now);

std::vector<core::Alert> mental_health_alerts(const AlertRules& rules, const core::MentalHealthScreening& screening,
                                              const MentalHealthFindings& findings, const core::DateTime& now);

}  // namespace kq::derived
