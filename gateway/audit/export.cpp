#include "gateway/audit/export.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/dates.hpp"

namespace kq::audit {

namespace json = boost::json;

namespace {

constexpr std::string_view kDicom = "http://dicom.nema.org/resources/ontology/DCM";
constexpr std::string_view kLifecycle = "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle";
constexpr std::string_view kEntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
constexpr std::string_view kObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";
constexpr std::string_view kSourceType = "http://terminology.hl7.org/CodeSystem/security-source-type";
constexpr std::string_view kActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
constexpr std::string_view kGatewayActor = "kangqiao";

std::string utc(std::int64_t ms) { return core::DateTime::from_utc_millis(ms, 0).iso(); }

json::object coding(std::string_view system, std::string_view code, std::string_view display = {}) {
  json::object c;
  c["system"] = system;
  c["code"] = code;
  if (!display.empty()) c["display"] = display;
  return c;
}

// ISO 21089 lifecycle event for what the entry records; "" when none fits.
std::string_view lifecycle_of(std::string_view event, std::string_view action, const json::object& detail) {
  if (event == "110107") return action == "U" ? "transform" : "receive";
  if (event == "110110") return detail.contains("merged_person_id") ? "merge" : "amend";
  if (event == "110106") return "disclose";
  if (event == "110101" || event == "110112") return "access";
  return {};
}

json::object detail_object(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (!ec && v.is_object()) return std::move(v.get_object());
  json::object o;
  o["text"] = text;  // not JSON: kept whole
  return o;
}

std::string scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

json::array agents(const StoredEntry& e, const json::object& detail) {
  json::array out;
  json::object who;
  json::object actor;
  const std::string name = e.actor.value_or("anonymous");
  actor["identifier"] = json::object{{"value", name}};
  who["who"] = std::move(actor);
  who["requestor"] = name != kGatewayActor;  // the gateway acting on its own is not a requestor
  if (const auto* peer = detail.if_contains("peer"); peer != nullptr && peer->is_string() && !peer->get_string().empty()) {
    who["network"] = json::object{{"address", peer->get_string()}, {"type", "2"}};  // 2: IP address
  }
  if (const auto* purpose = detail.if_contains("purpose_of_use"); purpose != nullptr && purpose->is_string()) {
    who["purposeOfUse"] = json::array{json::object{{"coding", json::array{coding(kActReason, purpose->get_string())}}}};
  }
  out.push_back(std::move(who));
  if (e.org_id) {
    json::object org;
    org["who"] = json::object{{"identifier", json::object{{"value", *e.org_id}}}, {"type", "Organization"}};
    org["requestor"] = false;
    out.push_back(std::move(org));
  }
  return out;
}

json::array entities(const StoredEntry& e, const json::object& detail) {
  json::array out;
  json::array details;
  for (const auto& item : detail) {
    const std::string key(item.key());
    if (key.size() >= 9 && key.compare(key.size() - 9, 9, "person_id") == 0 && item.value().is_string()) {
      json::object patient;  // BALP: one entity per person concerned, type Person, role Patient
      patient["what"] = json::object{{"reference", "Patient/" + std::string(item.value().get_string())}};
      patient["type"] = coding(kEntityType, "1", "Person");
      patient["role"] = coding(kObjectRole, "1", "Patient");
      out.push_back(std::move(patient));
      continue;
    }
    if (key == "peer" || key == "purpose_of_use") continue;  // already in the agent
    details.push_back(json::object{{"type", key}, {"valueString", scalar_text(item.value())}});
  }
  json::object object;
  object["type"] = coding(kEntityType, "2", "System Object");
  if (e.message_id) object["what"] = json::object{{"identifier", json::object{{"value", *e.message_id}}}};
  if (!details.empty()) object["detail"] = std::move(details);
  if (object.size() > 1) out.emplace(out.begin(), std::move(object));
  return out;
}

// PARAM-VALUE of RFC 5424 structured data: '"', '\' and ']' are escaped.
std::string sd_value(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\' || c == ']') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// HOSTNAME / APP-NAME: printable US-ASCII without spaces, or "-".
std::string header_field(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) {
    if (c > 32 && c < 127) out.push_back(c);
  }
  return out.empty() ? "-" : out;
}

int severity_of(std::int64_t outcome) {
  switch (outcome) {
    case 0: return 6;   // informational
    case 4: return 4;   // warning
    case 8: return 3;   // error
    default: return 2;  // critical
  }
}

}  // namespace

std::string_view dicom_event_display(std::string_view id) {
  if (id == "110100") return "Application Activity";
  if (id == "110101") return "Audit Log Used";
  if (id == "110106") return "Export";
  if (id == "110107") return "Import";
  if (id == "110110") return "Patient Record";
  if (id == "110112") return "Query";
  if (id == "110113") return "Security Alert";
  if (id == "110114") return "User Authentication";
  return {};
}

std::string fhir_audit_event(const StoredEntry& e, std::string_view node) {
  const json::object detail = detail_object(e.detail);
  json::object r;
  r["resourceType"] = "AuditEvent";
  r["id"] = "audit-" + std::to_string(e.seq);
  r["type"] = coding(kDicom, e.event_type, dicom_event_display(e.event_type));
  if (const std::string_view life = lifecycle_of(e.event_type, e.action, detail); !life.empty()) {
    r["subtype"] = json::array{coding(kLifecycle, life)};
  }
  r["action"] = e.action;
  r["recorded"] = utc(e.at_ms);
  r["outcome"] = std::to_string(e.outcome);
  if (const auto* text = detail.if_contains("detail"); text != nullptr && text->is_string()) {
    r["outcomeDesc"] = text->get_string();
  }
  r["agent"] = agents(e, detail);
  json::object source;
  source["observer"] = json::object{{"display", node}};
  source["type"] = json::array{coding(kSourceType, "4", "Application Server")};
  r["source"] = std::move(source);
  json::array entity = entities(e, detail);
  if (!entity.empty()) r["entity"] = std::move(entity);
  return json::serialize(r);
}

std::string syslog_line(const StoredEntry& e, std::string_view node) {
  constexpr int kLogAudit = 13;
  std::string line = "<" + std::to_string(kLogAudit * 8 + severity_of(e.outcome)) + ">1 " + utc(e.at_ms) + " " +
                     header_field(node, 255) + " kangqiao - " + header_field(e.event_type, 32) + " ";
  line += "[kangqiao@32473 seq=\"" + std::to_string(e.seq) + "\" event=\"" + sd_value(e.event_type) +
          "\" action=\"" + sd_value(e.action) + "\" outcome=\"" + std::to_string(e.outcome) + "\"";
  if (e.actor) line += " actor=\"" + sd_value(*e.actor) + "\"";
  if (e.org_id) line += " org=\"" + sd_value(*e.org_id) + "\"";
  if (e.message_id) line += " message=\"" + sd_value(*e.message_id) + "\"";
  if (e.entry_hash) line += " hash=\"" + to_hex(*e.entry_hash) + "\"";
  line += "] \xEF\xBB\xBF";  // MSG is UTF-8: RFC 5424 marks it with a BOM
  line += e.detail;          // JSON text: newlines inside it are escaped, so one entry is one line
  return line;
}

}  // namespace kq::audit
