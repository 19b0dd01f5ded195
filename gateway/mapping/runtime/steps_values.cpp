// Steps that turn text into typed values: numbers and units, dates and date-times, codes.
#include <charconv>
#include <cmath>

#include "gateway/mapping/test_runner/coverage.hpp"
#include "gateway/mapping/runtime/steps_internal.hpp"

namespace kq::mapping::detail {

namespace {

class Number final : public Step {
 public:
  explicit Number(bool integer) : integer_(integer) {}
  void run(Values& values, const StepEnv& env) const override {
    each_value(values, [&](Value& v) {
      double number = 0;
      if (v.is_text()) {
        std::string error;
        if (!text_to_number(v.text(), number, error)) {
          env.fail(v, error, core::ErrorKind::data_type);
          return false;
        }
      } else {
        number = v.number();
      }
      if (integer_ && std::fabs(number - std::round(number)) > 1e-9) {
        env.fail(v, format_number(number) + " is not a whole number", core::ErrorKind::data_type);
        return false;
      }
      v.payload = integer_ ? std::round(number) : number;
      v.integral = integer_;
      return true;
    });
  }

 private:
  bool integer_;
};

// Rounds half away from zero, the way the fitness standard and most lab reports round.
class Round final : public Step {
 public:
  explicit Round(int places) : scale_(std::pow(10.0, places)) {}
  void run(Values& values, const StepEnv&) const override {
    for (Value& v : values) v.payload = std::round(v.number() * scale_) / scale_;
  }

 private:
  double scale_;
};

class Multiply final : public Step {
 public:
  explicit Multiply(double factor) : factor_(factor) {}
  void run(Values& values, const StepEnv&) const override {
    for (Value& v : values) {
      v.payload = v.number() * factor_;
      v.integral = false;
    }
  }

 private:
  double factor_;
};

class Range final : public Step {
 public:
  Range(std::optional<double> low, std::optional<double> high) : low_(low), high_(high) {}
  void run(Values& values, const StepEnv& env) const override {
    each_value(values, [&](Value& v) {
      const double x = v.number();
      if ((!low_ || x >= *low_) && (!high_ || x <= *high_)) return true;
      std::string expected = low_ && high_ ? format_number(*low_) + " to " + format_number(*high_)
                             : low_         ? "at least " + format_number(*low_)
                                            : "at most " + format_number(*high_);
      env.fail(v, format_number(x) + " is out of range, expected " + expected, core::ErrorKind::data_type);
      return false;
    });
  }

 private:
  std::optional<double> low_, high_;
};

bool date_from_fields(const DateFields& f, core::PartialDate& out, std::string& error) {
  auto date = core::PartialDate::from_parts(f.year, f.month >= 0 ? std::optional<int>(f.month) : std::nullopt,
                                            f.day >= 0 ? std::optional<int>(f.day) : std::nullopt);
  if (!date) {
    error = date.error();
    return false;
  }
  out = *date;
  return true;
}

// Excel's 1900 date system counts days with 1 = 1900-01-01 and keeps a 29 February 1900 that
// never was (serial 60), so from 1 March 1900 on a serial is the days since 1899-12-30. Earlier
// serials are refused rather than shifted: no record of a child's health is that old, and a
// number that small in a date column is more likely another column's value. A fraction is the
// time of day, dropped for a date.
class ExcelDate final : public Step {
 public:
  void run(Values& values, const StepEnv& env) const override {
    static const std::int64_t kEpoch = core::days_from_civil(1899, 12, 30);
    each_value(values, [&](Value& v) {
      if (v.kind() == Kind::date) return true;
      if (v.kind() == Kind::datetime) {
        v.payload = std::get<core::DateTime>(v.payload).local_date();
        return true;
      }
      double serial = 0;
      bool read = v.kind() == Kind::number;
      if (read) {
        serial = v.number();
      } else {
        const std::string& text = v.text();
        const char* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(text.data(), end, serial);
        read = ec == std::errc() && ptr == end;
      }
      // 2958465 is 9999-12-31, Excel's last day.
      if (!read || !(serial >= 61 && serial < 2958466)) {
        env.fail(v, quote_value(to_text(v)) + " is not an Excel date serial from 61 (1900-03-01) to 2958465 (9999-12-31)",
                 core::ErrorKind::data_type);
        return false;
      }
      const core::CivilDay day = core::civil_from_days(kEpoch + static_cast<std::int64_t>(serial));
      v.payload = core::PartialDate::ymd(day.year, day.month, day.day);
      return true;
    });
  }
};

class DateStep final : public Step {
 public:
  explicit DateStep(std::optional<DatePattern> pattern) : pattern_(std::move(pattern)) {}
  void run(Values& values, const StepEnv& env) const override {
    each_value(values, [&](Value& v) {
      if (v.kind() == Kind::date) return true;
      if (v.kind() == Kind::datetime) {
        v.payload = std::get<core::DateTime>(v.payload).local_date();
        return true;
      }
      std::string error;
      if (pattern_) {
        DateFields fields;
        core::PartialDate date = core::PartialDate::ymd(1970, 1, 1);
        if (!pattern_->parse(v.text(), fields, error) || !date_from_fields(fields, date, error)) {
          env.fail(v, quote_value(v.text()) + " " + error, core::ErrorKind::data_type);
          return false;
        }
        v.payload = date;
        return true;
      }
      // Lenient: ISO or compact dates, and date-times (an HL7 TS birth date with a time).
      auto date = core::PartialDate::parse(v.text());
      if (date) {
        v.payload = *date;
        return true;
      }
      auto datetime = core::DateTime::parse(v.text());
      if (datetime) {
        v.payload = datetime->local_date();
        return true;
      }
      env.fail(v, quote_value(v.text()) + " is not a date (" + date.error() + ")", core::ErrorKind::data_type);
      return false;
    });
  }

