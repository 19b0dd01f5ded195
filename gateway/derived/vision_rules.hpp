#pragma once
// Vision-screening rules (mappings/codes/school_health/vision.yaml) and what they derive from a
// VisionScreening: per eye the spherical equivalent, 视力不良 grade, 筛查性近视 flag and myopia
// degree; per screening the worse eye's values, and whether it counts in myopia rates.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/dates.hpp"
#include "gateway/core/model_school.hpp"
#include "gateway/derived/derived_common.hpp"

namespace kq::derived {

struct VisionGradeBand {
  std::string grade;  // mild | moderate | severe (the record's codes)
  std::string label;  // 轻度 …
  double from = 0;    // 5-point acuity from which the band starts
};

struct MyopiaDegreeBand {
  std::string degree;  // low | moderate | high
  std::string label;
  std::optional<double> se_from;  // the band holds SE ≥ se_from (dioptres); nullopt: everything below
};

struct VisionRules {
  std::string set;
  std::string version;
  std::string id() const { return rule_id(set, version); }

  std::vector<std::pair<double, double>> chart;  // 5-point line → decimal label, ascending
  TableSource chart_source;

  int applies_from_age = 6;
  TableSource age_source;

  double impairment_below = 5.0;
  std::vector<VisionGradeBand> impairment;  // mildest first
  TableSource impairment_source;

  double myopia_ucva_below = 5.0;
  double myopia_se_threshold = -0.5;
  bool myopia_se_inclusive = true;  // SE ≤ threshold (at_or_below) or SE < threshold (below)
  bool sphere_as_se = false;        // missing_cylinder: sphere_as_se
  TableSource myopia_source;

  std::vector<MyopiaDegreeBand> degrees;  // mildest first
  TableSource degree_source;

  std::vector<std::string> excluded_corrections;  // ortho-k
  TableSource exclusion_source;

  // The chart's decimal label of a 5-point line; nothing off the chart (below 4.0, above 5.3).
  std::optional<double> decimal_of(double five_point) const;
};

std::shared_ptr<const VisionRules> load_vision_rules(const std::filesystem::path& file,
                                                     std::vector<config::ConfigError>& errors);

// Who was screened: the definitions hold from an age on. Unknown: taken as school age.
struct VisionSubject {
  std::optional<core::PartialDate> birth_date;
};

struct EyeFindings {
  std::optional<double> se;                 // given, or sphere + cylinder / 2
  std::optional<bool> screening_myopia;     // nullopt: undecided (see the refusals)
  const MyopiaDegreeBand* degree = nullptr;
  const VisionGradeBand* impairment = nullptr;  // nullptr with impaired == false: not impaired
  std::optional<bool> impaired;
};

struct VisionFindings {
  std::string rule;  // "vision-screening@1.0.0"
  EyeFindings right, left;
  std::optional<bool> screening_myopia;   // either eye
  std::optional<std::string> myopia_degree;     // the worse eye's
  std::optional<std::string> vision_impairment;  // the worse eye's: none | mild | moderate | severe
  std::optional<std::string> rate_exclusion;    // "ortho-k"
  std::vector<Refusal> refusals;
};

VisionFindings assess_vision(const VisionRules& rules, const core::VisionScreening& screening,
                             const VisionSubject& subject);

// Writes the derived values into the screening (and an eye's SE where only sphere and cylinder
// were sent) with rule_version; a sent flag, degree or grade that disagrees becomes a warning.
// A value the rules could not decide keeps what was sent.
std::vector<QualityWarning> apply_vision(core::VisionScreening& screening, const VisionFindings& findings);

}  // namespace kq::derived
