// _lastUpdated: FHIR dates and dateTimes as ranges of instants, and the prefixes that turn a
// range into a bound.
#include <algorithm>
#include <regex>

#include "gateway/core/dates.hpp"
#include "gateway/fhir/search.hpp"

namespace kq::fhir {

namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kDay = 86'400'000;

int number(const std::ssub_match& m) { return std::stoi(m.str()); }

}  // namespace

core::Parsed<InstantRange> parse_fhir_date_range(std::string_view text) {
  using R = core::Parsed<InstantRange>;
  // YYYY[-MM[-DD[Thh:mm[:ss[.fff]][Z|±hh:mm]]]]
  static const std::regex pattern(
      R"(^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$)");
  const std::string s(text);
  std::smatch m;
  if (!std::regex_match(s, m, pattern)) {
    return R::failure("expected a FHIR date or dateTime such as 2024-03-05 or 2024-03-05T08:30:00+08:00");
  }
  const int year = number(m[1]);
  const int month = m[2].matched ? number(m[2]) : 1;
  const int day = m[3].matched ? number(m[3]) : 1;
  if (month < 1 || month > 12) return R::failure("month must be 01 to 12");
  if (day < 1 || day > core::days_in_month(year, month)) return R::failure("no such day in that month");
  const std::int64_t day_start = core::days_from_civil(year, month, day) * kDay;

  std::int64_t from = 0;
  std::int64_t width = 0;
  int offset_minutes = core::kChinaStandardOffsetMinutes;
  if (!m[4].matched) {  // a date: whole days in +08:00
    from = day_start;
    if (m[3].matched) {
      width = kDay;
    } else if (m[2].matched) {
      width = core::days_in_month(year, month) * kDay;
    } else {
      width = (core::days_from_civil(year + 1, 1, 1) - core::days_from_civil(year, 1, 1)) * kDay;
    }
  } else {
    const int hour = number(m[4]);
    const int minute = number(m[5]);
    const int second = m[6].matched ? number(m[6]) : 0;
    if (hour > 23 || minute > 59 || second > 59) return R::failure("time of day out of range");
    from = day_start + hour * 3'600'000LL + minute * kMinute + second * 1000LL;
    width = m[6].matched ? 1000 : kMinute;
    if (m[7].matched) {
      const std::string digits = m[7].str();
      const std::string ms = (digits + "00").substr(0, 3);  // fraction beyond milliseconds: truncated
      from += std::stoi(ms);
      width = digits.size() >= 3 ? 1 : (digits.size() == 2 ? 10 : 100);
    }
    if (m[8].matched && m[8].str() != "Z") {
      const std::string z = m[8].str();
      const int hh = std::stoi(z.substr(1, 2));
      const int mm = std::stoi(z.substr(4, 2));
      if (hh > 14 || mm > 59) return R::failure("time zone offset out of range");
      offset_minutes = (z[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    } else if (m[8].matched) {
      offset_minutes = 0;
    }
  }
  from -= offset_minutes * kMinute;
  return R::success({from, from + width});
}

std::optional<std::string> apply_last_updated(SearchRequest& request, std::string_view value) {
  std::string_view prefix = "eq";
  if (value.size() >= 2 && std::isalpha(static_cast<unsigned char>(value[0])) != 0) {
    prefix = value.substr(0, 2);
    value.remove_prefix(2);
  }
  if (prefix != "eq" && prefix != "ge" && prefix != "gt" && prefix != "le" && prefix != "lt") {
    return "prefix '" + std::string(prefix) + "' is not supported (eq, ge, gt, le, lt)";
  }
  const core::Parsed<InstantRange> range = parse_fhir_date_range(value);
  if (!range) return range.error();
  // A version's write time is one instant t. Against the range [from, until) of the value:
  // eq: from <= t < until; ge: t >= from; gt: t >= until; le: t < until; lt: t < from.
  std::optional<std::int64_t> lower, upper;
  if (prefix == "eq" || prefix == "ge") lower = range->from_ms;
  if (prefix == "gt") lower = range->until_ms;
  if (prefix == "eq" || prefix == "le") upper = range->until_ms;
  if (prefix == "lt") upper = range->from_ms;
  // Repeated parameters are ANDed: the bounds narrow.
  if (lower) request.updated_from_ms = std::max(request.updated_from_ms.value_or(*lower), *lower);
  if (upper) request.updated_until_ms = std::min(request.updated_until_ms.value_or(*upper), *upper);
  return std::nullopt;
}

}  // namespace kq::fhir
