#include "gateway/formats/fixed/fields.hpp"

namespace kq::formats {

namespace {

constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";  // GB 18030 A1A1: padding in name fields
constexpr std::size_t kShownBytes = 40;

bool digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!digit(c)) return false;
  }
  return !s.empty();
}

// Spaces and NUL bytes are the padding of positional formats. Neither appears inside a GB 18030
// or UTF-8 multi-byte character, so trimming raw bytes is safe before decoding.
std::string_view trim_padding(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\0')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

std::string trim_text(std::string_view s) {
  bool changed = true;
  while (changed) {
    changed = false;
    s = trim_padding(s);
    if (s.substr(0, kIdeographicSpace.size()) == kIdeographicSpace) {
      s.remove_prefix(kIdeographicSpace.size());
      changed = true;
    }
    if (s.size() >= kIdeographicSpace.size() && s.substr(s.size() - kIdeographicSpace.size()) == kIdeographicSpace) {
      s.remove_suffix(kIdeographicSpace.size());
      changed = true;
    }
  }
  return std::string(s);
}

// The bytes found, as they can be shown to the sender: decoded text when the bytes decode, their
// hexadecimal values when not (a raw GB 18030 byte would corrupt the UTF-8 of the message).
std::string found(std::string_view raw, CharsetDecoder& decoder) {
  const std::string_view shown = raw.substr(0, kShownBytes);
  const std::string more = raw.size() > kShownBytes ? "..." : "";
  std::string text;
  DecodeError ignored;
  if (decoder.decode(shown, text, ignored)) {
    std::string printable;
    for (char c : text) printable += (c == '\0' ? ' ' : c);
    return "'" + printable + more + "'";
  }
  std::string hex = "bytes";
  for (char c : shown) hex += " " + describe_byte(static_cast<unsigned char>(c)).substr(5);
  return hex + more;
}

bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : kDays[month - 1];
}

int number_at(std::string_view s, std::size_t pos, std::size_t count) {
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) value = value * 10 + (s[i] - '0');
  return value;
}

bool read_number(std::string_view t, std::string& value) {
  std::string sign;
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) {
    if (t.front() == '-') sign = "-";
    t.remove_prefix(1);
  }
  const std::size_t point = t.find('.');
  std::string_view whole = t.substr(0, point);
  const std::string_view fraction = point == std::string_view::npos ? std::string_view() : t.substr(point + 1);
  if (whole.empty() && fraction.empty()) return false;
  if ((!whole.empty() && !all_digits(whole)) || (!fraction.empty() && !all_digits(fraction))) return false;
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  value = sign + (whole.empty() ? "0" : std::string(whole));
  if (!fraction.empty()) value += "." + std::string(fraction);
  return true;
}

}  // namespace

bool known_field_type(std::string_view type) {
  return type == "string" || type == "digits" || type == "number" || type == "date" || type == "time";
}

bool read_field(std::string_view raw, const FixedField& field, CharsetDecoder& decoder, std::string& value,
                std::string& error) {
  value.clear();
  const std::string_view t = trim_padding(raw);
  const std::string_view type = field.type;
  if (type == "string") {
    std::string text;
    DecodeError bad;
    if (!decoder.decode(t, text, bad)) {
      const std::size_t at = static_cast<std::size_t>(t.data() - raw.data()) + bad.offset;
      error = bad.message + ", at byte " + std::to_string(field.offset + at + 1) + " of the record";
      return false;
    }
    value = trim_text(text);
    return true;
  }
  if (t.empty()) return true;
  if (type == "digits") {
    if (!all_digits(t)) {
      error = "expected digits, found " + found(t, decoder);
      return false;
    }
    value = std::string(t);
    return true;
  }
  if (type == "number") {
    if (!read_number(t, value)) {
      error = "expected a number (optional sign, digits, optional decimal point), found " + found(t, decoder);
      return false;
    }
    return true;
  }
  if (type == "date") {
    if (t.find_first_not_of('0') == std::string_view::npos) return true;  // 00000000: no date
    if (t.size() != 8 || !all_digits(t)) {
      error = "expected a date as yyyyMMdd, found " + found(t, decoder);
      return false;
    }
    const int year = number_at(t, 0, 4);
    const int month = number_at(t, 4, 2);
    const int day = number_at(t, 6, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
      error = "'" + std::string(t) + "' is not a calendar date (yyyyMMdd)";
      return false;
    }
    value = std::string(t.substr(0, 4)) + "-" + std::string(t.substr(4, 2)) + "-" + std::string(t.substr(6, 2));
    return true;
  }
  if (type == "time") {
    if (t.size() != 6 || !all_digits(t)) {
      error = "expected a time as HHmmss, found " + found(t, decoder);
      return false;
    }
    if (number_at(t, 0, 2) > 23 || number_at(t, 2, 2) > 59 || number_at(t, 4, 2) > 59) {
      error = "'" + std::string(t) + "' is not a time of day (HHmmss)";
      return false;
    }
    value = std::string(t.substr(0, 2)) + ":" + std::string(t.substr(2, 2)) + ":" + std::string(t.substr(4, 2));
    return true;
  }
  error = "unknown field type '" + field.type + "'";
  return false;
}

}  // namespace kq::formats
