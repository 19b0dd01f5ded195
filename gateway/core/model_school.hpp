#pragma once
// School health: fitness tests (《国家学生体质健康标准》), vision screenings, mental-health
// screenings, and the alerts (预警) derived from them.
//
// Scores and flags may arrive with the record (a school system's export). The gateway recomputes
// what its rule tables cover (gateway/derived/) and writes its own value in their place, naming
// the rule set and version beside it (computed_by, rule_version); a sent value that differs
// becomes a data-quality warning for the sender, and the sent value stays in the raw message. A
// value the gateway cannot compute (no table for that grade) is left as sent, without computed_by,
// so a reader can always tell the two apart.
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/model_common.hpp"
#include "gateway/core/record_kind.hpp"

namespace kq::core {

struct FitnessItem {
  // bmi | vital_capacity | run_50m | sit_and_reach | rope_skip_1min | sit_up_1min |
  // shuttle_50x8 | standing_long_jump | pull_up | run_800m | run_1000m, and the measurements
  // BMI comes from, which are not scored themselves: height (cm) | weight (kg)
  std::string item_code;
  std::optional<double> raw_value;
  std::optional<std::string> unit;
  std::optional<std::string> raw_text;  // as written, e.g. 3'45"
  std::optional<double> score;
  std::optional<std::string> level;  // 优秀 | 良好 | 及格 | 不及格
  std::optional<double> weight;
  std::optional<double> bonus;
  std::optional<std::string> status;  // measured | missing | exempt | absent
  std::optional<std::string> observation_id;
  // "cspfs-2014@1.0.0" when score, level and bonus are the gateway's; absent when as sent.
  std::optional<std::string> computed_by;
  bool operator==(const FitnessItem&) const = default;
};

struct FitnessTest {
  static constexpr RecordKind kKind = RecordKind::fitness_test;
  std::string id;
  std::string person_id;
  std::string org_id;  // the school
  std::optional<std::string> enrollment_id;
  std::optional<std::string> academic_year;
  std::optional<PartialDate> test_date;
  std::optional<std::string> standard_version;  // "CSPFS-2014"
  std::vector<FitnessItem> items;
  std::optional<double> standard_score;  // ≤ 100
  std::optional<double> bonus_score;     // ≤ 20
  std::optional<double> total_score;     // ≤ 120
  std::optional<std::string> overall_level;
  std::optional<std::string> retest_of;  // id of the test this one repeats (补测)
  std::optional<bool> exempt;
  std::optional<std::string> exempt_reason;
  // "cspfs-2014@1.0.0" when standard, bonus and total score and overall level are the gateway's.
  std::optional<std::string> computed_by;
  bool operator==(const FitnessTest&) const = default;
};

struct EyeExam {
  std::optional<double> ucva_5pt;     // 裸眼视力, 5-point (GB/T 11533) 3.0–5.3
  std::optional<double> cva_5pt;      // 戴镜视力
  std::optional<double> sphere_ds;    // dioptres
  std::optional<double> cylinder_dc;
  std::optional<int> axis;            // 0–180 degrees
  std::optional<double> se;           // spherical equivalent = DS + DC/2
  std::optional<std::string> refraction_method;  // non-cycloplegic | cycloplegic | trial-lens
  std::optional<std::string> not_done_reason;
  std::optional<std::string> correction;  // none | spectacles | ortho-k | contact | post-surgery
  bool operator==(const EyeExam&) const = default;
};

struct VisionScreening {
  static constexpr RecordKind kKind = RecordKind::vision_screening;
  std::string id;
  std::string person_id;
  std::string org_id;
  std::optional<std::string> enrollment_id;
  std::optional<std::string> encounter_id;
  std::optional<std::string> plan_id;
  std::optional<PartialDate> date;
  std::optional<std::string> examiner;
  std::optional<EyeExam> right_eye;
  std::optional<EyeExam> left_eye;
  // Derived, person level (the worse eye), by the rule set named in rule_version
  // ("vision-screening@1.0.0"):
  std::optional<bool> screening_myopia;           // 筛查性近视 in either eye
  std::optional<std::string> myopia_degree;       // low | moderate | high (低度 | 中度 | 高度)
  std::optional<std::string> vision_impairment;   // 视力不良: none | mild | moderate | severe
  // Why the screening is left out of myopia rates ("ortho-k": overnight lenses flatten the
  // cornea, so uncorrected acuity and refraction say nothing about myopia).
  std::optional<std::string> rate_exclusion;
  std::optional<std::string> rule_version;
  bool operator==(const VisionScreening&) const = default;
};

struct ScaleScore {
  std::string scale_code;
  std::optional<double> raw_score;
  std::optional<double> standard_score;
  bool operator==(const ScaleScore&) const = default;
};

struct RiskFlag {
  std::string level;  // 一般关注 | 中度 | 重点 (source wording kept)
  std::vector<std::string> reasons;
  std::optional<std::string> rule_id;
  std::optional<std::string> rule_version;
  bool operator==(const RiskFlag&) const = default;
};

// Item-level answers are deliberately not part of this record: they are the most sensitive part
// and belong in a separate store with its own access rules.
struct MentalHealthScreening {
  static constexpr RecordKind kKind = RecordKind::mental_health_screening;
  std::string id;
  std::string person_id;
  std::string org_id;
  std::optional<std::string> enrollment_id;
  Coding instrument;  // MHT | SCL-90 | PHQ-9 | PHQ-A | GAD-7 | …
  std::optional<std::string> instrument_version;
  std::optional<DateTime> administered_at;
  std::optional<std::string> mode;  // online | paper
  std::vector<ScaleScore> scale_scores;
  std::optional<double> total_score;
  std::optional<double> lie_score;
  std::optional<bool> valid;
  std::vector<RiskFlag> flags;
  std::optional<bool> item9_selfharm_positive;  // PHQ-9 item 9
  std::optional<std::string> reviewed_by;
  std::optional<DateTime> reviewed_at;
  std::optional<std::string> review_outcome;
  std::optional<std::string> referral_org;
  bool operator==(const MentalHealthScreening&) const = default;
};

// One value that made an alert fire, as text so that a number keeps the precision it was
// recorded with ("4.6", "-0.75").
struct AlertValue {
  std::string name;  // "right_eye.ucva_5pt", "previous.right_eye.ucva_5pt", "bmi", "total_score"
  std::string value;
  bool operator==(const AlertValue&) const = default;
};

// 预警: a rule over derived values fired for a person, for the school and the district to follow
// up. It names the rule and the version of the rule set, and carries the values that triggered
// it, so the decision can be explained and re-checked later. The summary is for people and never
// holds a name or an identifier.
struct Alert {
  static constexpr RecordKind kKind = RecordKind::alert;
  std::string id;
  std::string person_id;
  std::string org_id;        // the school the alert is for
  std::string rule_id;       // "vision.acuity-drop"
  std::string rule_version;  // "school-health-alerts@1.0.0"
  std::string severity;      // info | warning | urgent
  // The consent data category of what the alert reveals: vision | physical_fitness |
  // mental_health. A mental-health alert needs the same separate consent as the screening.
  std::optional<std::string> category;
  std::optional<std::string> summary;
  std::vector<AlertValue> values;
  std::vector<std::string> source_ids;  // the records the alert was derived from
  std::optional<PartialDate> observed_on;  // date of the screening or test
  std::optional<DateTime> raised_at;
  bool operator==(const Alert&) const = default;
};

}  // namespace kq::core
