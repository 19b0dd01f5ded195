// search_url: a SearchRequest back into a query string that parse_search reads as the same request.
#include <string>

#include "gateway/core/dates.hpp"
#include "gateway/fhir/search.hpp"

namespace kq::fhir {

namespace {

// Percent-encodes all but RFC 3986 unreserved characters and ':' and '/', which a query may
// hold as they are and which keep dates and references readable.
void append_encoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~' || c == ':' || c == '/';
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
}

// FHIR search escaping of one token part: '\' before '\', '|', ',' and '$'.
std::string escape_token(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '|' || c == ',' || c == '$') out += '\\';
    out += c;
  }
  return out;
}

std::string utc_instant(std::int64_t ms) {
  return core::DateTime::from_utc_millis(ms, 0, core::TimePrecision::millisecond).iso();
}

}  // namespace

std::string search_url(std::string_view base_url, const SearchRequest& request,
                       const std::optional<std::string>& cursor) {
  std::string out(base_url);
  out += '/';
  out += request.resource_type;
  char separator = '?';
  auto param = [&](std::string_view name, std::string_view value) {
    out += separator;
    separator = '&';
    out += name;
    out += '=';
    append_encoded(out, value);
  };
  if (request.updated_from_ms) param("_lastUpdated", "ge" + utc_instant(*request.updated_from_ms));
  if (request.updated_until_ms) param("_lastUpdated", "lt" + utc_instant(*request.updated_until_ms));
  if (request.identifier) {
    const IdentifierToken& id = *request.identifier;
    param("identifier", id.system ? escape_token(*id.system) + "|" + escape_token(id.value) : escape_token(id.value));
  }
  if (request.patient_id) param("patient", "Patient/" + *request.patient_id);
  param("_count", std::to_string(request.count));
  if (cursor) param("_cursor", *cursor);
  return out;
}

}  // namespace kq::fhir
