// Observation → Observation.
#include <limits>
#include <variant>

#include "gateway/fhir/elements.hpp"
#include "gateway/fhir/local_uris.hpp"
#include "gateway/fhir/observation_parts.hpp"

namespace kq::fhir {

namespace obs {

using namespace element;

json::array category(std::string_view code) {
  for (std::string_view known : {"social-history", "vital-signs", "imaging", "laboratory", "procedure", "survey",
                                 "exam", "therapy", "activity"}) {
    if (code == known) return json::array{codeable(coding(hl7::kObservationCategory, code))};
  }
  return json::array{codeable(coding(local_code_system("observation-category"), code))};
}

json::object begin(std::string_view id, const RecordMeta& meta, std::string_view status,
                   std::optional<std::string_view> category_code, json::object code,
                   std::string_view person_id, const std::optional<std::string>& encounter_id) {
  json::object out = resource("Observation", id, meta.version, meta.written_at_ms);
  out["status"] = status;
  if (category_code) out["category"] = category(*category_code);
  out["code"] = std::move(code);
  if (!person_id.empty()) out["subject"] = reference("Patient", person_id);
  if (encounter_id) out["encounter"] = reference("Encounter", *encounter_id);
  return out;
}

json::object component(std::string_view code_system_name, std::string_view code, std::string_view value_key,
                       json::value value) {
  json::object out{{"code", codeable(coding(local_code_system(code_system_name), code))}};
  out[value_key] = std::move(value);
  return out;
}

json::object absent_component(std::string_view code_system_name, std::string_view code, std::string_view reason,
                              const std::optional<std::string>& text) {
  return {{"code", codeable(coding(local_code_system(code_system_name), code))},
          {"dataAbsentReason", codeable(coding(hl7::kDataAbsentReason, reason), text)}};
}

json::object computed_by(std::string_view rule) { return extension("computed-by", "valueString", rule); }

}  // namespace obs

namespace {

namespace json = boost::json;
using namespace element;

// Canonical statuses are FHIR's, except "not-performed", which FHIR R4 writes as "cancelled"
// with a data-absent reason (the observation was not done, so it has no value).
std::string_view fhir_status(std::string_view canonical) {
  for (std::string_view s : {"registered", "preliminary", "final", "amended", "corrected", "cancelled",
                             "entered-in-error"}) {
    if (canonical == s) return s;
  }
  if (canonical == "not-performed") return "cancelled";
  return "unknown";
}

// One member of the canonical value variant as Observation.value[x].
void put_value(json::object& out, const core::ObservationValue& value) {
  std::visit(
      [&out](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, core::Quantity>) {
          out["valueQuantity"] = quantity(v.value, v.unit);
        } else if constexpr (std::is_same_v<V, core::Coding>) {
          out["valueCodeableConcept"] = codeable(coding(v));
        } else if constexpr (std::is_same_v<V, std::string>) {
          out["valueString"] = v;
        } else if constexpr (std::is_same_v<V, bool>) {
          out["valueBoolean"] = v;
        } else {
          // FHIR integer is 32-bit; a larger count becomes a dimensionless quantity.
          if (v >= std::numeric_limits<std::int32_t>::min() && v <= std::numeric_limits<std::int32_t>::max()) {
            out["valueInteger"] = v;
          } else {
            out["valueQuantity"] = json::object{
                {"value", v}, {"unit", "1"}, {"system", "http://unitsofmeasure.org"}, {"code", "1"}};
          }
        }
      },
      value);
}

json::object interpretation(const core::Interpretation& i) {
  json::object out = codeable(coding(i.code));
  if (i.rule_id) append(out, "extension", extension("rule-id", "valueString", *i.rule_id));
  if (i.rule_version) append(out, "extension", extension("rule-version", "valueString", *i.rule_version));
  return out;
}

}  // namespace

json::object observation(const core::Observation& record, const RecordMeta& meta) {
  json::object out = obs::begin(record.id, meta, fhir_status(record.status), record.category,
                                codeable(coding(record.code), record.original_text), record.person_id,
                                record.encounter_id);
  if (record.effective_time) out["effectiveDateTime"] = date_time(*record.effective_time);
  if (!record.org_id.empty()) out["performer"] = json::array{reference("Organization", record.org_id)};
  if (record.value) {
    put_value(out, *record.value);
  } else if (record.status == "not-performed" || record.data_absent_reason) {
    // obs-6: a reason for absence only where there is no value.
    out["dataAbsentReason"] = codeable(coding(hl7::kDataAbsentReason, record.status == "not-performed"
                                                                          ? "not-performed"
                                                                          : "unknown"),
                                      record.data_absent_reason);
  }
  for (const core::Interpretation& i : record.interpretation) append(out, "interpretation", interpretation(i));
  if (record.body_site) out["bodySite"] = codeable(coding(local_code_system("body-site"), *record.body_site));
  if (record.method) out["method"] = codeable_text(*record.method);
  if (record.reference_range) out["referenceRange"] = json::array{json::object{{"text", *record.reference_range}}};
  for (const std::string& id : record.derived_from) append(out, "derivedFrom", reference("Observation", id));
  return out;
}

}  // namespace kq::fhir
