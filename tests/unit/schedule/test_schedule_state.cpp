// What the gateway remembers about calendar schedules: the missed-run rule, the last-run files
// and what /metrics and the log show.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "gateway/schedule/schedule_state.hpp"
#include "tests/unit/schedule/instants.hpp"

namespace kq::schedule {
namespace {

using test::utc;

std::int64_t cst(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) { return utc(y, m, d, hh, mm) - 8 * 3600; }

TEST(ScheduleState, AMissedRunRunsOnceAtStartThenTheCalendarResumes) {
  const auto nightly = make_calendar_schedule("0 3 * * *", "");
  // Down from 02:00 on the 7th to 10:00 on the 9th: two 03:00 runs missed, one catch-up.
  const auto plan = plan_first_run(nightly, cst(2026, 12, 6, 3, 0), cst(2026, 12, 9, 10, 0));
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->catch_up);
  EXPECT_EQ(plan->due, cst(2026, 12, 9, 10, 0));
  // Ran at 03:00 today, restarted at 10:00: nothing missed, next is tomorrow 03:00.
  const auto next = plan_first_run(nightly, cst(2026, 12, 9, 3, 0), cst(2026, 12, 9, 10, 0));
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->catch_up);
  EXPECT_EQ(next->due, cst(2026, 12, 10, 3, 0));
  // Never ran: nothing was missed.
  const auto first = plan_first_run(nightly, std::nullopt, cst(2026, 12, 9, 10, 0));
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->catch_up);
}

TEST(ScheduleState, LastRunFilesRoundTripAndKeepNamesApart) {
  const auto dir = std::filesystem::path(testing::TempDir()) / "kq-schedule-state";
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(read_last_run(dir, "registry", "nightly"));
  write_last_run(dir, "registry", "nightly", 1'765'000'000);
  write_last_run(dir, "registry.nightly", "x", 42);  // must not collide with the pair above
  write_last_run(dir, "../escape", "a/b", 7);         // stays inside the folder
  EXPECT_EQ(read_last_run(dir, "registry", "nightly"), 1'765'000'000);
  EXPECT_EQ(read_last_run(dir, "registry.nightly", "x"), 42);
  EXPECT_EQ(read_last_run(dir, "../escape", "a/b"), 7);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    EXPECT_EQ(entry.path().parent_path(), dir);
    EXPECT_EQ(entry.path().extension(), ".last-run");
  }
  EXPECT_EQ(files, 3u);
}

TEST(ScheduleState, LocalTimesCarryTheZoneOffset) {
  EXPECT_EQ(format_local(TimeZone::load("Asia/Shanghai"), cst(2026, 12, 10, 3, 0)), "2026-12-10T03:00:00+08:00");
  EXPECT_EQ(format_local(TimeZone::load("America/New_York"), utc(2026, 7, 1, 12, 0)), "2026-07-01T08:00:00-04:00");
  EXPECT_EQ(format_local(TimeZone::load("Asia/Kathmandu"), utc(2026, 7, 1, 0, 0)), "2026-07-01T05:45:00+05:45");
}

TEST(ScheduleState, BoardRendersNextLastAndRunsPerSchedule) {
  metrics::Registry registry;
  ScheduleBoard board(registry);
  board.set_next("registry", "nightly", 1'765'000'000);
  board.ran("registry", "nightly", 1'764'900'000);
  board.ran("registry", "nightly", 1'764'950'000);
  const std::string text = registry.render();
  EXPECT_NE(text.find("kangqiao_schedule_next_run_timestamp_seconds{adapter=\"registry\",schedule=\"nightly\"} 1765000000\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("kangqiao_schedule_last_run_timestamp_seconds{adapter=\"registry\",schedule=\"nightly\"} 1764950000\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("kangqiao_schedule_runs_total{adapter=\"registry\",schedule=\"nightly\"} 2\n"), std::string::npos);
  board.clear();  // a reload: the next and last runs go; the counter keeps its history
  const std::string reloaded = registry.render();
  EXPECT_EQ(reloaded.find("kangqiao_schedule_next_run_timestamp_seconds{"), std::string::npos) << reloaded;
  EXPECT_EQ(reloaded.find("kangqiao_schedule_last_run_timestamp_seconds{"), std::string::npos) << reloaded;
  EXPECT_NE(reloaded.find("kangqiao_schedule_runs_total{adapter=\"registry\",schedule=\"nightly\"} 2\n"),
            std::string::npos);
}

}  // namespace
}  // namespace kq::schedule
