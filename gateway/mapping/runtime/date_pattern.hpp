#pragma once
// Date and time layouts as integration engineers write them: `yyyyMMdd`, `yyyy-MM-dd HH:mm`,
// `yyyy年M月d日`. Compiled once; parsing is a single pass without allocation.
//
//   yyyy  4-digit year        MM / M  month (2 digits / 1–2)   dd / d  day (2 / 1–2)
//   HH / H  hour (2 / 1–2)    mm  minute      ss  second       SSS  milliseconds (1–3 digits)
//   Z     UTC offset: Z, +08, +0800 or +08:00
//   'x'   quoted literal text; any other character that is not an ASCII letter stands for itself
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kq::mapping::detail {

struct DateFields {
  int year = -1, month = -1, day = -1;
  int hour = -1, minute = -1, second = -1, millisecond = -1;
  std::optional<int> offset_minutes;
};

class DatePattern {
 public:
  // Nothing, with `error` set, for a pattern with an unknown letter or a field out of order
  // (a day without a month).
  static std::optional<DatePattern> compile(std::string_view pattern, std::string& error);

  // Reads `text` exactly (no leading or trailing characters). On failure `error` says where.
  bool parse(std::string_view text, DateFields& out, std::string& error) const;

  bool has_day() const { return has_day_; }
  bool has_time() const { return has_minute_; }  // hour and minute

 private:
  enum class Part { literal, year, month, day, hour, minute, second, millisecond, offset };
  struct Token {
    Part part = Part::literal;
    int min_digits = 0;
    int max_digits = 0;
    std::string literal;
  };
  std::vector<Token> tokens_;
  std::string text_;
  bool has_month_ = false, has_day_ = false, has_hour_ = false, has_minute_ = false;
};

// "+08:00" → 480; "Z" → 0; "+0530", "-03". Nothing for anything else.
std::optional<int> parse_utc_offset(std::string_view text);

}  // namespace kq::mapping::detail
