// Floods of identical log lines: the first is written, the rest counted and reported once per
// window. Driven by a clock the test moves, so the windows are exact.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "gateway/log/log.hpp"
#include "gateway/log/repeat_filter.hpp"

using kq::log::RepeatFilter;
using namespace std::chrono_literals;

namespace {

struct Recorder {
  std::vector<RepeatFilter::Summary> summaries;
  RepeatFilter::Emit emit() {
    return [this](const RepeatFilter::Summary& s) { summaries.push_back(s); };
  }
};

const RepeatFilter::Clock::time_point t0{};

}  // namespace

TEST(RepeatFilter, FirstIsWrittenRepeatsAreCountedAndReportedPerWindow) {
  RepeatFilter f;
  f.set_window(10s);
  Recorder r;
  EXPECT_TRUE(f.admit("disk full", t0, r.emit()));
  for (int i = 1; i <= 999; ++i) EXPECT_FALSE(f.admit("disk full", t0 + i * 1ms, r.emit()));
  EXPECT_TRUE(r.summaries.empty());
  f.flush(t0 + 9s, r.emit());  // the window has not ended
  EXPECT_TRUE(r.summaries.empty());
  f.flush(t0 + 10s, r.emit());
  ASSERT_EQ(r.summaries.size(), 1u);
  EXPECT_EQ(r.summaries[0].key, "disk full");
  EXPECT_EQ(r.summaries[0].repeats, 999u);
  EXPECT_EQ(r.summaries[0].window, 10s);
  // The flood goes on: still not written, one summary per window.
  EXPECT_FALSE(f.admit("disk full", t0 + 12s, r.emit()));
  EXPECT_FALSE(f.admit("disk full", t0 + 21s, r.emit()));  // ends the window at 20 s: reported
  ASSERT_EQ(r.summaries.size(), 2u);
  EXPECT_EQ(r.summaries[1].repeats, 1u);
  EXPECT_EQ(r.summaries[1].window, 11s);
}

TEST(RepeatFilter, DifferentKeysAreIndependent) {
  RepeatFilter f;
  Recorder r;
  EXPECT_TRUE(f.admit("a", t0, r.emit()));
  EXPECT_TRUE(f.admit("b", t0, r.emit()));
  EXPECT_FALSE(f.admit("a", t0 + 1s, r.emit()));
  EXPECT_TRUE(f.admit("c", t0 + 1s, r.emit()));
  EXPECT_EQ(f.tracked(), 3u);
}

TEST(RepeatFilter, ALineThatStoppedRepeatingIsForgottenAndWrittenAgainLater) {
  RepeatFilter f;
  f.set_window(5s);
  Recorder r;
  EXPECT_TRUE(f.admit("x", t0, r.emit()));
  f.flush(t0 + 6s, r.emit());  // no repeats: nothing to report, and no longer tracked
  EXPECT_TRUE(r.summaries.empty());
  EXPECT_EQ(f.tracked(), 0u);
  EXPECT_TRUE(f.admit("x", t0 + 7s, r.emit()));
  // Back after a quiet window without a flush in between: written again as well.
  EXPECT_TRUE(f.admit("x", t0 + 13s, r.emit()));
  EXPECT_TRUE(r.summaries.empty());
}

TEST(RepeatFilter, ZeroWindowWritesEverything) {
  RepeatFilter f;
  f.set_window(0ms);
  Recorder r;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(f.admit("x", t0, r.emit()));
  EXPECT_EQ(f.tracked(), 0u);
}

TEST(RepeatFilter, TrackingIsBoundedAndNeverHidesAnUntrackedLine) {
  RepeatFilter f(2);
  Recorder r;
  EXPECT_TRUE(f.admit("a", t0, r.emit()));
  EXPECT_TRUE(f.admit("b", t0, r.emit()));
  EXPECT_TRUE(f.admit("c", t0, r.emit()));  // table full: written, not tracked
  EXPECT_TRUE(f.admit("c", t0, r.emit()));
  EXPECT_EQ(f.tracked(), 2u);
  // Once "a" and "b" have had their quiet window they make room.
  EXPECT_TRUE(f.admit("d", t0 + 11s, r.emit()));
  EXPECT_FALSE(f.admit("d", t0 + 12s, r.emit()));
}

TEST(RepeatFilter, FlushEverythingReportsOpenWindows) {
  RepeatFilter f;
  Recorder r;
  f.admit("x", t0, r.emit());
  f.admit("x", t0 + 1s, r.emit());
  f.admit("x", t0 + 2s, r.emit());
  f.flush(t0 + 3s, r.emit(), /*everything=*/true);
  ASSERT_EQ(r.summaries.size(), 1u);
  EXPECT_EQ(r.summaries[0].repeats, 2u);
  EXPECT_EQ(f.tracked(), 0u);
}

// Through the log itself: identical errors become one line plus a summary; lines that differ in
// a text field stay separate; numbers do not make a line different; info is never summarised.
TEST(LogRepeats, IdenticalErrorsAreSummarised) {
  std::string out;
  kq::log::set_repeat_window(10s);  // also forgets what earlier tests logged
  kq::log::set_sink_for_testing(&out);
  for (int i = 0; i < 1000; ++i) {
    kq::log::error("store_write_failed", {{"adapter", "his"}, {"error", "database or disk is full"},
                                          {"batches", i}});
  }
  kq::log::error("store_write_failed", {{"adapter", "card"}, {"error", "database or disk is full"}});
  for (int i = 0; i < 3; ++i) kq::log::info("listener_started", {{"port", 1}});
  kq::log::flush_repeats(/*everything=*/true);
  kq::log::set_sink_for_testing(nullptr);

  std::vector<boost::json::object> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(boost::json::parse(out.substr(start, nl - start)).as_object());
  }
  ASSERT_EQ(lines.size(), 6u) << out;
  EXPECT_EQ(lines[0]["adapter"].as_string(), "his");
  EXPECT_EQ(lines[0]["batches"].as_int64(), 0);
  EXPECT_FALSE(lines[0].contains("repeated"));
  EXPECT_EQ(lines[1]["adapter"].as_string(), "card");
  for (int i = 2; i < 5; ++i) EXPECT_EQ(lines[i]["event"].as_string(), "listener_started");
  auto& summary = lines[5];
  EXPECT_EQ(summary["event"].as_string(), "store_write_failed");
  EXPECT_EQ(summary["level"].as_string(), "error");
  EXPECT_EQ(summary["adapter"].as_string(), "his");
  EXPECT_EQ(summary["error"].as_string(), "database or disk is full");
  EXPECT_EQ(summary["repeated"].as_int64(), 999);
  EXPECT_TRUE(summary.contains("window_s"));
  EXPECT_TRUE(summary.contains("ts"));
}
