// Consent → Consent (FHIR R4).
//
// A canonical consent is a PIPL consent or another lawful basis for a flow. It becomes one
// Consent with scope patient-privacy (unless the record names another scope) whose single
// provision permits (or, for a refusal, denies) the listed recipients the listed data
// categories for the listed purposes during the period.
#include "gateway/core/data_category.hpp"
#include "gateway/core/purpose_of_use.hpp"
#include "gateway/fhir/elements.hpp"
#include "gateway/fhir/local_uris.hpp"
#include "gateway/fhir/resources.hpp"

namespace kq::fhir {

namespace {

namespace json = boost::json;
using namespace element;

constexpr std::string_view kGrantorId = "grantor";  // the contained RelatedPerson

// draft | active | rejected keep their name; a withdrawn or expired consent is "inactive" in
// FHIR R4, and the extension consent-status keeps which of the two it is.
std::string_view fhir_status(std::string_view canonical) {
  if (canonical == "draft" || canonical == "active" || canonical == "rejected") return canonical;
  if (canonical == "withdrawn" || canonical == "expired") return "inactive";
  return "entered-in-error";  // validation admits no other status; never reached for a stored consent
}

json::object scope(const std::optional<std::string>& canonical) {
  const std::string_view code = canonical ? std::string_view(*canonical) : "patient-privacy";
  for (std::string_view known : {"adr", "research", "patient-privacy", "treatment"}) {
    if (code == known) return codeable(coding(hl7::kConsentScope, code));
  }
  return codeable(coding(local_code_system("consent-scope"), code));
}

json::object purpose(std::string_view code) {
  for (const core::PurposeOfUse& p : core::hl7_purposes_of_use()) {
    if (p.code == code) return coding(hl7::kActReason, code, std::string(p.display));
  }
  return coding(local_code_system("purpose-of-use"), code);
}

json::object data_category(std::string_view code) {
  if (auto category = core::parse_data_category(code)) {
    return codeable(coding(local_code_system("data-category"), code, std::string(core::describe(*category).name_zh)));
  }
  return codeable(coding(local_code_system("data-category"), code));
}

// A recipient is an organisation id or "role:<name>" (every principal holding the role).
json::object recipient(std::string_view text) {
  json::object who;
  if (text.starts_with("role:")) {
    who = json::object{{"identifier", {{"system", local_identifier_system("principal-role")},
                                       {"value", text.substr(5)}}}};
  } else {
    who = reference("Organization", text);
  }
  return {{"role", codeable(coding(hl7::kParticipationType, "IRCP", std::string("information recipient")))},
          {"reference", std::move(who)}};
}

// The grantor: a guardian as a contained RelatedPerson of the subject; the subject itself as
// the Patient. Without a grantor in the record the performer stays unknown (absent).
void grantor(json::object& out, const core::Consent& record) {
  if (record.grantor_is_guardian) {
    json::object related{{"resourceType", "RelatedPerson"}, {"id", kGrantorId},
                         {"patient", reference("Patient", record.person_id)}};
    if (record.grantor && record.grantor->relationship) {
      related["relationship"] = json::array{
          codeable(coding(local_code_system("gbt4761-relationship"), *record.grantor->relationship)),
          codeable(coding(hl7::kRoleCode, "GUARD", std::string("guardian")))};
    } else {
      related["relationship"] = json::array{codeable(coding(hl7::kRoleCode, "GUARD", std::string("guardian")))};
    }
    if (record.grantor && record.grantor->name) related["name"] = json::array{json::object{{"text", *record.grantor->name}}};
    out["contained"] = json::array{std::move(related)};
    out["performer"] = json::array{json::object{{"reference", "#" + std::string(kGrantorId)}}};
  } else if (record.grantor) {
    out["performer"] = json::array{reference("Patient", record.person_id)};
  }
}

json::object provision(const core::Consent& record) {
  json::object p{{"type", record.status == "rejected" ? "deny" : "permit"}};
  if (record.period) p["period"] = period(*record.period);
  for (const std::string& r : record.recipients) append(p, "actor", recipient(r));
  for (const std::string& code : record.purposes) append(p, "purpose", purpose(code));
  for (const std::string& code : record.data_categories) append(p, "code", data_category(code));
  return p;
}

}  // namespace

json::object consent(const core::Consent& record, const RecordMeta& meta) {
  json::object out = resource("Consent", record.id, meta.version, meta.written_at_ms);
  grantor(out, record);
  append(out, "extension", extension("separate-consent", "valueBoolean", record.separate_consent));
  if (fhir_status(record.status) != record.status) {
    append(out, "extension", extension("consent-status", "valueCode", record.status));
  }
  if (record.withdrawn_at) append(out, "extension", extension("withdrawn-at", "valueDateTime", date_time(*record.withdrawn_at)));
  if (record.notice_version) append(out, "extension", extension("notice-version", "valueString", *record.notice_version));
  if (record.method) append(out, "extension", extension("consent-method", "valueCode", *record.method));
  out["status"] = fhir_status(record.status);
  out["scope"] = scope(record.scope);
  out["category"] = json::array{codeable(coding("http://loinc.org", "59284-0"))};
  if (!record.person_id.empty()) out["patient"] = reference("Patient", record.person_id);
  if (record.granted_at) out["dateTime"] = date_time(*record.granted_at);
  if (!record.org_id.empty()) out["organization"] = json::array{reference("Organization", record.org_id)};
  if (record.evidence_id) {
    json::object evidence{{"system", local_identifier_system("consent-form-no")}, {"value", *record.evidence_id}};
    if (!record.org_id.empty()) evidence["assigner"] = reference("Organization", record.org_id);
    out["sourceReference"] = json::object{{"identifier", std::move(evidence)}};
  }
  // ppc-1 wants a policy or a policy rule: the lawful basis is the rule the consent rests on.
  if (!record.lawful_basis.empty()) {
    out["policyRule"] = codeable(coding(local_code_system("lawful-basis"), record.lawful_basis));
  }
  out["provision"] = provision(record);
  return out;
}

}  // namespace kq::fhir
