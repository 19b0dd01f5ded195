// DateTime parsing and formatting. HL7 v2 and ISO 8601 are read by one scanner because feeds mix
// them freely (an HIS sends TS in MSH and ISO in a JSON side channel).
#include <algorithm>
#include <chrono>

#include "gateway/core/dates.hpp"
#include "gateway/core/text_util.hpp"

namespace kq::core {

namespace {

constexpr std::int64_t kMillisPerMinute = 60'000;
constexpr std::int64_t kMillisPerDay = 86'400'000;
constexpr int kMinOffset = -12 * 60;
constexpr int kMaxOffset = 14 * 60;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string format_offset(int minutes) {
  if (minutes == 0) return "Z";
  const int magnitude = minutes < 0 ? -minutes : minutes;
  return std::string(minutes < 0 ? "-" : "+") + pad(magnitude / 60, 2) + ":" + pad(magnitude % 60, 2);
}

}  // namespace

// Reads one date-time text left to right; each step either advances or records why it stopped.
class DateTimeParser {
 public:
  DateTimeParser(std::string_view text, bool iso_only, int default_offset)
      : text_(text), iso_only_(iso_only), default_offset_(default_offset) {}

  Parsed<DateTime> run() {
    const bool iso_date = text_.size() >= 5 && text_[4] == '-';
    if (iso_date ? !read_iso() : (iso_only_ || !read_hl7())) {
      return Parsed<DateTime>::failure(error_.empty() ? format_error() : error_);
    }
    if (auto why = check_fields()) return Parsed<DateTime>::failure(*why);
    return Parsed<DateTime>::success(out_);
  }

 private:
  std::string format_error() const {
    return iso_only_ ? "not a date-time: expected ISO 8601 like 2024-03-05T08:30:00+08:00"
                     : "not a date-time: expected ISO 8601 (2024-03-05T08:30:00+08:00) or "
                       "HL7 (20240305083000)";
  }

  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  bool take(int& field, std::size_t count) {
    auto value = read_digits(text_, pos_, count);
    if (!value) return false;
    field = *value;
    pos_ += count;
    return true;
  }

