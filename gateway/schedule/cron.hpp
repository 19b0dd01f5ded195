#pragma once
// Calendar schedules: a five-field cron expression evaluated in a time zone. The accepted
// syntax is documented in docs/plugin-abi.md ("Calendar schedules"):
//   minute(0-59) hour(0-23) day-of-month(1-31) month(1-12|JAN-DEC) day-of-week(0-7|SUN-SAT, 0 and 7 Sunday)
// each a comma list of `*`, `n`, `n-m`, optionally `/step`; or one of @hourly @daily @midnight
// @weekly @monthly @yearly @annually. When both day fields are restricted, a day matching
// either runs (the classic cron rule).
#include <bitset>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "gateway/schedule/time_zone.hpp"

namespace kq::schedule {

struct CronError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct CronExpression {
  std::string text;
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;      // 1..31
  std::bitset<13> months;    // 1..12
  std::bitset<7> weekdays;   // 0 = Sunday
  bool days_restricted = false;
  bool weekdays_restricted = false;
};

// Throws CronError naming the field, the text and the reason; also for an expression that
// never matches a date (e.g. "0 0 31 2 *").
CronExpression parse_cron(std::string_view text);

// The first instant strictly after `after_utc` (seconds) at which the expression matches the
// wall clock in `zone`; nullopt when there is none within 30 years. Resolution: one minute.
// Wall times that occur twice run once (the first); wall times in a gap run at the wall time
// read with the offset before the change (02:30 on a spring-forward night runs at 03:30).
std::optional<std::int64_t> next_run(const CronExpression& cron, const TimeZone& zone,
                                     std::int64_t after_utc);

// A schedule as a plugin asks for it: the expression and the zone it is read in.
struct CalendarSchedule {
  CronExpression cron;
  TimeZone zone;
  std::optional<std::int64_t> next_after(std::int64_t utc) const { return next_run(cron, zone, utc); }
};

// The default zone of calendar schedules: the deployments are in China.
inline constexpr std::string_view kDefaultTimeZone = "Asia/Shanghai";

// Parses both; throws CronError or TimeZoneError (both std::invalid_argument) with the reason.
CalendarSchedule make_calendar_schedule(std::string_view cron, std::string_view zone);

}  // namespace kq::schedule
