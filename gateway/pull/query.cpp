#include "gateway/pull/query.hpp"

#include <charconv>

#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include "gateway/core/dates.hpp"
#include "gateway/fhir/search.hpp"

namespace kq::pull {

std::optional<QueryParams> QueryParams::parse(std::string_view query, std::string& error) {
  QueryParams out;
  if (query.empty()) return out;
  const std::string encoded = fhir::encode_stray_characters(query);
  auto parsed = boost::urls::parse_query(encoded);
  if (!parsed) {
    error = "the query string is malformed: " + parsed.error().message();
    return std::nullopt;
  }
  for (const auto& param : boost::urls::params_view(*parsed)) {
    out.params_.emplace_back(param.key, param.has_value ? param.value : std::string());
  }
  return out;
}

std::optional<std::string> QueryParams::get(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::vector<std::string> QueryParams::list(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : params_) {
    if (key != name) continue;
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t comma = value.find(',', start);
      const std::size_t end = comma == std::string::npos ? value.size() : comma;
      if (end > start) out.push_back(value.substr(start, end - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

std::vector<std::string> QueryParams::unknown(std::initializer_list<std::string_view> known) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : params_) {
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) out.push_back(key);
  }
  return out;
}

std::optional<std::int64_t> parse_bounded(std::string_view text, std::int64_t min, std::int64_t max) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
  return value;
}

std::optional<std::int64_t> parse_instant_ms(std::string_view text) {
  if (text.size() == 10) {
    auto day = core::PartialDate::parse_iso(text);
    if (!day) return std::nullopt;
    const std::int64_t days = day->first_day_number();
    return days * 86'400'000 - std::int64_t{core::kChinaStandardOffsetMinutes} * 60'000;
  }
  auto instant = core::DateTime::parse_iso(text);
  if (!instant) return std::nullopt;
  return instant->utc_millis();
}

}  // namespace kq::pull
