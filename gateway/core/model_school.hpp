#pragma once
// School health: fitness tests (《国家学生体质健康标准》), vision screenings and mental-health
// screenings. Scores and flags are stored as received; the gateway recomputes them and
// records the rule version, so a mismatch can be reported instead of silently trusted.
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/model_common.hpp"
#include "gateway/core/record_kind.hpp"

namespace kq::core {

struct FitnessItem {
  // bmi | vital_capacity | run_50m | sit_and_reach | rope_skip_1min | sit_up_1min |
  // shuttle_50x8 | standing_long_jump | pull_up | run_800m | run_1000m
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
  std::optional<std::string> computed_by;  // engine and table version of recomputed scores
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
  std::optional<bool> screening_myopia;  // derived
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

}  // namespace kq::core
