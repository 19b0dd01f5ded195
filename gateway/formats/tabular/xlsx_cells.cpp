// Cell values of XLSX sheets: number formats, date serials, numbers, OOXML escapes.
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "gateway/formats/tabular/xlsx_parts.hpp"

namespace kq::formats {

namespace {

constexpr double kLastSerial = 2958466.0;  // 10000-01-01: Excel's dates end on 9999-12-31
constexpr long long kSecondsPerDay = 86400;

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civil_from_days(long long z, long long& y, unsigned& m, unsigned& d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<long long>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

std::string two(long long v) { return (v < 10 ? "0" : "") + std::to_string(v); }

std::string iso_date(long long y, unsigned m, unsigned d) {
  std::string year = std::to_string(y);
  while (year.size() < 4) year.insert(year.begin(), '0');
  return year + "-" + two(m) + "-" + two(d);
}

// A date serial as ISO text; "" when no calendar date corresponds (negative, past 9999, or the
// 1900 system's day 0, which Excel shows as 1900-01-00).
std::string render_serial(double serial, NumberStyle style, bool date1904) {
  if (!(serial >= 0.0) || serial >= kLastSerial) return "";
  auto day = static_cast<long long>(std::floor(serial));
  long long seconds = std::llround((serial - static_cast<double>(day)) * static_cast<double>(kSecondsPerDay));
  if (seconds >= kSecondsPerDay) {
    ++day;
    seconds -= kSecondsPerDay;
  }
  const std::string time = two(seconds / 3600) + ":" + two(seconds / 60 % 60) + ":" + two(seconds % 60);
  if (style == NumberStyle::kTime) return time;
  std::string date;
  if (date1904) {
    long long y = 0;
    unsigned m = 0;
    unsigned d = 0;
    civil_from_days(days_from_civil(1904, 1, 1) + day, y, m, d);
    date = iso_date(y, m, d);
  } else if (day == 0) {
    return "";
  } else if (day == 60) {
    date = "1900-02-29";  // Lotus 1-2-3's leap-year bug, kept by Excel: the sender sees this day
  } else {
    long long y = 0;
    unsigned m = 0;
    unsigned d = 0;
    // Before the phantom day serials count from 1899-12-31, after it from 1899-12-30.
    civil_from_days(days_from_civil(1899, 12, day < 60 ? 31 : 30) + day, y, m, d);
    date = iso_date(y, m, d);
  }
  return style == NumberStyle::kDateTime ? date + "T" + time : date;
}

// Excel keeps 15 significant digits; beyond that a double's digits are noise (0.1 + 0.2 is stored
// as 0.30000000000000004 and shown as 0.3). Fixed notation, trailing zeros dropped.
std::string render_number(double value) {
  if (value == 0.0) return "0";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific, 14);
  const std::string_view sci(buffer, static_cast<std::size_t>(result.ptr - buffer));
  const std::size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c >= '0' && c <= '9') digits += c;
  }
  const int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = sci.front() == '-' ? "-" : "";
  if (exponent < 0) {
    return out + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  }
  const auto whole = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= whole) return out + digits + std::string(whole - digits.size(), '0');
  return out + digits.substr(0, whole) + "." + digits.substr(whole);
}

bool is_builtin_date(unsigned id) {
  return (id >= 14 && id <= 17) || (id >= 27 && id <= 31) || id == 36 || (id >= 50 && id <= 54) || id == 57 || id == 58;
}

bool is_builtin_time(unsigned id) {
  return (id >= 18 && id <= 21) || (id >= 32 && id <= 35) || (id >= 45 && id <= 47) || id == 55 || id == 56;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

NumberStyle classify_number_format(unsigned id, std::string_view code) {
  if (code.empty()) {
    if (id == 22) return NumberStyle::kDateTime;
    if (is_builtin_date(id)) return NumberStyle::kDate;
    if (is_builtin_time(id)) return NumberStyle::kTime;
    return NumberStyle::kNumber;
  }
  bool date = false;
  bool time = false;
  bool month_or_minute = false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == ';') break;  // only the first section formats positive numbers such as dates
    if (c == '"') {
      const std::size_t close = code.find('"', i + 1);
      i = close == std::string_view::npos ? code.size() : close;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // an escaped literal, a padding or a fill character
    } else if (c == '[') {
      const std::size_t close = code.find(']', i + 1);
      const std::string_view inside = code.substr(i + 1, close == std::string_view::npos ? 0 : close - i - 1);
      if (inside.find_first_not_of("hHmMsS") == std::string_view::npos && !inside.empty()) time = true;  // [h]:mm
      i = close == std::string_view::npos ? code.size() : close;
    } else if (c == 'y' || c == 'Y' || c == 'd' || c == 'D') {
      date = true;
    } else if (c == 'h' || c == 'H' || c == 's' || c == 'S') {
      time = true;
    } else if (c == 'm' || c == 'M') {
      month_or_minute = true;
    }
  }
  if (month_or_minute && !time) date = true;  // "mmm" alone is a month; beside h or s, minutes
  if (date && time) return NumberStyle::kDateTime;
  if (date) return NumberStyle::kDate;
  if (time) return NumberStyle::kTime;
  return NumberStyle::kNumber;
}

std::string render_numeric_cell(std::string_view value, NumberStyle style, bool date1904) {
  double number = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc{} || end != value.data() + value.size() || !std::isfinite(number)) return std::string(value);
  if (style != NumberStyle::kNumber) {
    std::string date = render_serial(number, style, date1904);
    if (!date.empty()) return date;
  }
  return render_number(number);
}

std::string decode_ooxml_escapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_' && i + 6 < text.size() && text[i + 1] == 'x' && text[i + 6] == '_') {
      unsigned cp = 0;
      bool hex = true;
      for (std::size_t k = i + 2; k < i + 6; ++k) {
        const int h = hex_digit(text[k]);
        hex = hex && h >= 0;
        cp = cp * 16 + static_cast<unsigned>(h < 0 ? 0 : h);
      }
      if (hex && (cp < 0xD800 || cp > 0xDFFF)) {
        append_utf8(out, cp);
        i += 6;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace kq::formats
