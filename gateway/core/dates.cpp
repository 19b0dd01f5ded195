#include "gateway/core/dates.hpp"

#include <stdexcept>

#include "gateway/core/text_util.hpp"

namespace kq::core {

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && is_leap_year(year)) return 29;
  return kDays[month - 1];
}

// Counting years from March puts the leap day at the end of the year, so the day of the year
// follows from the month with one linear formula; 400-year eras repeat exactly.
std::int64_t days_from_civil(int year, int month, int day) {
  const std::int64_t y = month <= 2 ? std::int64_t{year} - 1 : std::int64_t{year};
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t year_of_era = y - era * 400;
  const std::int64_t month_from_march = (month + 9) % 12;
  const std::int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

CivilDay civil_from_days(std::int64_t days_since_epoch) {
  const std::int64_t z = days_since_epoch + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t day_of_era = z - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_from_march = (5 * day_of_year + 2) / 153;
  CivilDay out;
  out.day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  out.month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  out.year = static_cast<int>(year_of_era + era * 400 + (out.month <= 2 ? 1 : 0));
  return out;
}

namespace {

constexpr std::string_view kDateForms = "expected YYYY, YYYY-MM, YYYY-MM-DD, YYYYMM or YYYYMMDD";
constexpr std::string_view kIsoDateForms = "expected YYYY, YYYY-MM or YYYY-MM-DD";

// Null when the day exists; otherwise why not, e.g. "day is 29, but 2023-02 has 28 days".
std::optional<std::string> check_ymd(int year, std::optional<int> month, std::optional<int> day) {
  if (year < 1 || year > 9999) return "year is " + std::to_string(year) + ", expected 0001-9999";
  if (!month) {
    if (day) return std::string("a day needs a month");
    return std::nullopt;
  }
  if (*month < 1 || *month > 12) return "month is " + std::to_string(*month) + ", expected 01-12";
  if (!day) return std::nullopt;
  const int last = days_in_month(year, *month);
  if (*day < 1 || *day > last) {
    std::string why = "day is " + std::to_string(*day) + ", but " + pad(year, 4) + "-" +
                      pad(*month, 2) + " has " + std::to_string(last) + " days";
    if (*month == 2 && *day == 29) why += " (" + std::to_string(year) + " is not a leap year)";
    return why;
  }
  return std::nullopt;
}

Parsed<PartialDate> parse_date(std::string_view text, bool allow_compact) {
  const auto fail = [&] {
    return Parsed<PartialDate>::failure("not a date: " +
                                        std::string(allow_compact ? kDateForms : kIsoDateForms));
  };
  std::optional<int> year = read_digits(text, 0, 4);
  if (!year) return fail();
  if (text.size() == 4) return PartialDate::from_parts(*year);
  if (text[4] == '-') {
    std::optional<int> month = read_digits(text, 5, 2);
    if (!month) return fail();
    if (text.size() == 7) return PartialDate::from_parts(*year, month);
    std::optional<int> day = text.size() == 10 && text[7] == '-' ? read_digits(text, 8, 2) : std::nullopt;
    if (!day) return fail();
    return PartialDate::from_parts(*year, month, day);
  }
  if (!allow_compact || !all_digits(text)) return fail();
  if (text.size() == 6) return PartialDate::from_parts(*year, read_digits(text, 4, 2));
  if (text.size() == 8) {
    return PartialDate::from_parts(*year, read_digits(text, 4, 2), read_digits(text, 6, 2));
  }
  return fail();
}

}  // namespace

Parsed<PartialDate> PartialDate::parse(std::string_view text) { return parse_date(text, true); }
Parsed<PartialDate> PartialDate::parse_iso(std::string_view text) { return parse_date(text, false); }

Parsed<PartialDate> PartialDate::from_parts(int year, std::optional<int> month, std::optional<int> day) {
  if (auto why = check_ymd(year, month, day)) return Parsed<PartialDate>::failure(*why);
  PartialDate d;
  d.year_ = year;
  d.month_ = month;
  d.day_ = day;
  d.precision_ = day ? DatePrecision::day : month ? DatePrecision::month : DatePrecision::year;
  return Parsed<PartialDate>::success(d);
}

PartialDate PartialDate::ymd(int year, int month, int day) {
  auto parsed = from_parts(year, month, day);
  if (!parsed) throw std::invalid_argument("PartialDate::ymd: " + parsed.error());
  return *parsed;
}

PartialDate PartialDate::today(int offset_minutes) {
  return DateTime::now(offset_minutes).local_date();
}

std::string PartialDate::iso() const {
  std::string out;
  append_padded(out, year_, 4);
  if (month_) {
    out += '-';
    append_padded(out, *month_, 2);
  }
  if (day_) {
    out += '-';
    append_padded(out, *day_, 2);
  }
  return out;
}

PartialDate PartialDate::earliest_day() const { return ymd(year_, month_.value_or(1), day_.value_or(1)); }

PartialDate PartialDate::latest_day() const {
  const int month = month_.value_or(12);
  return ymd(year_, month, day_.value_or(days_in_month(year_, month)));
}

std::int64_t PartialDate::first_day_number() const {
  return days_from_civil(year_, month_.value_or(1), day_.value_or(1));
}

std::int64_t PartialDate::last_day_number() const {
  const PartialDate last = latest_day();
  return days_from_civil(last.year_, *last.month_, *last.day_);
}

}  // namespace kq::core
