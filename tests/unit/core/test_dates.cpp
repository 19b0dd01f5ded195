// PartialDate and DateTime: formats, precision, calendar rules, offsets and UTC instants.
#include <gtest/gtest.h>

#include <stdexcept>

#include "gateway/core/dates.hpp"

namespace kq::core {
namespace {

// 2024-03-05T00:30:00Z in milliseconds since the epoch (19787 days × 86 400 000 + 1 800 000).
constexpr std::int64_t kMarch5At0030Utc = 1709598600000;

TEST(Calendar, DayNumbers) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1900, 1, 1), -25567);
  for (std::int64_t day = -40000; day <= 40000; day += 7) {
    const CivilDay c = civil_from_days(day);
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), day);
  }
  EXPECT_TRUE(is_leap_year(2000));
  EXPECT_FALSE(is_leap_year(1900));
  EXPECT_TRUE(is_leap_year(2024));
  EXPECT_EQ(days_in_month(2023, 2), 28);
  EXPECT_EQ(days_in_month(2024, 2), 29);
  EXPECT_EQ(days_in_month(2024, 13), 0);
}

TEST(PartialDate, KeepsPrecision) {
  auto year = PartialDate::parse("2014");
  ASSERT_TRUE(year);
  EXPECT_EQ(year->precision(), DatePrecision::year);
  EXPECT_EQ(year->month(), std::nullopt);
  EXPECT_EQ(year->iso(), "2014");

  auto month = PartialDate::parse("2014-03");
  ASSERT_TRUE(month);
  EXPECT_EQ(month->precision(), DatePrecision::month);
  EXPECT_EQ(month->iso(), "2014-03");

  auto day = PartialDate::parse("2014-03-07");
  ASSERT_TRUE(day);
  EXPECT_EQ(day->precision(), DatePrecision::day);
  EXPECT_EQ(day->day(), 7);
  EXPECT_EQ(day->iso(), "2014-03-07");
}

TEST(PartialDate, ReadsCompactForms) {
  EXPECT_EQ(PartialDate::parse("201403")->iso(), "2014-03");
  EXPECT_EQ(PartialDate::parse("20140307")->iso(), "2014-03-07");
  EXPECT_EQ(*PartialDate::parse("20140307"), PartialDate::ymd(2014, 3, 7));
  EXPECT_EQ(PartialDate::parse("201403")->precision(), DatePrecision::month);
}

TEST(PartialDate, LeapDays) {
  EXPECT_TRUE(PartialDate::parse("2024-02-29"));
  EXPECT_TRUE(PartialDate::parse("20000229"));
  EXPECT_EQ(PartialDate::parse("2023-02-29").error(), "day is 29, but 2023-02 has 28 days (2023 is not a leap year)");
  EXPECT_EQ(PartialDate::parse("19000229").error(), "day is 29, but 1900-02 has 28 days (1900 is not a leap year)");
  EXPECT_EQ(PartialDate::parse("2024-04-31").error(), "day is 31, but 2024-04 has 30 days");
  EXPECT_EQ(PartialDate::parse("2024-04-00").error(), "day is 0, but 2024-04 has 30 days");
}

TEST(PartialDate, BadMonthsAndShapes) {
  EXPECT_EQ(PartialDate::parse("2014-13").error(), "month is 13, expected 01-12");
  EXPECT_EQ(PartialDate::parse("201400").error(), "month is 0, expected 01-12");
  EXPECT_EQ(PartialDate::parse("0000").error(), "year is 0, expected 0001-9999");
  const std::string shape = "not a date: expected YYYY, YYYY-MM, YYYY-MM-DD, YYYYMM or YYYYMMDD";
  for (const char* bad : {"", "14", "2014-3-7", "2014-03-7", "2014/03/07", "2014-03-07T00:00", "2014031", "201403071",
                          "２０１４"}) {
    auto parsed = PartialDate::parse(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error(), shape) << bad;
  }
}

