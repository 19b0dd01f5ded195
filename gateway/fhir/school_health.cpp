// The school-health records as Observation panels: one Observation per fitness test, vision
// screening or mental-health screening, its measurements and derived values as components.
//
// Why components rather than one Observation per item: the record is one act (one test day,
// one screening) with one status, and the consent decision is made per record, so a client
// must receive all of it or none of it. Each component is coded in a local code system named
// after the panel; a value that has more than one facet (an item's raw value, score and level)
// becomes one component per facet, with codes "<item>", "<item>.score", "<item>.level" …, so
// every component keeps FHIR's one-value rule.
#include "gateway/fhir/elements.hpp"
#include "gateway/fhir/local_uris.hpp"
#include "gateway/fhir/observation_parts.hpp"

namespace kq::fhir {

namespace {

namespace json = boost::json;
using namespace element;

constexpr std::string_view kPanels = "school-health-panel";
constexpr std::string_view kFitnessItems = "fitness-item";
constexpr std::string_view kVisionItems = "vision-screening-item";
constexpr std::string_view kMentalHealthItems = "mental-health-item";

json::object panel_code(std::string_view code, std::string_view display) {
  return codeable(coding(local_code_system(kPanels), code, std::string(display)));
}

void add(json::object& out, json::object component) { append(out, "component", std::move(component)); }

void add_number(json::object& out, std::string_view system, std::string_view code, const std::optional<double>& value,
                const std::optional<std::string>& unit = std::nullopt) {
  if (value) add(out, obs::component(system, code, "valueQuantity", quantity(*value, unit)));
}

void add_text(json::object& out, std::string_view system, std::string_view code,
              const std::optional<std::string>& value) {
  if (value) add(out, obs::component(system, code, "valueString", json::string(*value)));
}

void add_flag(json::object& out, std::string_view system, std::string_view code, const std::optional<bool>& value) {
  if (value) add(out, obs::component(system, code, "valueBoolean", *value));
}

// A fitness item not measured: the canonical status says why, in data-absent-reason terms.
std::string_view absent_reason(std::string_view item_status) {
  if (item_status == "exempt") return "not-applicable";
  if (item_status == "absent") return "not-performed";
  return "unknown";  // missing: no value arrived
}

void fitness_item(json::object& out, const core::FitnessItem& item) {
  const std::string& code = item.item_code;
  if (item.raw_value) {
    add(out, obs::component(kFitnessItems, code, "valueQuantity", quantity(*item.raw_value, item.unit)));
  } else if (item.raw_text) {
    add_text(out, kFitnessItems, code, item.raw_text);
  } else if (item.status && *item.status != "measured") {
    add(out, obs::absent_component(kFitnessItems, code, absent_reason(*item.status), item.status));
  }
  // Score, level and bonus come from the standard's tables; computed_by says whose they are.
  auto scored = [&](json::object c) {
    if (item.computed_by) append(c, "extension", obs::computed_by(*item.computed_by));
    add(out, std::move(c));
  };
  const std::optional<std::string> points = std::string("1");
  if (item.score) scored(obs::component(kFitnessItems, code + ".score", "valueQuantity", quantity(*item.score, points)));
  if (item.level) scored(obs::component(kFitnessItems, code + ".level", "valueString", json::string(*item.level)));
  if (item.bonus) scored(obs::component(kFitnessItems, code + ".bonus", "valueQuantity", quantity(*item.bonus, points)));
  if (item.weight) add_number(out, kFitnessItems, code + ".weight", item.weight, std::string("1"));
}

void eye(json::object& out, std::string_view side, const core::EyeExam& e) {
  const std::string p = std::string(side) + ".";
  // The 5-point (GB/T 11533) acuity has no unit: a bare number.
  add_number(out, kVisionItems, p + "ucva_5pt", e.ucva_5pt);
  add_number(out, kVisionItems, p + "cva_5pt", e.cva_5pt);
  add_number(out, kVisionItems, p + "sphere_ds", e.sphere_ds, std::string("[diop]"));
  add_number(out, kVisionItems, p + "cylinder_dc", e.cylinder_dc, std::string("[diop]"));
  if (e.axis) add_number(out, kVisionItems, p + "axis", double(*e.axis), std::string("deg"));
  add_number(out, kVisionItems, p + "se", e.se, std::string("[diop]"));
  add_text(out, kVisionItems, p + "refraction_method", e.refraction_method);
  add_text(out, kVisionItems, p + "correction", e.correction);
  if (e.not_done_reason) {
    add(out, obs::absent_component(kVisionItems, p + "exam", "not-performed", e.not_done_reason));
  }
}

}  // namespace

json::object observation(const core::FitnessTest& record, const RecordMeta& meta) {
  // "activity": FHIR's category for measurements of physical fitness.
  json::object out = obs::begin(record.id, meta, "final", "activity",
                                panel_code("fitness-test", "国家学生体质健康标准测试"), record.person_id,
                                std::nullopt);
  if (record.computed_by) append(out, "extension", obs::computed_by(*record.computed_by));
  if (record.academic_year) append(out, "extension", extension("academic-year", "valueString", *record.academic_year));
  if (record.test_date) out["effectiveDateTime"] = record.test_date->iso();
  if (!record.org_id.empty()) out["performer"] = json::array{reference("Organization", record.org_id)};
  if (record.standard_version) out["method"] = codeable_text(*record.standard_version);
  for (const core::FitnessItem& item : record.items) {
    if (item.observation_id) append(out, "hasMember", reference("Observation", *item.observation_id));
  }
  if (record.retest_of) append(out, "derivedFrom", reference("Observation", *record.retest_of));
  for (const core::FitnessItem& item : record.items) fitness_item(out, item);
  add_number(out, kFitnessItems, "standard_score", record.standard_score, std::string("1"));
  add_number(out, kFitnessItems, "bonus_score", record.bonus_score, std::string("1"));
  add_number(out, kFitnessItems, "total_score", record.total_score, std::string("1"));
  add_text(out, kFitnessItems, "overall_level", record.overall_level);
  add_flag(out, kFitnessItems, "exempt", record.exempt);
  add_text(out, kFitnessItems, "exempt_reason", record.exempt_reason);
  return out;
}

json::object observation(const core::VisionScreening& record, const RecordMeta& meta) {
  json::object out = obs::begin(record.id, meta, "final", "exam", panel_code("vision-screening", "视力筛查"),
                                record.person_id, record.encounter_id);
  if (record.rule_version) append(out, "extension", obs::computed_by(*record.rule_version));
  if (record.date) out["effectiveDateTime"] = record.date->iso();
  if (!record.org_id.empty()) append(out, "performer", reference("Organization", record.org_id));
  if (record.examiner) append(out, "performer", json::object{{"display", *record.examiner}});
  if (record.right_eye) eye(out, "right_eye", *record.right_eye);
  if (record.left_eye) eye(out, "left_eye", *record.left_eye);
  add_flag(out, kVisionItems, "screening_myopia", record.screening_myopia);
  add_text(out, kVisionItems, "myopia_degree", record.myopia_degree);
  add_text(out, kVisionItems, "vision_impairment", record.vision_impairment);
  add_text(out, kVisionItems, "rate_exclusion", record.rate_exclusion);
  return out;
}

json::object observation(const core::MentalHealthScreening& record, const RecordMeta& meta) {
  json::object instrument = coding(record.instrument);
  if (record.instrument_version) instrument["version"] = *record.instrument_version;
  json::object out = obs::begin(record.id, meta, "final", "survey", codeable(std::move(instrument)),
                                record.person_id, std::nullopt);
  if (record.administered_at) out["effectiveDateTime"] = date_time(*record.administered_at);
  if (!record.org_id.empty()) out["performer"] = json::array{reference("Organization", record.org_id)};
  for (const core::RiskFlag& flag : record.flags) {
    json::object i = codeable(coding(local_code_system("mental-health-risk-level"), flag.level));
    std::string reasons;
    for (const std::string& r : flag.reasons) reasons += (reasons.empty() ? "" : "; ") + r;
    if (!reasons.empty()) i["text"] = reasons;
    if (flag.rule_id) append(i, "extension", extension("rule-id", "valueString", *flag.rule_id));
    if (flag.rule_version) append(i, "extension", extension("rule-version", "valueString", *flag.rule_version));
    append(out, "interpretation", std::move(i));
  }
  if (record.mode) out["method"] = codeable_text(*record.mode);
  for (const core::ScaleScore& s : record.scale_scores) {
    add_number(out, kMentalHealthItems, s.scale_code, s.raw_score, std::string("1"));
    add_number(out, kMentalHealthItems, s.scale_code + ".standard", s.standard_score, std::string("1"));
  }
  add_number(out, kMentalHealthItems, "total_score", record.total_score, std::string("1"));
  add_number(out, kMentalHealthItems, "lie_score", record.lie_score, std::string("1"));
  add_flag(out, kMentalHealthItems, "valid", record.valid);
  add_flag(out, kMentalHealthItems, "item9_selfharm_positive", record.item9_selfharm_positive);
  return out;
}

}  // namespace kq::fhir