  bool take_char(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool read_iso() {
    DateTime& o = out_;
    if (!take(o.year_, 4) || !take_char('-') || !take(o.month_, 2) || !take_char('-') ||
        !take(o.day_, 2)) {
      return false;
    }
    if (pos_ == text_.size()) return fail("has no time of day (a date alone is a PartialDate)");
    if (!take_char('T') && (iso_only_ || !take_char(' '))) return false;
    if (!take(o.hour_, 2) || !take_char(':') || !take(o.minute_, 2)) {
      return fail("needs at least hours and minutes after the date");
    }
    o.precision_ = TimePrecision::minute;
    if (take_char(':')) {
      if (!take(o.second_, 2)) return false;
      o.precision_ = TimePrecision::second;
      if (take_char('.') && !read_fraction()) return false;
    }
    return read_offset(true);
  }

  bool read_hl7() {
    std::size_t run = 0;
    while (run < text_.size() && is_ascii_digit(text_[run])) ++run;
    if (run == 8) return fail("has no time of day (a date alone is a PartialDate)");
    if (run == 10) return fail("needs at least hours and minutes after the date");
    if (run != 12 && run != 14) return false;
    DateTime& o = out_;
    take(o.year_, 4);
    take(o.month_, 2);
    take(o.day_, 2);
    take(o.hour_, 2);
    take(o.minute_, 2);
    o.precision_ = TimePrecision::minute;
    if (run == 14) {
      take(o.second_, 2);
      o.precision_ = TimePrecision::second;
      if (take_char('.') && !read_fraction()) return false;
    }
    return read_offset(false);
  }

  // Keeps milliseconds; HL7 allows four fraction digits and ISO any number, so more are cut off.
  bool read_fraction() {
    const std::size_t start = pos_;
    int millis = 0;
    while (pos_ < text_.size() && is_ascii_digit(text_[pos_])) {
      if (pos_ - start < 3) millis = millis * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    const std::size_t count = pos_ - start;
    if (count == 0) return fail("the fraction of a second needs digits after '.'");
    for (std::size_t i = count; i < 3; ++i) millis *= 10;
    out_.millisecond_ = millis;
    out_.precision_ = TimePrecision::millisecond;
    return true;
  }

  bool read_offset(bool iso) {
    DateTime& o = out_;
    if (pos_ == text_.size()) {
      if (iso_only_) return fail("needs an explicit UTC offset (Z or +hh:mm)");
      o.offset_minutes_ = default_offset_;
      o.offset_assumed_ = true;
      return true;
    }
    if (iso && take_char('Z') && pos_ == text_.size()) {
      o.offset_minutes_ = 0;
      return true;
    }
    const char sign = text_[pos_];
    if (sign != '+' && sign != '-') return fail("unexpected text after the time of day");
    ++pos_;
    int hours = 0, minutes = 0;
    const bool extended = iso && pos_ + 2 < text_.size() && text_[pos_ + 2] == ':';
    const bool ok = take(hours, 2) && (!extended || take_char(':')) && take(minutes, 2) &&
                    pos_ == text_.size();
    if (!ok || (iso_only_ && !extended)) {
      return fail(iso_only_ ? "UTC offset must be Z or +hh:mm" : "UTC offset must be +hhmm or +hh:mm");
    }
    if (minutes > 59) return fail("UTC offset minutes are " + std::to_string(minutes) + ", expected 00-59");
    o.offset_minutes_ = (sign == '-' ? -1 : 1) * (hours * 60 + minutes);
    if (o.offset_minutes_ < kMinOffset || o.offset_minutes_ > kMaxOffset) {
      return fail("UTC offset " + format_offset(o.offset_minutes_) + " is outside -12:00..+14:00");
    }
    return true;
  }

  std::optional<std::string> check_fields() const {
    const DateTime& o = out_;
    auto date = PartialDate::from_parts(o.year_, o.month_, o.day_);
    if (!date) return date.error();
    if (o.hour_ > 23) return "hour is " + std::to_string(o.hour_) + ", expected 00-23";
    if (o.minute_ > 59) return "minute is " + std::to_string(o.minute_) + ", expected 00-59";
    if (o.second_ > 59) return "second is " + std::to_string(o.second_) + ", expected 00-59";
    return std::nullopt;
  }

  std::string_view text_;
  bool iso_only_;
  int default_offset_;
  std::size_t pos_ = 0;
  DateTime out_;
  std::string error_;
};

Parsed<DateTime> DateTime::parse(std::string_view text, int default_offset_minutes) {
  return DateTimeParser(text, false, default_offset_minutes).run();
}

Parsed<DateTime> DateTime::parse_iso(std::string_view text) {
  return DateTimeParser(text, true, 0).run();
}

DateTime DateTime::from_utc_millis(std::int64_t utc_millis, int offset_minutes, TimePrecision precision) {
  const std::int64_t local = utc_millis + offset_minutes * kMillisPerMinute;
  const std::int64_t day_number = floor_div(local, kMillisPerDay);
  std::int64_t rest = local - day_number * kMillisPerDay;
  const CivilDay day = civil_from_days(day_number);
  DateTime dt;
  dt.year_ = day.year;
  dt.month_ = day.month;
  dt.day_ = day.day;
  dt.hour_ = static_cast<int>(rest / 3'600'000);
  rest %= 3'600'000;
  dt.minute_ = static_cast<int>(rest / 60'000);
  rest %= 60'000;
  // Precision drops the finer fields rather than rounding, so the wall time never moves forward.
  dt.second_ = precision == TimePrecision::minute ? 0 : static_cast<int>(rest / 1000);
  dt.millisecond_ = precision == TimePrecision::millisecond ? static_cast<int>(rest % 1000) : 0;
  dt.offset_minutes_ = offset_minutes;
  dt.precision_ = precision;
  return dt;
}

DateTime DateTime::now(int offset_minutes) {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
  return from_utc_millis(static_cast<std::int64_t>(millis), offset_minutes);
}

std::int64_t DateTime::utc_millis() const {
  const std::int64_t local = days_from_civil(year_, month_, day_) * kMillisPerDay +
                             std::int64_t{hour_} * 3'600'000 + std::int64_t{minute_} * 60'000 +
                             std::int64_t{second_} * 1000 + millisecond_;
  return local - offset_minutes_ * kMillisPerMinute;
}

namespace {

// `value` (0 <= value < 10^width) as exactly `width` digits.
char* put_digits(char* p, int value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + width;
}

}  // namespace

std::size_t DateTime::write_iso(char* out) const {
  char* p = out;
  if (year_ >= 0 && year_ <= 9999) {
    p = put_digits(p, year_, 4);
  } else {  // outside what a date is parsed as; kept readable rather than truncated
    std::string year;
    append_padded(year, year_, 4);
    p = std::copy(year.begin(), year.end(), p);
  }
  const auto part = [&p](char before, int value, int width) {
    *p++ = before;
    p = put_digits(p, value, width);
  };
  part('-', month_, 2);
  part('-', day_, 2);
  part('T', hour_, 2);
  part(':', minute_, 2);
  if (precision_ != TimePrecision::minute) part(':', second_, 2);
  if (precision_ == TimePrecision::millisecond) part('.', millisecond_, 3);
  if (offset_minutes_ == 0) {
    *p++ = 'Z';
  } else {
    const int magnitude = offset_minutes_ < 0 ? -offset_minutes_ : offset_minutes_;
    part(offset_minutes_ < 0 ? '-' : '+', magnitude / 60 % 100, 2);
    part(':', magnitude % 60, 2);
  }
  return static_cast<std::size_t>(p - out);
}

std::string DateTime::iso() const {
  char text[kIsoMax];
  return std::string(text, write_iso(text));
}

PartialDate DateTime::local_date() const { return PartialDate::ymd(year_, month_, day_); }

bool operator==(const DateTime& a, const DateTime& b) {
  return a.year_ == b.year_ && a.month_ == b.month_ && a.day_ == b.day_ && a.hour_ == b.hour_ &&
         a.minute_ == b.minute_ && a.second_ == b.second_ && a.millisecond_ == b.millisecond_ &&
         a.offset_minutes_ == b.offset_minutes_ && a.precision_ == b.precision_;
}

}  // namespace kq::core
