#include "gateway/fhir/elements.hpp"

#include <algorithm>

#include "gateway/core/dates.hpp"
#include "gateway/fhir/local_uris.hpp"

namespace kq::fhir {

std::string local_code_system(std::string_view name) {
  return std::string(kLocalBase) + "CodeSystem/" + std::string(name);
}
std::string extension_url(std::string_view name) {
  return std::string(kLocalBase) + "StructureDefinition/" + std::string(name);
}
std::string local_identifier_system(std::string_view name) {
  return std::string(kLocalBase) + "sid/" + std::string(name);
}

namespace element {

bool is_fhir_id(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

std::string instant(std::int64_t utc_millis) {
  return core::DateTime::from_utc_millis(utc_millis, core::kChinaStandardOffsetMinutes,
                                         core::TimePrecision::millisecond)
      .iso();
}

std::string date_time(const core::DateTime& value) {
  const core::TimePrecision precision =
      value.precision() == core::TimePrecision::minute ? core::TimePrecision::second : value.precision();
  return core::DateTime::from_utc_millis(value.utc_millis(), value.offset_minutes(), precision).iso();
}

json::object meta(std::int64_t version, std::int64_t written_at_ms) {
  return {{"versionId", std::to_string(version)}, {"lastUpdated", instant(written_at_ms)}};
}

json::object resource(std::string_view type, std::string_view id, std::int64_t version, std::int64_t written_at_ms) {
  return {{"resourceType", type}, {"id", id}, {"meta", meta(version, written_at_ms)}};
}

json::object reference(std::string_view resource_type, std::string_view record_id) {
  if (is_fhir_id(record_id)) {
    return {{"reference", std::string(resource_type) + "/" + std::string(record_id)}};
  }
  return {{"type", resource_type},
          {"identifier", {{"system", local_identifier_system("record-id")}, {"value", record_id}}}};
}

json::object coding(std::string_view system, std::string_view code, const std::optional<std::string>& display) {
  json::object out{{"system", system}, {"code", code}};
  if (display) out["display"] = *display;
  return out;
}

json::object coding(const core::Coding& c) { return coding(c.system, c.code, c.display); }

json::object codeable(json::object coding_object, const std::optional<std::string>& text) {
  json::object out{{"coding", json::array{std::move(coding_object)}}};
  if (text) out["text"] = *text;
  return out;
}

json::object codeable_text(std::string_view text) { return {{"text", text}}; }

json::object quantity(double value, const std::optional<std::string>& unit) {
  json::object out{{"value", value}};
  if (!unit || unit->empty()) return out;
  out["unit"] = *unit;
  const bool ascii = std::all_of(unit->begin(), unit->end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80 && c != ' '; });
  if (ascii) {
    out["system"] = "http://unitsofmeasure.org";
    out["code"] = *unit;
  }
  return out;
}

json::object period(const core::TimePeriod& p) {
  json::object out;
  if (p.start) out["start"] = date_time(*p.start);
  if (p.end) out["end"] = date_time(*p.end);
  return out;
}

json::object period(const core::DatePeriod& p) {
  json::object out;
  if (p.start) out["start"] = p.start->iso();
  if (p.end) out["end"] = p.end->iso();
  return out;
}

json::object extension(std::string_view name, std::string_view value_key, json::value value) {
  json::object out{{"url", extension_url(name)}};
  out[value_key] = std::move(value);
  return out;
}

json::object extension(std::string_view name, std::string_view value_key, std::string_view text) {
  return extension(name, value_key, json::value(json::string(text)));
}

json::object identifier(const core::Identifier& id) {
  json::object out;
  if (id.type) {
    // CV02.01.101 身份证件类别代码: the document type under the resident-ID OID.
    out["type"] = codeable(coding(local_code_system("cv02.01.101"), *id.type));
  }
  out["system"] = id.system;
  out["value"] = id.value;
  if (id.assigner) out["assigner"] = reference("Organization", *id.assigner);
  return out;
}

void append(json::object& target, std::string_view key, json::value item) {
  json::value& slot = target[key];
  if (!slot.is_array()) slot = json::array{};
  slot.as_array().push_back(std::move(item));
}

}  // namespace element
}  // namespace kq::fhir
