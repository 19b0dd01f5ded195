// Person → Patient.
#include "gateway/fhir/elements.hpp"
#include "gateway/fhir/local_uris.hpp"
#include "gateway/fhir/resources.hpp"

namespace kq::fhir {

namespace {

namespace json = boost::json;
using namespace element;

json::object human_name(const core::HumanName& name) {
  json::object out;
  if (name.text) out["text"] = *name.text;
  if (name.family) out["family"] = *name.family;
  if (name.given) out["given"] = json::array{*name.given};
  return out;
}

// GB/T 2261.1 → FHIR administrative gender. FHIR folds 0 (not known) and 9 (not stated)
// into "unknown"; the extension keeps the national code, so the difference survives.
std::optional<std::string_view> gender_of(std::string_view code) {
  if (code == "1") return "male";
  if (code == "2") return "female";
  if (code == "0" || code == "9") return "unknown";
  return std::nullopt;
}

std::string_view contact_point_system(std::string_view system) {
  for (std::string_view known : {"phone", "fax", "email", "pager", "url", "sms", "other"}) {
    if (system == known) return known;
  }
  return "other";
}

json::object contact_point(const core::Telecom& t) {
  json::object out{{"system", contact_point_system(t.system)}, {"value", t.value}};
  if (t.use) {
    for (std::string_view known : {"home", "work", "temp", "old", "mobile"}) {
      if (*t.use == known) out["use"] = known;
    }
  }
  return out;
}

json::object address(const core::Address& a) {
  json::object out;
  if (a.admin_code) append(out, "extension", extension("gbt2260-admin-code", "valueCode", *a.admin_code));
  if (a.use) {
    // "home" and "current" (现住址) are where the person lives; "household" (户籍地址) is the
    // place of household registration, which FHIR's use codes have no word for.
    append(out, "extension", extension("address-use", "valueCode", *a.use));
    if (*a.use == "home" || *a.use == "current") out["use"] = "home";
    if (*a.use == "work") out["use"] = "work";
  }
  if (a.text) out["text"] = *a.text;
  return out;
}

json::object contact(const core::Contact& c) {
  json::object out;
  if (c.relationship) {
    append(out, "relationship", codeable(coding(local_code_system("gbt4761-relationship"), *c.relationship)));
  }
  if (c.is_guardian) {
    append(out, "relationship", codeable(coding(hl7::kRoleCode, "GUARD", std::string("guardian"))));
  }
  if (c.name) {
    json::object name = human_name(*c.name);
    if (!name.empty()) out["name"] = std::move(name);
  }
  for (const core::Telecom& t : c.telecom) append(out, "telecom", contact_point(t));
  return out;
}

void coded_extension(json::object& out, std::string_view name, std::string_view code_system_name,
                     const std::optional<std::string>& code) {
  if (code) append(out, "extension", extension(name, "valueCoding", coding(local_code_system(code_system_name), *code)));
}

}  // namespace

json::object patient(const core::Person& person, const RecordMeta& meta) {
  json::object out = resource("Patient", person.id, meta.version, meta.written_at_ms);
  if (person.sex) {
    append(out, "extension", extension("gbt2261-sex", "valueCoding", coding(kGbt2261Sex, *person.sex)));
  }
  coded_extension(out, "ethnicity", "gbt3304-ethnicity", person.ethnicity);
  coded_extension(out, "nationality", "gbt2659-country", person.nationality);
  coded_extension(out, "occupation", "gbt6565-occupation", person.occupation);
  for (const core::Identifier& id : person.identifiers) append(out, "identifier", identifier(id));
  // FHIR forbids empty elements (ele-1): a name of pinyin only, an address or contact with
  // nothing FHIR can carry, is left out rather than written as {}.
  if (person.name) {
    json::object name = human_name(*person.name);
    if (!name.empty()) out["name"] = json::array{std::move(name)};
  }
  for (const core::Telecom& t : person.telecom) append(out, "telecom", contact_point(t));
  if (person.sex) {
    if (auto gender = gender_of(*person.sex)) out["gender"] = *gender;
  }
  if (person.birth_date) out["birthDate"] = person.birth_date->iso();
  if (person.deceased_at) {
    out["deceasedDateTime"] = date_time(*person.deceased_at);
  } else if (person.deceased) {
    out["deceasedBoolean"] = *person.deceased;
  }
  for (const core::Address& a : person.addresses) {
    json::object item = address(a);
    if (!item.empty()) append(out, "address", std::move(item));
  }
  if (person.marital_status) {
    out["maritalStatus"] = codeable(coding(local_code_system("gbt2261.2-marital-status"), *person.marital_status));
  }
  for (const core::Contact& c : person.contacts) {
    json::object item = contact(c);
    if (!item.empty()) append(out, "contact", std::move(item));
  }
  return out;
}

}  // namespace kq::fhir
