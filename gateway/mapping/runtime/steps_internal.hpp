#pragma once
// The step implementations, made by steps_compile.cpp once it has read and checked a step's
// arguments. Split by subject: steps_text.cpp (text, lists, checks), steps_values.cpp
// (numbers, units, dates, lookups).
#include <cstddef>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "gateway/mapping/runtime/date_pattern.hpp"
#include "gateway/mapping/runtime/script.hpp"
#include "gateway/mapping/runtime/steps.hpp"
#include "gateway/mapping/value_set.hpp"

namespace kq::mapping::detail {

// Regex work is bounded: libstdc++'s matcher recurses per character, so an untrusted value of
// megabytes could exhaust the stack. Longer values fail the step instead.
inline constexpr std::size_t kMaxRegexInput = 4096;

struct CompiledRegex {
  std::regex regex;
  std::string text;
};

std::unique_ptr<Step> make_trim();
std::unique_ptr<Step> make_upper();
std::unique_ptr<Step> make_lower();
std::unique_ptr<Step> make_substring(std::size_t start, std::optional<std::size_t> length);
std::unique_ptr<Step> make_extract(std::shared_ptr<const CompiledRegex> regex);
std::unique_ptr<Step> make_replace(std::shared_ptr<const CompiledRegex> regex, std::string with);
std::unique_ptr<Step> make_split(std::string separator);
std::unique_ptr<Step> make_component(std::size_t index, char separator);
std::unique_ptr<Step> make_join(std::string separator);
std::unique_ptr<Step> make_default(Value value);
std::unique_ptr<Step> make_one_of(std::vector<std::string> allowed);
std::unique_ptr<Step> make_pattern(std::shared_ptr<const CompiledRegex> regex);
std::unique_ptr<Step> make_resident_id();
// Keeps the values written in one of `scripts` (script.hpp) and drops the others.
std::unique_ptr<Step> make_script_filter(ScriptSet scripts);

std::unique_ptr<Step> make_number(bool integer);
std::unique_ptr<Step> make_round(int places);
std::unique_ptr<Step> make_multiply(double factor);
std::unique_ptr<Step> make_convert(double factor);
std::unique_ptr<Step> make_range(std::optional<double> low, std::optional<double> high);
std::unique_ptr<Step> make_date(std::optional<DatePattern> pattern);
std::unique_ptr<Step> make_excel_date();  // Excel's day numbers (1900 date system) → date
std::unique_ptr<Step> make_datetime(std::optional<DatePattern> pattern, int offset_minutes);
std::unique_ptr<Step> make_not_future();
std::unique_ptr<Step> make_lookup(std::shared_ptr<const ValueSet> set, UnknownCode unknown,
                                  std::optional<Coded> fallback);

// Applies `f(value) -> bool` to every value; removes those for which it returns false.
template <class F>
void each_value(Values& values, F&& f) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!f(values[i])) continue;
    if (kept != i) values[kept] = std::move(values[i]);
    ++kept;
  }
  values.resize(kept);
}

// "'abc'" for a message; long values are shortened.
std::string quote_value(std::string_view text);

}  // namespace kq::mapping::detail