 private:
  std::optional<DatePattern> pattern_;
};

std::string two(int n) { return n < 10 ? "0" + std::to_string(n) : std::to_string(n); }

std::string offset_text(int minutes) {
  const char sign = minutes < 0 ? '-' : '+';
  const int m = std::abs(minutes);
  return sign + two(m / 60) + ":" + two(m % 60);
}

class DateTimeStep final : public Step {
 public:
  DateTimeStep(std::optional<DatePattern> pattern, int offset) : pattern_(std::move(pattern)), offset_(offset) {}
  void run(Values& values, const StepEnv& env) const override {
    each_value(values, [&](Value& v) {
      if (v.kind() == Kind::datetime) return true;
      if (!pattern_) {
        auto parsed = core::DateTime::parse(v.text(), offset_);
        if (!parsed) {
          env.fail(v, quote_value(v.text()) + " is not a date-time (" + parsed.error() + ")",
                   core::ErrorKind::data_type);
          return false;
        }
        v.payload = *parsed;
        return true;
      }
      DateFields f;
      std::string error;
      if (!pattern_->parse(v.text(), f, error)) {
        env.fail(v, quote_value(v.text()) + " " + error, core::ErrorKind::data_type);
        return false;
      }
      // Re-written as ISO 8601 and read by core, so the calendar checks are core's.
      std::string iso = std::to_string(f.year) + "-" + two(f.month) + "-" + two(f.day) + "T" + two(f.hour) + ":" +
                        two(f.minute);
      if (f.second >= 0) iso += ":" + two(f.second);
      if (f.second >= 0 && f.millisecond >= 0) {
        iso += "." + std::to_string(1000 + f.millisecond).substr(1);
      }
      iso += offset_text(f.offset_minutes.value_or(offset_));
      auto parsed = core::DateTime::parse_iso(iso);
      if (!parsed) {
        env.fail(v, quote_value(v.text()) + " is not a valid date-time: " + parsed.error(), core::ErrorKind::data_type);
        return false;
      }
      v.payload = *parsed;
      return true;
    });
  }

 private:
  std::optional<DatePattern> pattern_;
  int offset_;
};

class NotFuture final : public Step {
 public:
  void run(Values& values, const StepEnv& env) const override {
    each_value(values, [&](Value& v) {
      const core::PartialDate date = v.kind() == Kind::datetime ? std::get<core::DateTime>(v.payload).local_date()
                                                                : std::get<core::PartialDate>(v.payload);
      if (date.first_day_number() <= env.today().last_day_number()) return true;
      env.fail(v, to_text(v) + " is in the future", core::ErrorKind::data_type);
      return false;
    });
  }
};

class Lookup final : public Step {
 public:
  Lookup(std::shared_ptr<const ValueSet> set, UnknownCode unknown, std::optional<Coded> fallback)
      : set_(std::move(set)), unknown_(unknown), fallback_(std::move(fallback)) {}
  const ValueSet* value_set() const override { return set_.get(); }

