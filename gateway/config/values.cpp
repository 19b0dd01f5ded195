#include "gateway/config/values.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <system_error>

namespace kq::config {

namespace {

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Unsigned decimal prefix of `text`; `digits` receives how many characters it used.
std::optional<std::int64_t> leading_number(std::string_view text, std::size_t& digits) {
  digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc{} || end != text.data() + digits) return std::nullopt;
  return value;
}

struct Unit {
  std::string_view name;
  std::int64_t factor;
};

constexpr std::array<Unit, 5> kDurationUnits{
    {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}}};
constexpr std::array<Unit, 5> kSizeUnits{{{"TiB", std::int64_t{1} << 40},
                                          {"GiB", std::int64_t{1} << 30},
                                          {"MiB", std::int64_t{1} << 20},
                                          {"KiB", std::int64_t{1} << 10},
                                          {"B", 1}}};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == '-') c = '_';
  }
  return out;
}

}  // namespace

std::string quote_found(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (text.size() <= kMax) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMax)) + "...'";
}

std::optional<std::int64_t> parse_integer(std::string_view text, std::string& error) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (!all_digits(digits)) {
    error = text.empty() ? "expected an integer, found an empty value" : "expected an integer, found " + quote_found(text);
    return std::nullopt;
  }
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    error = "integer " + quote_found(text) + " is out of range";
    return std::nullopt;
  }
  return value;
}

std::optional<bool> parse_boolean(std::string_view text, std::string& error) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  error = text.empty() ? "expected true or false, found an empty value"
                       : "expected true or false, found " + quote_found(text);
  return std::nullopt;
}

std::optional<std::int64_t> parse_duration_ms(std::string_view text, std::string& error) {
  static const std::string kExpected = "expected a duration such as 250ms, 5s, 2m or 1h";
  if (text.empty()) {
    error = kExpected + ", found an empty value";
    return std::nullopt;
  }
  std::size_t used = 0;
  std::optional<std::int64_t> number = leading_number(text, used);
  if (used == 0) {
    error = kExpected + ", found " + quote_found(text);
    return std::nullopt;
  }
  if (!number) {
    error = "duration " + quote_found(text) + " is too large";
    return std::nullopt;
  }
  std::string_view unit = text.substr(used);
  if (unit.empty()) {
    const std::string n(text);
    error = kExpected + ", found " + quote_found(text) + "; add a unit, e.g. '" + n + "ms' or '" + n + "s'";
    return std::nullopt;
  }
  if (unit.front() == '.') {
    error = "fractions are not supported in durations, found " + quote_found(text) + "; use a smaller unit (e.g. 1500ms)";
    return std::nullopt;
  }
  for (const Unit& u : kDurationUnits) {
    if (unit != u.name) continue;
    if (*number > kMaxInt / u.factor) {
      error = "duration " + quote_found(text) + " is too large";
      return std::nullopt;
    }
    return *number * u.factor;
  }
  error = "unknown duration unit " + quote_found(unit) + " in " + quote_found(text) + "; use ms, s, m, h or d";
  return std::nullopt;
}

std::optional<std::int64_t> parse_bytes(std::string_view text, std::string& error) {
  static const std::string kExpected = "expected a size such as 512, 64KiB, 16MiB or 1GiB";
  if (text.empty()) {
    error = kExpected + ", found an empty value";
    return std::nullopt;
  }
  std::size_t used = 0;
  std::optional<std::int64_t> number = leading_number(text, used);
  if (used == 0) {
    error = kExpected + ", found " + quote_found(text);
    return std::nullopt;
  }
  if (!number) {
    error = "size " + quote_found(text) + " is too large";
    return std::nullopt;
  }
  std::string_view unit = text.substr(used);
  if (unit.empty()) return number;
  if (unit.front() == '.') {
    error = "fractions are not supported in sizes, found " + quote_found(text) + "; use a smaller unit (e.g. 1536KiB)";
    return std::nullopt;
  }
  for (const Unit& u : kSizeUnits) {
    if (unit != u.name) continue;
    if (*number > kMaxInt / u.factor) {
      error = "size " + quote_found(text) + " is too large";
      return std::nullopt;
    }
    return *number * u.factor;
  }
  const std::string lowered = lower(unit);
  if (lowered == "k" || lowered == "kb" || lowered == "m" || lowered == "mb" || lowered == "g" || lowered == "gb" ||
      lowered == "t" || lowered == "tb") {
    error = "ambiguous size unit " + quote_found(unit) + " in " + quote_found(text) +
            "; use KiB, MiB, GiB or TiB (powers of 1024)";
  } else {
    error = "unknown size unit " + quote_found(unit) + " in " + quote_found(text) + "; use B, KiB, MiB, GiB or TiB";
  }
  return std::nullopt;
}

std::string format_duration_ms(std::int64_t ms) {
  if (ms != 0) {
    for (const Unit& u : kDurationUnits) {
      if (ms % u.factor == 0) return std::to_string(ms / u.factor) + std::string(u.name);
    }
  }
  return std::to_string(ms) + "ms";
}

std::string format_bytes(std::int64_t bytes) {
  if (bytes != 0) {
    for (const Unit& u : kSizeUnits) {
      if (u.factor > 1 && bytes % u.factor == 0) return std::to_string(bytes / u.factor) + std::string(u.name);
    }
  }
  return std::to_string(bytes);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rolling rows are enough for the transposition case, which looks two rows back.
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> nearest_name(std::string_view wrong, const std::vector<std::string>& candidates) {
  const std::string needle = lower(wrong);
  // Short words need a tighter bound: any two 3-letter keys are within distance 3 of each other.
  const std::size_t allowed = needle.size() <= 3 ? 1 : needle.size() <= 6 ? 2 : 3;
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t d = edit_distance(needle, lower(candidate));
    if (d < best_distance && d < std::max(needle.size(), candidate.size())) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace kq::config