TEST(PartialDate, IsoOnlyRefusesCompact) {
  EXPECT_TRUE(PartialDate::parse_iso("2014-03"));
  EXPECT_EQ(PartialDate::parse_iso("20140307").error(), "not a date: expected YYYY, YYYY-MM or YYYY-MM-DD");
}

TEST(PartialDate, FromPartsAndRanges) {
  EXPECT_EQ(PartialDate::from_parts(2014, std::nullopt, 7).error(), "a day needs a month");
  EXPECT_THROW(PartialDate::ymd(2023, 2, 29), std::invalid_argument);

  const PartialDate feb = *PartialDate::parse("2024-02");
  EXPECT_EQ(feb.earliest_day(), PartialDate::ymd(2024, 2, 1));
  EXPECT_EQ(feb.latest_day(), PartialDate::ymd(2024, 2, 29));
  const PartialDate year = *PartialDate::parse("2023");
  EXPECT_EQ(year.latest_day(), PartialDate::ymd(2023, 12, 31));
  EXPECT_EQ(year.last_day_number() - year.first_day_number(), 364);
  EXPECT_NE(*PartialDate::parse("2014-03"), *PartialDate::parse("2014-03-01"));  // precision is part of the value
}

TEST(DateTime, Hl7WithoutOffsetGetsTheDefault) {
  auto dt = DateTime::parse("20240305083000");
  ASSERT_TRUE(dt) << dt.error();
  EXPECT_EQ(dt->offset_minutes(), 480);
  EXPECT_TRUE(dt->offset_assumed());
  EXPECT_EQ(dt->precision(), TimePrecision::second);
  EXPECT_EQ(dt->iso(), "2024-03-05T08:30:00+08:00");
  EXPECT_EQ(dt->utc_millis(), kMarch5At0030Utc);

  auto utc_default = DateTime::parse("20240305083000", 0);
  ASSERT_TRUE(utc_default);
  EXPECT_EQ(utc_default->iso(), "2024-03-05T08:30:00Z");
  EXPECT_EQ(utc_default->utc_millis(), kMarch5At0030Utc + 8 * 3600 * 1000);
}

TEST(DateTime, IsoWithOffsetOrZ) {
  auto beijing = DateTime::parse("2024-03-05T08:30:00+08:00");
  ASSERT_TRUE(beijing);
  EXPECT_FALSE(beijing->offset_assumed());
  EXPECT_EQ(beijing->utc_millis(), kMarch5At0030Utc);
  EXPECT_EQ(*beijing, *DateTime::parse("20240305083000"));  // same wall time, offset, precision

  auto zulu = DateTime::parse("2024-03-05T08:30:00Z");
  ASSERT_TRUE(zulu);
  EXPECT_EQ(zulu->offset_minutes(), 0);
  EXPECT_EQ(zulu->iso(), "2024-03-05T08:30:00Z");
  EXPECT_EQ(zulu->utc_millis() - beijing->utc_millis(), 8 * 3600 * 1000);
  EXPECT_NE(*zulu, *beijing);

  auto west = DateTime::parse("2024-03-05T08:30:00-05:30");
  ASSERT_TRUE(west);
  EXPECT_EQ(west->offset_minutes(), -330);
  EXPECT_EQ(west->iso(), "2024-03-05T08:30:00-05:30");
}

TEST(DateTime, PrecisionIsKept) {
  auto minute = DateTime::parse("202403050830");
  ASSERT_TRUE(minute);
  EXPECT_EQ(minute->precision(), TimePrecision::minute);
  EXPECT_EQ(minute->iso(), "2024-03-05T08:30+08:00");

  auto millis = DateTime::parse("20240305083000.1234+0800");
  ASSERT_TRUE(millis) << millis.error();
  EXPECT_EQ(millis->millisecond(), 123);  // the fourth digit is cut, not rounded
  EXPECT_EQ(millis->iso(), "2024-03-05T08:30:00.123+08:00");

  auto half = DateTime::parse("2024-03-05 08:30:00.5");
  ASSERT_TRUE(half);
  EXPECT_EQ(half->millisecond(), 500);
  EXPECT_EQ(half->utc_millis(), kMarch5At0030Utc + 500);

  auto iso_minute = DateTime::parse_iso("2024-03-05T08:30+08:00");
  ASSERT_TRUE(iso_minute);
  EXPECT_EQ(*iso_minute, *minute);
}