  void run(Values& values, const StepEnv& env) const override {
    each_value(values, [&](Value& v) {
      // A text value is looked up where it lies; only a number or a date is spelled out first.
      std::string spelled;
      const std::string_view code = v.is_text() ? std::string_view(v.text()) : std::string_view(spelled = to_text(v));
      const int entry = set_->find(code);
      if (entry >= 0) {
        if (env.coverage) env.coverage->hit_code(set_.get(), entry);
        v.payload = set_->entries()[static_cast<std::size_t>(entry)].target;
        return true;
      }
      switch (unknown_) {
        // The code is copied into the new payload before that replaces the text it views.
        case UnknownCode::keep: v.payload = Coded{set_->source_system(), std::string(code), {}}; return true;
        case UnknownCode::default_: v.payload = *fallback_; return true;
        case UnknownCode::drop: return false;
        case UnknownCode::error: break;
      }
      std::string message = quote_value(code) + " is not in " +
                            (set_->name() == "inline" ? std::string("the lookup table") : "value set " + set_->name());
      if (!set_->entries().empty()) message += " (known: " + set_->sample_codes() + ")";
      env.fail(v, message, core::ErrorKind::code_unknown);
      return false;
    });
  }

 private:
  std::shared_ptr<const ValueSet> set_;
  UnknownCode unknown_;
  std::optional<Coded> fallback_;
};

}  // namespace

bool text_to_number(std::string_view text, double& out, std::string& error) {
  std::string_view t = text;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  const char* end = t.data() + t.size();
  auto [ptr, ec] = std::from_chars(t.data(), end, out, std::chars_format::fixed);
  if (t.empty() || ec != std::errc() || ptr != end || !std::isfinite(out)) {
    error = quote_value(text) + " is not a number";
    return false;
  }
  return true;
}

bool text_to_boolean(std::string_view text, bool& out, std::string& error) {
  static constexpr std::string_view kTrue[] = {"true", "True", "TRUE", "Y", "y", "1", "是"};
  static constexpr std::string_view kFalse[] = {"false", "False", "FALSE", "N", "n", "0", "否"};
  for (std::string_view t : kTrue) {
    if (text == t) return out = true, true;
  }
  for (std::string_view f : kFalse) {
    if (text == f) return out = false, true;
  }
  error = quote_value(text) + " is not a yes/no value (true/false, Y/N, 1/0, 是/否)";
  return false;
}

std::unique_ptr<Step> make_number(bool integer) { return std::make_unique<Number>(integer); }
std::unique_ptr<Step> make_round(int places) { return std::make_unique<Round>(places); }
std::unique_ptr<Step> make_multiply(double factor) { return std::make_unique<Multiply>(factor); }
std::unique_ptr<Step> make_convert(double factor) { return std::make_unique<Multiply>(factor); }
std::unique_ptr<Step> make_range(std::optional<double> low, std::optional<double> high) {
  return std::make_unique<Range>(low, high);
}
std::unique_ptr<Step> make_excel_date() { return std::make_unique<ExcelDate>(); }
std::unique_ptr<Step> make_date(std::optional<DatePattern> pattern) { return std::make_unique<DateStep>(std::move(pattern)); }
std::unique_ptr<Step> make_datetime(std::optional<DatePattern> pattern, int offset_minutes) {
  return std::make_unique<DateTimeStep>(std::move(pattern), offset_minutes);
}
std::unique_ptr<Step> make_not_future() { return std::make_unique<NotFuture>(); }
std::unique_ptr<Step> make_lookup(std::shared_ptr<const ValueSet> set, UnknownCode unknown, std::optional<Coded> fallback) {
  return std::make_unique<Lookup>(std::move(set), unknown, std::move(fallback));
}

}  // namespace kq::mapping::detail
