#pragma once
// Small string helpers shared by the validators and the date parsers. Internal to kq_core.
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kq::core {

inline bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

inline bool is_printable_ascii(char c) { return c >= 0x20 && c < 0x7f; }

inline bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_ascii_digit(c)) return false;
  }
  return true;
}

// The number written by exactly `count` digits at `pos`, or nothing if the text is shorter or
// holds anything else there.
inline std::optional<int> read_digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos > text.size() || text.size() - pos < count) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_ascii_digit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Zero-padded decimal: pad(7, 2) == "07". Negative values keep their sign in front.
inline std::string pad(int value, int width) {
  const bool negative = value < 0;
  std::string digits = std::to_string(negative ? -static_cast<long long>(value) : value);
  if (static_cast<int>(digits.size()) < width) {
    digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
  }
  return negative ? "-" + digits : digits;
}

// pad(value, width) appended to `out` without temporary strings: dates and date-times are
// written for every record the gateway makes.
inline void append_padded(std::string& out, int value, int width) {
  char digits[16];
  const bool negative = value < 0;
  const long long magnitude = negative ? -static_cast<long long>(value) : value;
  char* end = std::to_chars(digits, digits + sizeof digits, magnitude).ptr;
  if (negative) out += '-';
  for (auto n = static_cast<int>(end - digits); n < width; ++n) out += '0';
  out.append(digits, end);
}

// A character for an error message: printable ASCII as itself, anything else as its byte value,
// so that a stray byte from a GBK source cannot break the UTF-8 of the message.
inline std::string describe_char(char c) {
  if (is_printable_ascii(c)) return std::string("'") + c + "'";
  const auto byte = static_cast<unsigned char>(c);
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0x0f];
}

// `s` without leading and trailing white space: ASCII white space and the ideographic space
// U+3000 (E3 80 80), which Chinese forms pad with. The mapping's `trim` step.
inline std::string_view trim_space(std::string_view s) {
  constexpr std::string_view kWide = "\xE3\x80\x80";
  const auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  for (;;) {
    if (!s.empty() && space(s.front())) {
      s.remove_prefix(1);
    } else if (s.starts_with(kWide)) {
      s.remove_prefix(kWide.size());
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() && space(s.back())) {
      s.remove_suffix(1);
    } else if (s.ends_with(kWide)) {
      s.remove_suffix(kWide.size());
    } else {
      return s;
    }
  }
}

// Field paths as FieldError uses them: join_path("a", "b") == "a.b", join_path("", "b") == "b",
// index_path("a", 2) == "a[2]".
std::string join_path(std::string_view base, std::string_view key);
std::string index_path(std::string_view base, std::size_t index);

// The candidate nearest to `word` by edit distance, if one is within 2 edits: the usual distance
// of a typo. Empty when none is.
std::string_view closest_match(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace kq::core
