// The store's view of itself: the free-space reserve, the idle probe that finds a lock held
// elsewhere and notices when it is gone, a shutdown bounded by its deadline even while another
// connection holds the write lock, and the full integrity check that start-up no longer runs.
#include <sys/statvfs.h>

#include <fstream>
#include <future>
#include <thread>

#include "gateway/store/sqlite_check.hpp"
#include "tests/unit/store/store_test_support.hpp"

namespace kq::store::testing {
namespace {

using namespace std::chrono_literals;
using HealthTest = StoreTest;

WriteBatch one_record() {
  WriteBatch b;
  b.records.push_back(make_record("observation"));
  return b;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds within = 3s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

TEST_F(HealthTest, BelowTheReserveWritesFailAtOnceAndHealthSaysWhy) {
  SqliteOptions o = options();
  o.min_free_bytes = 1ULL << 60;  // more than any disk: always below the reserve
  auto store = open(o);
  WriteResult r = submit_and_wait(*store, one_record());
  EXPECT_EQ(r.status, WriteStatus::failed);
  EXPECT_NE(r.error.find("below the reserve"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("store.min_free_space"), std::string::npos) << r.error;
  const Health h = store->health();
  EXPECT_FALSE(h.writable);
  EXPECT_NE(h.last_error.find("below the reserve"), std::string::npos) << h.last_error;
  const StoreStats s = store->stats();
  EXPECT_EQ(s.min_free_bytes, 1ULL << 60);
  struct statvfs fs {};
  ASSERT_EQ(::statvfs(dir_.path().c_str(), &fs), 0);
  EXPECT_GT(s.free_bytes, 0u);
  EXPECT_EQ(store->reader()->row_counts()["record"], 0);
}

TEST_F(HealthTest, AReserveTheDiskHasIsNoObstacle) {
  SqliteOptions o = options();
  o.min_free_bytes = 1 << 20;
  auto store = open(o);
  EXPECT_EQ(submit_and_wait(*store, one_record()).status, WriteStatus::committed);
  EXPECT_TRUE(store->health().writable);
}

TEST_F(HealthTest, IdleProbeFindsALockHeldElsewhereAndNoticesItsRelease) {
  SqliteOptions o = options();
  o.busy_timeout = 100ms;
  o.probe_interval = 50ms;
  auto store = open(o);
  ASSERT_TRUE(store->health().writable);
  RawDb other(db_path());
  ASSERT_EQ(other.exec("BEGIN IMMEDIATE"), "");
  // No write is tried: the probe alone finds out.
  ASSERT_TRUE(eventually([&] { return !store->health().writable; }));
  EXPECT_NE(store->health().last_error.find("locked"), std::string::npos) << store->health().last_error;
  ASSERT_EQ(other.exec("ROLLBACK"), "");
  EXPECT_TRUE(eventually([&] { return store->health().writable; }));
}

TEST_F(HealthTest, ShutdownByItsDeadlineFailsWhatTheLockHoldsUp) {
  SqliteOptions o = options();
  o.busy_timeout = 60s;  // without a deadline, a shutdown would wait this long
  auto store = open(o);
  RawDb other(db_path());
  ASSERT_EQ(other.exec("BEGIN IMMEDIATE"), "");
  std::vector<std::future<WriteResult>> results;
  for (int i = 0; i < 5; ++i) {
    auto promise = std::make_shared<std::promise<WriteResult>>();
    results.push_back(promise->get_future());
    store->submit(one_record(), [promise](WriteResult r) { promise->set_value(std::move(r)); });
  }
  std::this_thread::sleep_for(100ms);  // the writer waits for the lock now
  const auto started = std::chrono::steady_clock::now();
  store->shutdown_by(started + 300ms);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, 1s);
  EXPECT_GE(took, 250ms);
  for (auto& f : results) {
    ASSERT_EQ(f.wait_for(0s), std::future_status::ready);
    EXPECT_EQ(f.get().status, WriteStatus::failed);
  }
  ASSERT_EQ(other.exec("ROLLBACK"), "");
  EXPECT_EQ(other.text("SELECT count(*) FROM record"), "0");
}

TEST_F(HealthTest, ShutdownWithTimeToSpareStillCommitsWhatIsQueued) {
  auto store = open();
  std::vector<std::future<WriteResult>> results;
  for (int i = 0; i < 20; ++i) {
    auto promise = std::make_shared<std::promise<WriteResult>>();
    results.push_back(promise->get_future());
    store->submit(one_record(), [promise](WriteResult r) { promise->set_value(std::move(r)); });
  }
  store->shutdown_by(std::chrono::steady_clock::now() + 10s);
  for (auto& f : results) EXPECT_EQ(f.get().status, WriteStatus::committed);
}

TEST_F(HealthTest, IntegrityCheckFindsAnOverwrittenPage) {
  {
    auto store = open();
    for (int i = 0; i < 200; ++i) ASSERT_EQ(submit_and_wait(*store, one_record()).status, WriteStatus::committed);
  }
  for (bool full : {false, true}) {
    const auto report = sqlite::check_integrity(db_path(), full, 1s);
    EXPECT_TRUE(report.ok) << (report.problems.empty() ? "" : report.problems.front());
    EXPECT_TRUE(report.problems.empty());
  }
  std::int64_t page_size = 0, pages = 0;
  {
    RawDb raw(db_path());
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    page_size = std::stoll(raw.text("PRAGMA page_size"));
    pages = std::stoll(raw.text("PRAGMA page_count"));
  }
  {
    std::fstream f(db_path(), std::ios::in | std::ios::out | std::ios::binary);
    // From the page's b-tree header on: whichever table or index the page belongs to, the
    // check then meets a page it cannot read (past the header, an empty page would pass).
    f.seekp(page_size * (pages / 2));
    f << std::string(static_cast<std::size_t>(page_size - 100), '\x5a');
  }
  const auto report = sqlite::check_integrity(db_path(), false, 1s);
  EXPECT_FALSE(report.ok);
  ASSERT_FALSE(report.problems.empty());
  EXPECT_NE(report.problems.front(), "ok");
}

TEST_F(HealthTest, IntegrityCheckOfAMissingFileSaysSo) {
  const auto report = sqlite::check_integrity(dir_.path() / "nothing.db", false, 1s);
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems.front().find("nothing.db"), std::string::npos) << report.problems.front();
}

TEST_F(HealthTest, ScheduledIntegrityCheckReportsThroughStats) {
  SqliteOptions o = options();
  o.integrity_check_interval = 50ms;
  auto store = open(o);
  ASSERT_EQ(submit_and_wait(*store, one_record()).status, WriteStatus::committed);
  ASSERT_TRUE(eventually([&] { return store->stats().integrity_checks >= 2; }));
  const StoreStats s = store->stats();
  EXPECT_TRUE(s.integrity_ok);
  EXPECT_GT(s.integrity_checked_at_ms, 0);
  store->shutdown();  // stops the schedule too
  const auto after = store->stats().integrity_checks;
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(store->stats().integrity_checks, after);
}

}  // namespace
}  // namespace kq::store::testing
