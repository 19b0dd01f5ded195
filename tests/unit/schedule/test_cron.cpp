// Cron expressions evaluated against fixed instants: no test reads the clock.
#include <chrono>

#include <gtest/gtest.h>

#include "tests/unit/schedule/instants.hpp"

#include "gateway/schedule/cron.hpp"

namespace kq::schedule {
namespace {

using test::utc;
// A wall-clock time in Shanghai (UTC+8 all year).
std::int64_t cst(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) { return utc(y, m, d, hh, mm) - 8 * 3600; }

const TimeZone& shanghai() {
  static const TimeZone zone = TimeZone::load("Asia/Shanghai");
  return zone;
}

std::int64_t next(std::string_view expr, std::int64_t after, const TimeZone& zone = shanghai()) {
  const auto n = next_run(parse_cron(expr), zone, after);
  EXPECT_TRUE(n.has_value()) << expr;
  return n.value_or(0);
}

TEST(Cron, DailyRunIsInShanghaiTime) {
  EXPECT_EQ(next("30 2 * * *", cst(2026, 3, 8, 8, 0)), cst(2026, 3, 9, 2, 30));
  EXPECT_EQ(next("30 2 * * *", cst(2026, 3, 8, 2, 29)), cst(2026, 3, 8, 2, 30));
  // Strictly after: asking at the run's own instant gives the next day's.
  EXPECT_EQ(next("30 2 * * *", cst(2026, 3, 8, 2, 30)), cst(2026, 3, 9, 2, 30));
  EXPECT_EQ(next("30 2 * * *", cst(2026, 12, 31, 3, 0)), cst(2027, 1, 1, 2, 30));
  EXPECT_EQ(next("@daily", cst(2026, 3, 8, 8, 0)), cst(2026, 3, 9, 0, 0));
  EXPECT_EQ(next("@hourly", cst(2026, 3, 8, 8, 0)), cst(2026, 3, 8, 9, 0));
}

TEST(Cron, MonthEndsSkipMonthsWithoutTheDay) {
  EXPECT_EQ(next("0 0 31 * *", cst(2026, 1, 31, 1, 0)), cst(2026, 3, 31));
  EXPECT_EQ(next("0 0 31 * *", cst(2026, 3, 31, 1, 0)), cst(2026, 5, 31));
  EXPECT_EQ(next("0 0 30 * *", cst(2026, 1, 30, 1, 0)), cst(2026, 3, 30));
  EXPECT_EQ(next("59 23 28-31 2 *", cst(2026, 2, 28, 23, 59)), cst(2027, 2, 28, 23, 59));
}

TEST(Cron, February29WaitsForALeapYear) {
  EXPECT_EQ(next("0 12 29 2 *", cst(2025, 1, 1)), cst(2028, 2, 29, 12, 0));
  EXPECT_EQ(next("0 12 29 2 *", cst(2028, 2, 29, 12, 0)), cst(2032, 2, 29, 12, 0));
  // 2100 is not a leap year: from 2096 the next is 2104, within the 30-year horizon.
  EXPECT_EQ(next("0 0 29 2 *", cst(2096, 3, 1)), cst(2104, 2, 29));
}

TEST(Cron, StepsRangesAndLists) {
  // Every 15 minutes, 09:00-17:45, Monday to Friday. 2026-03-07 is a Saturday.
  EXPECT_EQ(next("*/15 9-17 * * 1-5", cst(2026, 3, 7, 10, 0)), cst(2026, 3, 9, 9, 0));
  EXPECT_EQ(next("*/15 9-17 * * 1-5", cst(2026, 3, 9, 9, 0)), cst(2026, 3, 9, 9, 15));
  EXPECT_EQ(next("*/15 9-17 * * 1-5", cst(2026, 3, 9, 17, 45)), cst(2026, 3, 10, 9, 0));
  EXPECT_EQ(next("0 8,12,18 * * *", cst(2026, 3, 9, 12, 0)), cst(2026, 3, 9, 18, 0));
  EXPECT_EQ(next("5-20/5 * * * *", cst(2026, 3, 9, 12, 20)), cst(2026, 3, 9, 13, 5));
  EXPECT_EQ(next("10/20 * * * *", cst(2026, 3, 9, 12, 31)), cst(2026, 3, 9, 12, 50));
  EXPECT_EQ(next("0 0 1 jan,Jul *", cst(2026, 1, 1, 0, 0)), cst(2026, 7, 1));
  EXPECT_EQ(next("0 6 * * SUN", cst(2026, 3, 9)), cst(2026, 3, 15, 6, 0));
  EXPECT_EQ(next("0 6 * * 7", cst(2026, 3, 9)), cst(2026, 3, 15, 6, 0));  // 7 is Sunday too
  EXPECT_EQ(next("0 6 * * 5-7", cst(2026, 3, 9)), cst(2026, 3, 13, 6, 0));
}

TEST(Cron, BothDayFieldsRestrictedMeansEither) {
  // The 13th or any Friday: 2026-03-13 is a Friday, 2026-03-20 the next Friday, 2026-04-13 a Monday.
  EXPECT_EQ(next("0 0 13 * FRI", cst(2026, 3, 13, 1, 0)), cst(2026, 3, 20));
  EXPECT_EQ(next("0 0 13 * FRI", cst(2026, 4, 11)), cst(2026, 4, 13));
  // Only one restricted: both must hold (the 1st when it is a Monday: 2026-06-01).
  EXPECT_EQ(next("0 0 1 * *", cst(2026, 3, 2)), cst(2026, 4, 1));
}

TEST(Cron, DaylightSavingZonesRunOnceAndNeverSkipADay) {
  const auto ny = TimeZone::load("America/New_York");
  // Spring forward 2026-03-08: 02:30 does not exist and runs at 03:30 EDT (07:30Z).
  EXPECT_EQ(next("30 2 * * *", utc(2026, 3, 8, 0, 0), ny), utc(2026, 3, 8, 7, 30));
  EXPECT_EQ(next("30 2 * * *", utc(2026, 3, 8, 7, 30), ny), utc(2026, 3, 9, 6, 30));
  // Fall back 2026-11-01: 01:30 happens twice and runs once, at its first occurrence.
  const auto first = next("30 1 * * *", utc(2026, 11, 1, 0, 0), ny);
  EXPECT_EQ(first, utc(2026, 11, 1, 5, 30));
  EXPECT_EQ(next("30 1 * * *", first, ny), utc(2026, 11, 2, 6, 30));
  // Every 20 minutes through the repeated hour: the second pass is not run again.
  EXPECT_EQ(next("*/20 * * * *", utc(2026, 11, 1, 5, 40), ny), utc(2026, 11, 1, 7, 0));
}

void expect_error(std::string_view expr, std::string_view says) {
  try {
    parse_cron(expr);
    ADD_FAILURE() << "\"" << expr << "\" was accepted";
  } catch (const CronError& e) {
    EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
  }
}

TEST(Cron, InvalidExpressionsNameTheFieldAndTheReason) {
  expect_error("", "has 0 fields; five are needed");
  expect_error("* * * *", "has 4 fields");
  expect_error("* * * * * *", "has 6 fields");
  expect_error("60 * * * *", "minute field \"60\": 60 is outside 0-59");
  expect_error("* 24 * * *", "hour field \"24\": 24 is outside 0-23");
  expect_error("* * 0 * *", "day-of-month field \"0\": 0 is outside 1-31");
  expect_error("* * * 13 *", "month field \"13\"");
  expect_error("* * * * 8", "day-of-week field \"8\"");
  expect_error("* * * FOO *", "\"FOO\" is not a name this field accepts");
  expect_error("a * * * *", "\"a\" is not a number");
  expect_error("5-1 * * * *", "the range 5-1 runs backwards");
  expect_error("*/0 * * * *", "0 is outside 1-59");
  expect_error("1,,2 * * * *", "an empty list item");
  expect_error("-5 * * * *", "a value is missing");
  expect_error("0 0 31 2 *", "never matches a date");
  expect_error("0 0 30 2 *", "never matches a date");
  expect_error("@reboot", "is not one of @hourly");
  expect_error("0 0 L * *", "\"L\" is not a number");
}

TEST(Cron, CalendarScheduleDefaultsToShanghaiAndChecksTheZone) {
  const auto s = make_calendar_schedule("0 3 * * *", "");
  EXPECT_EQ(s.zone.name(), "Asia/Shanghai");
  EXPECT_EQ(s.next_after(cst(2026, 3, 9, 4, 0)), cst(2026, 3, 10, 3, 0));
  EXPECT_THROW(make_calendar_schedule("0 3 * * *", "Mars/Olympus"), TimeZoneError);
  EXPECT_THROW(make_calendar_schedule("0 3 * *", "UTC"), CronError);
}

}  // namespace
}  // namespace kq::schedule
