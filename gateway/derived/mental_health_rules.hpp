#pragma once
// When a mental-health screening counts as positive (mappings/codes/school_health/
// mental_health.yaml): cut-offs per instrument, the PHQ-9 self-harm item, and the sender's own
// risk levels. Screening is not diagnosis; a positive result asks for a conversation.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/model_school.hpp"
#include "gateway/derived/derived_common.hpp"

namespace kq::derived {

struct MentalHealthCriterion {
  enum class Score { total, any_scale, scale };
  std::string id;  // "phq9.total"
  Score score = Score::total;
  std::string scale_code;  // for Score::scale
  double threshold = 0;
  bool inclusive = true;  // at_least (≥) or above (>)
  std::string level;      // the risk flag's level
};

struct MentalHealthInstrument {
  std::vector<std::string> names;  // normalised: upper case, no '-', '_' or space
  std::vector<MentalHealthCriterion> criteria;
  TableSource source;
};

struct MentalHealthRules {
  std::string set;
  std::string version;
  std::string id() const { return rule_id(set, version); }
  std::vector<MentalHealthInstrument> instruments;
  std::string self_harm_id;
  std::string self_harm_level;
  TableSource self_harm_source;
  std::vector<std::string> sender_positive_levels;
  TableSource sender_source;

  const MentalHealthInstrument* instrument(const std::string& code) const;
};

// "PHQ-9", "phq_9", "PHQ 9" → "PHQ9".
std::string normalise_instrument(const std::string& code);

std::shared_ptr<const MentalHealthRules> load_mental_health_rules(const std::filesystem::path& file,
                                                                  std::vector<config::ConfigError>& errors);

struct MentalHealthFinding {
  std::string rule_id;  // "phq9.total", "phq9.item9", "sender-level"
  std::string level;
  std::string reason;   // "total_score 12 ≥ 10"
  std::vector<core::AlertValue> values;
  bool self_harm = false;
  bool from_sender = false;  // the sender's own flag, not a gateway rule
};

struct MentalHealthFindings {
  std::string rule;  // "mental-health-screening@1.0.0"
  std::vector<MentalHealthFinding> positives;
  std::vector<Refusal> refusals;
};

MentalHealthFindings assess_mental_health(const MentalHealthRules& rules, const core::MentalHealthScreening& screening);

// Adds a risk flag per gateway rule that fired (replacing an earlier flag of the same rule id, so
// reprocessing does not pile them up); the sender's own flags stay as they are.
void apply_mental_health(core::MentalHealthScreening& screening, const MentalHealthFindings& findings);

}  // namespace kq::derived
