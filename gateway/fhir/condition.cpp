// Diagnosis → Condition.
#include <cctype>

#include "gateway/core/identifier_systems.hpp"
#include "gateway/fhir/elements.hpp"
#include "gateway/fhir/local_uris.hpp"
#include "gateway/fhir/resources.hpp"

namespace kq::fhir {

namespace {

namespace json = boost::json;
using namespace element;

// WHO ICD-10 shape: a letter, two digits, and optionally a point with one or two digits
// ("J18.9", "M54.56"). National clinical editions extend it ("I21.900", "I21.900x001").
bool is_who_icd10(std::string_view code) {
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  if (code.size() < 3 || code[0] < 'A' || code[0] > 'Z' || !digit(code[1]) || !digit(code[2])) return false;
  if (code.size() == 3) return true;
  if (code[3] != '.' || code.size() < 5 || code.size() > 6) return false;
  for (std::size_t i = 4; i < code.size(); ++i) {
    if (!digit(code[i])) return false;
  }
  return true;
}

// ICD-10 codes go out under the system their shape proves: a plain WHO code under the WHO
// system (every ICD-10 reader knows it), an extended code under the national edition's OID.
// Other systems (TCM disease and pattern codes) stay as the record names them.
json::object diagnosis_coding(const core::Coding& code) {
  const bool icd10 = code.system == core::code_system::kIcd10Cn || code.system == core::code_system::kIcd10Who;
  if (!icd10) return coding(code);
  return coding(is_who_icd10(code.code) ? core::code_system::kIcd10Who : core::code_system::kIcd10Cn, code.code,
                code.display);
}

std::optional<std::string_view> clinical_status(std::string_view canonical) {
  for (std::string_view s : {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}) {
    if (canonical == s) return s;
  }
  return std::nullopt;
}

}  // namespace

json::object condition(const core::Diagnosis& record, const RecordMeta& meta) {
  json::object out = resource("Condition", record.id, meta.version, meta.written_at_ms);
  if (record.rank) append(out, "extension", extension("diagnosis-rank", "valueInteger", *record.rank));
  if (record.admission_condition) {
    append(out, "extension", extension("admission-condition", "valueCoding",
                                       coding(local_code_system("admission-condition"), *record.admission_condition)));
  }
  if (record.outcome) {
    append(out, "extension", extension("diagnosis-outcome", "valueCoding",
                                       coding(local_code_system("diagnosis-outcome"), *record.outcome)));
  }
  // clinicalStatus has a required binding: a status outside it travels as an extension.
  std::optional<std::string_view> status;
  if (record.clinical_status) {
    status = clinical_status(*record.clinical_status);
    if (!status) append(out, "extension", extension("clinical-status", "valueString", *record.clinical_status));
  }
  if (status) out["clinicalStatus"] = codeable(coding(hl7::kConditionClinical, *status));
  json::array categories{codeable(coding(hl7::kConditionCategory, "encounter-diagnosis",
                                        std::string("Encounter Diagnosis")))};
  if (record.type) categories.push_back(codeable(coding(local_code_system("diagnosis-type"), *record.type)));
  out["category"] = std::move(categories);
  out["code"] = codeable(diagnosis_coding(record.code), record.text);
  if (!record.person_id.empty()) out["subject"] = reference("Patient", record.person_id);
  if (record.encounter_id) out["encounter"] = reference("Encounter", *record.encounter_id);
  if (record.recorded_at) out["recordedDate"] = date_time(*record.recorded_at);
  return out;
}

}  // namespace kq::fhir
