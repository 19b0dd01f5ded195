#pragma once
// The query string of an API request, decoded (Boost.URL): repeated names keep every value, and
// a malformed string is an error for the caller, never a crash.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kq::pull {

class QueryParams {
 public:
  // Nothing when `query` is not a valid query string; `error` says why.
  static std::optional<QueryParams> parse(std::string_view query, std::string& error);

  // The first value of `name`, or nothing.
  std::optional<std::string> get(std::string_view name) const;
  // Every value of `name`, in order; comma-separated values are split too ("kind=a,b").
  std::vector<std::string> list(std::string_view name) const;
  // The names that are not among `known`, in order (for "unknown parameter" replies).
  std::vector<std::string> unknown(std::initializer_list<std::string_view> known) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// A whole number in [min, max]; nothing for anything else.
std::optional<std::int64_t> parse_bounded(std::string_view text, std::int64_t min, std::int64_t max);

// An instant or a date as UTC milliseconds: "2025-03-01T08:00:00+08:00", or "2025-03-01" for the
// start of that day in China (+08:00). Nothing when it is neither.
std::optional<std::int64_t> parse_instant_ms(std::string_view text);

}  // namespace kq::pull
