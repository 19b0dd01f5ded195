// Encounter → Encounter.
#include "gateway/core/identifier_systems.hpp"
#include "gateway/fhir/elements.hpp"
#include "gateway/fhir/local_uris.hpp"
#include "gateway/fhir/resources.hpp"

namespace kq::fhir {

namespace {

namespace json = boost::json;
using namespace element;

// Encounter.class is a Coding from v3 ActCode where one fits; school health exams and
// screening sessions have no ActCode, so they keep the canonical code in a local system.
json::object encounter_class(std::string_view canonical) {
  struct ActCode {
    std::string_view canonical, code, display;
  };
  static constexpr ActCode kActCodes[] = {
      {"inpatient", "IMP", "inpatient encounter"},
      {"outpatient", "AMB", "ambulatory"},
      {"emergency", "EMER", "emergency"},
      {"home-visit", "HH", "home health"},
  };
  for (const ActCode& a : kActCodes) {
    if (canonical == a.canonical) return coding(hl7::kActCode, a.code, std::string(a.display));
  }
  return coding(local_code_system("encounter-class"), canonical);
}

// The visit number's system follows the kind of visit, as the identity index keys them.
std::optional<std::string_view> visit_number_system(std::string_view canonical_class) {
  if (canonical_class == "inpatient") return core::id_system::kHospitalInpatientNo;
  if (canonical_class == "outpatient" || canonical_class == "emergency") {
    return core::id_system::kHospitalOutpatientNo;
  }
  return std::nullopt;
}

}  // namespace

json::object encounter(const core::Encounter& record, const RecordMeta& meta) {
  json::object out = resource("Encounter", record.id, meta.version, meta.written_at_ms);
  if (record.admission_count) {
    append(out, "extension", extension("admission-count", "valueInteger", *record.admission_count));
  }
  if (record.payment_method) {
    append(out, "extension", extension("payment-method", "valueCoding",
                                       coding(local_code_system("wst-payment-method"), *record.payment_method)));
  }
  if (record.source_visit_no) {
    if (auto system = visit_number_system(record.encounter_class)) {
      json::object id{{"system", *system}, {"value", *record.source_visit_no}};
      if (!record.org_id.empty()) id["assigner"] = reference("Organization", record.org_id);
      append(out, "identifier", std::move(id));
    }
  }
  // Encounter.status is required and the canonical record has none: an encounter with an end
  // is over; otherwise the gateway does not know, which FHIR spells "unknown".
  out["status"] = record.period && record.period->end ? "finished" : "unknown";
  out["class"] = encounter_class(record.encounter_class);
  if (record.dept) out["serviceType"] = codeable_text(*record.dept);  // the department, as the source named it
  if (!record.person_id.empty()) out["subject"] = reference("Patient", record.person_id);
  if (record.period) out["period"] = period(*record.period);
  json::object hospitalization;
  if (record.admission_route) {
    hospitalization["admitSource"] = codeable(coding(local_code_system("admission-route"), *record.admission_route));
  }
  if (record.discharge_target_org) {
    hospitalization["destination"] = json::object{{"display", *record.discharge_target_org}};
  }
  if (record.discharge_disposition) {
    hospitalization["dischargeDisposition"] =
        codeable(coding(local_code_system("discharge-disposition"), *record.discharge_disposition));
  }
  if (!hospitalization.empty()) out["hospitalization"] = std::move(hospitalization);
  if (record.location_text) {
    append(out, "location", json::object{{"location", json::object{{"display", *record.location_text}}}});
  }
  if (!record.org_id.empty()) out["serviceProvider"] = reference("Organization", record.org_id);
  return out;
}

}  // namespace kq::fhir
