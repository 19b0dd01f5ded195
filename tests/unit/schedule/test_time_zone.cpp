// Time zones read from the system tz database (Debian's tzdata), checked against offsets
// published for those zones.
#include <chrono>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/unit/schedule/instants.hpp"

#include "gateway/schedule/time_zone.hpp"

namespace kq::schedule {
namespace {

std::int64_t at(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) { return test::utc(y, m, d, hh, mm); }

TEST(TimeZone, ShanghaiIsUtcPlusEightWithoutDaylightSavingSince1991) {
  const auto zone = TimeZone::load("Asia/Shanghai");
  EXPECT_EQ(zone.offset_at(at(2026, 1, 15)), 8 * 3600);
  EXPECT_EQ(zone.offset_at(at(2026, 7, 15)), 8 * 3600);
  EXPECT_EQ(zone.offset_at(at(2060, 7, 15)), 8 * 3600);  // past the file's transitions: the rule "CST-8"
  EXPECT_EQ(zone.offset_at(at(1988, 7, 15)), 9 * 3600);  // China observed summer time 1986-1991
  EXPECT_EQ(zone.to_utc(at(2026, 3, 9, 2, 30)), at(2026, 3, 8, 18, 30));
  EXPECT_TRUE(zone.unambiguous(at(2026, 3, 9, 2, 30)));
}

TEST(TimeZone, NewYorkChangesOffsetOnTheDaysTheUsRuleSays) {
  const auto zone = TimeZone::load("America/New_York");
  EXPECT_EQ(zone.offset_at(at(2026, 3, 8, 6, 59)), -5 * 3600);
  EXPECT_EQ(zone.offset_at(at(2026, 3, 8, 7, 0)), -4 * 3600);  // 02:00 EST on the second Sunday of March
  EXPECT_EQ(zone.offset_at(at(2026, 11, 1, 5, 59)), -4 * 3600);
  EXPECT_EQ(zone.offset_at(at(2026, 11, 1, 6, 0)), -5 * 3600);  // 02:00 EDT on the first Sunday of November
  // After 2037 the file lists no transitions: the footer rule EST5EDT,M3.2.0,M11.1.0 answers.
  EXPECT_EQ(zone.offset_at(at(2045, 7, 1)), -4 * 3600);
  EXPECT_EQ(zone.offset_at(at(2045, 12, 1)), -5 * 3600);
  EXPECT_EQ(zone.offset_at(at(2045, 3, 12, 6, 59)), -5 * 3600);  // 2045-03-12 is the second Sunday
  EXPECT_EQ(zone.offset_at(at(2045, 3, 12, 7, 0)), -4 * 3600);
}

TEST(TimeZone, WallTimesInAGapOrARepeatResolveAsDocumented) {
  const auto zone = TimeZone::load("America/New_York");
  // 02:30 does not exist on 2026-03-08: read with the offset before the change, i.e. 03:30 EDT.
  EXPECT_FALSE(zone.unambiguous(at(2026, 3, 8, 2, 30)));
  EXPECT_EQ(zone.to_utc(at(2026, 3, 8, 2, 30)), at(2026, 3, 8, 7, 30));
  // 01:30 happens twice on 2026-11-01: the first, in daylight time.
  EXPECT_FALSE(zone.unambiguous(at(2026, 11, 1, 1, 30)));
  EXPECT_EQ(zone.to_utc(at(2026, 11, 1, 1, 30)), at(2026, 11, 1, 5, 30));
  EXPECT_TRUE(zone.unambiguous(at(2026, 11, 1, 3, 0)));
}

TEST(TimeZone, SouthernHemisphereRuleWrapsTheYear) {
  const auto zone = TimeZone::load("Australia/Sydney");
  EXPECT_EQ(zone.offset_at(at(2045, 1, 15)), 11 * 3600);
  EXPECT_EQ(zone.offset_at(at(2045, 6, 15)), 10 * 3600);
}

TEST(TimeZone, PosixRuleTextIsChecked) {
  EXPECT_EQ(parse_posix_rule("CST-8").std_offset, 8 * 3600);
  EXPECT_EQ(parse_posix_rule("<+0545>-5:45").std_offset, 5 * 3600 + 45 * 60);
  const auto rule = parse_posix_rule("CET-1CEST,M3.5.0,M10.5.0/3");
  EXPECT_EQ(rule.dst_offset, 2 * 3600);
  EXPECT_EQ(rule.dst_end.time, 3 * 3600);
  EXPECT_THROW(parse_posix_rule("EST5EDT,J60,J300"), TimeZoneError);
  EXPECT_THROW(parse_posix_rule("X5"), TimeZoneError);
}

TEST(TimeZone, UnknownOrUnsafeNamesAreRefusedWithTheReason) {
  try {
    TimeZone::load("Asia/Beijing");
    FAIL() << "Asia/Beijing is not an IANA zone";
  } catch (const TimeZoneError& e) {
    EXPECT_NE(std::string(e.what()).find("\"Asia/Beijing\": unknown"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TimeZone::load("../../etc/passwd"), TimeZoneError);
  EXPECT_THROW(TimeZone::load("/etc/localtime"), TimeZoneError);
  EXPECT_THROW(TimeZone::load(""), TimeZoneError);
}

TEST(TimeZone, AFileThatIsNotTzifIsRefused) {
  const std::string dir = testing::TempDir();
  { std::ofstream(dir + "/Not_A_Zone") << "hello"; }
  EXPECT_THROW(TimeZone::load("Not_A_Zone", dir), TimeZoneError);
  { std::ofstream(dir + "/Truncated") << std::string("TZif2") + std::string(15, '\0') + "\0\0"; }
  EXPECT_THROW(TimeZone::load("Truncated", dir), TimeZoneError);
}

}  // namespace
}  // namespace kq::schedule
