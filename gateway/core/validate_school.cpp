// Content rules for FitnessTest, VisionScreening, MentalHealthScreening and Alert, and the
// derived-value formulas (BMI, spherical equivalent, 5-point acuity) the scoring code shares.
#include <cmath>

#include "gateway/core/record_validation.hpp"
#include "gateway/core/validation_util.hpp"

namespace kq::core {

namespace {

// 5-point visual acuity (GB/T 11533) is recorded in steps of 0.1 from 3.0 (or below, for very
// poor vision, still 3.x) to 5.3.
void check_acuity(checks::Checker& check, const std::string& path, const std::optional<double>& value) {
  if (!value) return;
  check.range(path, value, 3.0, 5.3);
  const double tenths = *value * 10;
  if (std::isfinite(tenths) && std::fabs(tenths - std::round(tenths)) > 1e-6) {
    check.error(path, "5-point acuity is recorded in steps of 0.1", ErrorKind::data_type);
  }
}

void check_eye(checks::Checker& check, const std::string& base, const EyeExam& eye) {
  check_acuity(check, join_path(base, "ucva_5pt"), eye.ucva_5pt);
  check_acuity(check, join_path(base, "cva_5pt"), eye.cva_5pt);
  check.range(join_path(base, "sphere_ds"), eye.sphere_ds, -30, 30);
  check.range(join_path(base, "cylinder_dc"), eye.cylinder_dc, -15, 15);
  if (eye.axis && (*eye.axis < 0 || *eye.axis > 180)) {
    check.error(join_path(base, "axis"), "is " + std::to_string(*eye.axis) + ", expected 0 to 180",
                ErrorKind::data_type);
  }
  // SE = DS + DC/2. Devices print SE rounded to 0.01 or 0.125, so allow half a step.
  if (eye.se && eye.sphere_ds && eye.cylinder_dc) {
    const double expected = *eye.sphere_ds + *eye.cylinder_dc / 2;
    if (std::fabs(*eye.se - expected) > 0.0625 + 1e-9) {
      check.error(join_path(base, "se"), "is " + checks::Checker::format_number(*eye.se) +
                                             ", but sphere_ds + cylinder_dc/2 is " +
                                             checks::Checker::format_number(expected),
                  ErrorKind::data_type);
    }
  }
  check.one_of(join_path(base, "correction"), eye.correction,
               {"none", "spectacles", "ortho-k", "contact", "post-surgery"});
}

}  // namespace

std::vector<FieldError> validate(const FitnessTest& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.person_link(record.person_id);
  if (record.academic_year) {
    if (auto why = checks::check_academic_year(*record.academic_year)) {
      check.error("academic_year", *why, ErrorKind::data_type);
    }
  }
  check.not_in_future("test_date", record.test_date);
  for (std::size_t i = 0; i < record.items.size(); ++i) {
    const FitnessItem& item = record.items[i];
    check.required({"items", i, "item_code"}, item.item_code);
    check.one_of({"items", i, "item_code"}, item.item_code,
                 {"bmi", "vital_capacity", "run_50m", "sit_and_reach", "rope_skip_1min", "sit_up_1min",
                  "shuttle_50x8", "standing_long_jump", "pull_up", "run_800m", "run_1000m", "height",
                  "weight"});
    check.one_of({"items", i, "status"}, item.status, {"measured", "missing", "exempt", "absent"});
    check.range({"items", i, "score"}, item.score, 0, 100);
    check.range({"items", i, "bonus"}, item.bonus, 0, 20);
  }
  check.range("standard_score", record.standard_score, 0, 100);
  check.range("bonus_score", record.bonus_score, 0, 20);
  check.range("total_score", record.total_score, 0, 120);
  if (record.exempt_reason && !(record.exempt && *record.exempt)) {
    check.error("exempt_reason", "is set but exempt is not true", ErrorKind::data_type);
  }
  return check.take();
}

std::vector<FieldError> validate(const VisionScreening& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.person_link(record.person_id);
  check.required("date", record.date);
  check.not_in_future("date", record.date);
  if (record.right_eye) check_eye(check, "right_eye", *record.right_eye);
  if (record.left_eye) check_eye(check, "left_eye", *record.left_eye);
  check.one_of("myopia_degree", record.myopia_degree, {"low", "moderate", "high"});
  check.one_of("vision_impairment", record.vision_impairment, {"none", "mild", "moderate", "severe"});
  if ((record.screening_myopia || record.myopia_degree || record.vision_impairment) && !record.rule_version) {
    check.error("rule_version", "is required with a derived value: a derived flag names the rule that set it",
                ErrorKind::required);
  }
  return check.take();
}

std::vector<FieldError> validate(const MentalHealthScreening& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.person_link(record.person_id);
  if (record.instrument.code.empty()) {
    check.error("instrument.code", "is required: which questionnaire was used (MHT, PHQ-9, …)", ErrorKind::required);
  }
  check.one_of("mode", record.mode, {"online", "paper", "interview"});
  for (std::size_t i = 0; i < record.scale_scores.size(); ++i) {
    check.required({"scale_scores", i, "scale_code"}, record.scale_scores[i].scale_code);
  }
  for (std::size_t i = 0; i < record.flags.size(); ++i) {
    check.required({"flags", i, "level"}, record.flags[i].level);
  }
  check.ordered("reviewed_at", record.administered_at, record.reviewed_at, "administered_at");
  return check.take();
}

std::vector<FieldError> validate(const Alert& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.required("person_id", record.person_id);
  check.required("rule_id", record.rule_id);
  check.required("rule_version", record.rule_version);
  check.required("severity", record.severity);
  check.one_of("severity", record.severity, {"info", "warning", "urgent"});
  check.one_of("category", record.category, {"vision", "physical_fitness", "mental_health"});
  for (std::size_t i = 0; i < record.values.size(); ++i) {
    check.required({"values", i, "name"}, record.values[i].name);
  }
  check.not_in_future("observed_on", record.observed_on);
  return check.take();
}

std::optional<double> bmi(double height_cm, double weight_kg) {
  if (!std::isfinite(height_cm) || !std::isfinite(weight_kg) || height_cm <= 0 || weight_kg <= 0) {
    return std::nullopt;
  }
  const double metres = height_cm / 100;
  const double value = weight_kg / (metres * metres);
  // Half up at the first decimal. The small nudge keeps a value that is exactly .x5 in decimal
  // but slightly below it in binary (21.25 → 21.249999…) from rounding down.
  return std::floor(value * 10 + 0.5 + 1e-9) / 10;
}

std::optional<double> spherical_equivalent(std::optional<double> sphere_ds, std::optional<double> cylinder_dc) {
  if (!sphere_ds || !cylinder_dc || !std::isfinite(*sphere_ds) || !std::isfinite(*cylinder_dc)) return std::nullopt;
  return *sphere_ds + *cylinder_dc / 2;
}

std::optional<double> five_point_from_decimal(double decimal_acuity) {
  if (!std::isfinite(decimal_acuity) || decimal_acuity <= 0) return std::nullopt;
  // The chart's decimal labels are rounded (0.12 for 10^-0.9 = 0.126), so the 5-point line is
  // the nearest tenth of 5 + lg V, which every label of GB/T 11533 maps back to exactly.
  return std::round((5 + std::log10(decimal_acuity)) * 10) / 10;
}

}  // namespace kq::core
