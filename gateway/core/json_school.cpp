// JSON field lists of FitnessTest, VisionScreening, MentalHealthScreening and Alert.
#include "gateway/core/json_io.hpp"

namespace kq::core::json_io {

namespace {

void fields(auto& io, Of<FitnessItem> auto& s) {
  io.field("item_code", s.item_code);
  io.field("raw_value", s.raw_value);
  io.field("unit", s.unit);
  io.field("raw_text", s.raw_text);
  io.field("score", s.score);
  io.field("level", s.level);
  io.field("weight", s.weight);
  io.field("bonus", s.bonus);
  io.field("status", s.status);
  io.field("observation_id", s.observation_id);
  io.field("computed_by", s.computed_by);
}

void fields(auto& io, Of<FitnessTest> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("enrollment_id", s.enrollment_id);
  io.field("academic_year", s.academic_year);
  io.field("test_date", s.test_date);
  io.field("standard_version", s.standard_version);
  io.field("items", s.items);
  io.field("standard_score", s.standard_score);
  io.field("bonus_score", s.bonus_score);
  io.field("total_score", s.total_score);
  io.field("overall_level", s.overall_level);
  io.field("retest_of", s.retest_of);
  io.field("exempt", s.exempt);
  io.field("exempt_reason", s.exempt_reason);
  io.field("computed_by", s.computed_by);
}

void fields(auto& io, Of<EyeExam> auto& s) {
  io.field("ucva_5pt", s.ucva_5pt);
  io.field("cva_5pt", s.cva_5pt);
  io.field("sphere_ds", s.sphere_ds);
  io.field("cylinder_dc", s.cylinder_dc);
  io.field("axis", s.axis);
  io.field("se", s.se);
  io.field("refraction_method", s.refraction_method);
  io.field("not_done_reason", s.not_done_reason);
  io.field("correction", s.correction);
}

void fields(auto& io, Of<VisionScreening> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("enrollment_id", s.enrollment_id);
  io.field("encounter_id", s.encounter_id);
  io.field("plan_id", s.plan_id);
  io.field("date", s.date);
  io.field("examiner", s.examiner);
  io.field("right_eye", s.right_eye);
  io.field("left_eye", s.left_eye);
  io.field("screening_myopia", s.screening_myopia);
  io.field("myopia_degree", s.myopia_degree);
  io.field("vision_impairment", s.vision_impairment);
  io.field("rate_exclusion", s.rate_exclusion);
  io.field("rule_version", s.rule_version);
}

void fields(auto& io, Of<ScaleScore> auto& s) {
  io.field("scale_code", s.scale_code);
  io.field("raw_score", s.raw_score);
  io.field("standard_score", s.standard_score);
}

void fields(auto& io, Of<RiskFlag> auto& s) {
  io.field("level", s.level);
  io.field("reasons", s.reasons);
  io.field("rule_id", s.rule_id);
  io.field("rule_version", s.rule_version);
}

void fields(auto& io, Of<MentalHealthScreening> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("enrollment_id", s.enrollment_id);
  io.field("instrument", s.instrument);
  io.field("instrument_version", s.instrument_version);
  io.field("administered_at", s.administered_at);
  io.field("mode", s.mode);
  io.field("scale_scores", s.scale_scores);
  io.field("total_score", s.total_score);
  io.field("lie_score", s.lie_score);
  io.field("valid", s.valid);
  io.field("flags", s.flags);
  io.field("item9_selfharm_positive", s.item9_selfharm_positive);
  io.field("reviewed_by", s.reviewed_by);
  io.field("reviewed_at", s.reviewed_at);
  io.field("review_outcome", s.review_outcome);
  io.field("referral_org", s.referral_org);
}

void fields(auto& io, Of<AlertValue> auto& s) {
  io.field("name", s.name);
  io.field("value", s.value);
}

void fields(auto& io, Of<Alert> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("rule_id", s.rule_id);
  io.field("rule_version", s.rule_version);
  io.field("severity", s.severity);
  io.field("category", s.category);
  io.field("summary", s.summary);
  io.field("values", s.values);
  io.field("source_ids", s.source_ids);
  io.field("observed_on", s.observed_on);
  io.field("raised_at", s.raised_at);
}

}  // namespace

KQ_JSON_IO_DEFINE(FitnessItem)
KQ_JSON_IO_DEFINE(FitnessTest)
KQ_JSON_IO_DEFINE(EyeExam)
KQ_JSON_IO_DEFINE(VisionScreening)
KQ_JSON_IO_DEFINE(ScaleScore)
KQ_JSON_IO_DEFINE(RiskFlag)
KQ_JSON_IO_DEFINE(MentalHealthScreening)
KQ_JSON_IO_DEFINE(AlertValue)
KQ_JSON_IO_DEFINE(Alert)

}  // namespace kq::core::json_io