TEST(DateTime, RejectsWithReason) {
  EXPECT_EQ(DateTime::parse("20240305").error(), "has no time of day (a date alone is a PartialDate)");
  EXPECT_EQ(DateTime::parse("2024-03-05").error(), "has no time of day (a date alone is a PartialDate)");
  EXPECT_EQ(DateTime::parse("2024030508").error(), "needs at least hours and minutes after the date");
  EXPECT_EQ(DateTime::parse("20240305250000").error(), "hour is 25, expected 00-23");
  EXPECT_EQ(DateTime::parse("20240305086000").error(), "minute is 60, expected 00-59");
  EXPECT_EQ(DateTime::parse("20240305083060").error(), "second is 60, expected 00-59");
  EXPECT_EQ(DateTime::parse("2024-02-30T08:00:00Z").error(), "day is 30, but 2024-02 has 29 days");
  EXPECT_EQ(DateTime::parse("2024-03-05T08:30:00+15:00").error(), "UTC offset +15:00 is outside -12:00..+14:00");
  EXPECT_EQ(DateTime::parse("2024-03-05T08:30:00+08:75").error(), "UTC offset minutes are 75, expected 00-59");
  EXPECT_EQ(DateTime::parse("2024-03-05T08:30:00 CST").error(), "unexpected text after the time of day");
  EXPECT_EQ(DateTime::parse("20240305083000.+0800").error(), "the fraction of a second needs digits after '.'");
  EXPECT_EQ(DateTime::parse("5 March 2024").error(),
            "not a date-time: expected ISO 8601 (2024-03-05T08:30:00+08:00) or HL7 (20240305083000)");
}

TEST(DateTime, IsoOnlyNeedsExplicitOffset) {
  EXPECT_EQ(DateTime::parse_iso("2024-03-05T08:30:00").error(), "needs an explicit UTC offset (Z or +hh:mm)");
  EXPECT_EQ(DateTime::parse_iso("2024-03-05T08:30:00+0800").error(), "UTC offset must be Z or +hh:mm");
  EXPECT_FALSE(DateTime::parse_iso("20240305083000+0800"));
  EXPECT_FALSE(DateTime::parse_iso("2024-03-05 08:30:00Z"));
  EXPECT_TRUE(DateTime::parse("2024-03-05T08:30:00+0800"));  // the lenient reader takes it
}

TEST(DateTime, FromUtcMillis) {
  const DateTime dt = DateTime::from_utc_millis(kMarch5At0030Utc + 123);
  EXPECT_EQ(dt.iso(), "2024-03-05T08:30:00.123+08:00");
  EXPECT_EQ(dt.utc_millis(), kMarch5At0030Utc + 123);
  EXPECT_EQ(DateTime::from_utc_millis(kMarch5At0030Utc + 59'999, 480, TimePrecision::minute).iso(),
            "2024-03-05T08:30+08:00");
  EXPECT_EQ(DateTime::from_utc_millis(-1, 0).iso(), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(DateTime::from_utc_millis(-1, 0).utc_millis(), -1);
}

TEST(DateTime, LocalDateFollowsTheOffset) {
  auto late = DateTime::parse("2024-03-05T23:30:00-02:00");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->local_date(), PartialDate::ymd(2024, 3, 5));
  EXPECT_EQ(DateTime::from_utc_millis(late->utc_millis(), 0).local_date(), PartialDate::ymd(2024, 3, 6));
}

}  // namespace
}  // namespace kq::core
