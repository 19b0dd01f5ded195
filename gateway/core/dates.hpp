#pragma once
// Dates and date-times as sources send them.
//
// Sources often know only a year ("出生年份") or a year and month, and a date with an invented
// day would be a lie, so PartialDate keeps its precision: "2014-03" stays "2014-03" all the way
// to the FHIR export. Date-times carry the UTC offset they were written in: the instant is what
// orders events, while the local wall time is what a clinician wrote down and must be shown back.
// Sources that send no offset are almost always on Beijing time,
// which is why +08:00 is the default; it stays a parameter because it is an assumption.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/parsed.hpp"

namespace kq::core {

inline constexpr int kChinaStandardOffsetMinutes = 8 * 60;

// Proleptic Gregorian calendar arithmetic.
bool is_leap_year(int year);
int days_in_month(int year, int month);  // 0 when month is outside 1..12
std::int64_t days_from_civil(int year, int month, int day);  // days since 1970-01-01

struct CivilDay {
  int year = 1970;
  int month = 1;
  int day = 1;
};
CivilDay civil_from_days(std::int64_t days_since_epoch);

enum class DatePrecision { year, month, day };

class PartialDate {
 public:
  // ISO ("2014", "2014-03", "2014-03-07") or compact HL7 style ("2014", "201403", "20140307").
  static Parsed<PartialDate> parse(std::string_view text);
  // The canonical (ISO) forms only: what records hold in JSON.
  static Parsed<PartialDate> parse_iso(std::string_view text);
  // A day without a month is rejected.
  static Parsed<PartialDate> from_parts(int year, std::optional<int> month = std::nullopt,
                                        std::optional<int> day = std::nullopt);
  // For constants and tests; throws std::invalid_argument for a date that does not exist.
  static PartialDate ymd(int year, int month, int day);
  // Today's date at the given UTC offset (the gateway's notion of "now" for "not in the future").
  static PartialDate today(int offset_minutes = kChinaStandardOffsetMinutes);

  int year() const { return year_; }
  std::optional<int> month() const { return month_; }
  std::optional<int> day() const { return day_; }
  DatePrecision precision() const { return precision_; }

  std::string iso() const;  // "2014", "2014-03" or "2014-03-07"

  // The first and last calendar day the value may denote ("2014-02" → 02-01 and 02-28).
  // Comparisons of partial dates are only meaningful as ranges, so there is no operator<.
  PartialDate earliest_day() const;
  PartialDate latest_day() const;
  std::int64_t first_day_number() const;  // days_from_civil(earliest_day())
  std::int64_t last_day_number() const;   // days_from_civil(latest_day())

  bool operator==(const PartialDate&) const = default;

 private:
  PartialDate() = default;
  int year_ = 1970;
  std::optional<int> month_;
  std::optional<int> day_;
  DatePrecision precision_ = DatePrecision::year;
};

enum class TimePrecision { minute, second, millisecond };

class DateTime {
 public:
  // Lenient, for source data: HL7 v2 TS ("202403050830", "20240305083000",
  // "20240305083000.123+0800") and ISO 8601 ("2024-03-05T08:30", "2024-03-05T08:30:00",
  // "2024-03-05 08:30:00.5", with "Z", "+08:00" or "+0800"). Text without an offset gets
  // default_offset_minutes and offset_assumed() is true. Fractions beyond milliseconds are
  // truncated. A date alone is refused: use PartialDate for it.
  static Parsed<DateTime> parse(std::string_view text,
                                int default_offset_minutes = kChinaStandardOffsetMinutes);
  // The canonical form records hold in JSON: ISO 8601 with 'T' and an explicit offset.
  static Parsed<DateTime> parse_iso(std::string_view text);
  static DateTime from_utc_millis(std::int64_t utc_millis,
                                  int offset_minutes = kChinaStandardOffsetMinutes,
                                  TimePrecision precision = TimePrecision::millisecond);
  static DateTime now(int offset_minutes = kChinaStandardOffsetMinutes);

  int year() const { return year_; }
  int month() const { return month_; }
  int day() const { return day_; }
  int hour() const { return hour_; }
  int minute() const { return minute_; }
  int second() const { return second_; }
  int millisecond() const { return millisecond_; }
  int offset_minutes() const { return offset_minutes_; }  // east of UTC
  TimePrecision precision() const { return precision_; }
  // True when the source had no offset and the default was applied.
  bool offset_assumed() const { return offset_assumed_; }

  std::int64_t utc_millis() const;
  // Local wall time with its offset, at the stored precision:
  // "2024-03-05T08:30+08:00", "2024-03-05T08:30:00Z", "2024-03-05T08:30:00.120+08:00".
  std::string iso() const;
  // The same text into `out` (at least kIsoMax chars, not terminated); returns its length.
  // For comparing with stored text without building a string.
  static constexpr std::size_t kIsoMax = 40;
  std::size_t write_iso(char* out) const;
  PartialDate local_date() const;

  // Same wall time, offset and precision. Two texts for one instant in different offsets are
  // not equal, because the wall time is part of what was recorded.
  friend bool operator==(const DateTime& a, const DateTime& b);

 private:
  DateTime() = default;
  int year_ = 1970, month_ = 1, day_ = 1;
  int hour_ = 0, minute_ = 0, second_ = 0, millisecond_ = 0;
  int offset_minutes_ = 0;
  TimePrecision precision_ = TimePrecision::minute;
  bool offset_assumed_ = false;

  friend class DateTimeParser;
};

}  // namespace kq::core
