#pragma once
// The full check of a store's database file. It reads every page, so its cost grows with the
// store (22-110 MB/s with a cold page cache on the development VM: 10-50 s per GB); start-up
// therefore never runs it. It is `kangqiao store check` and, if configured, a background
// schedule whose verdict is a metric and a log line.
//
// The check reads from one snapshot for as long as it runs: meanwhile the WAL cannot start over,
// so it grows by whatever is written during the check. Schedule it off-peak.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kq::store::sqlite {

struct IntegrityReport {
  bool ok = false;
  bool cancelled = false;
  // SQLite's findings (at most the first 100), or why the check could not run.
  std::vector<std::string> problems;
  std::chrono::milliseconds took{0};
};

// PRAGMA quick_check (pages, records, UNIQUE and NOT NULL) or, with `full`, integrity_check
// (also that every index matches its table), on a read-only connection of its own. Safe beside a
// running gateway. Stops early, with `cancelled`, once *cancel turns true. Never throws.
IntegrityReport check_integrity(const std::filesystem::path& path, bool full,
                                std::chrono::milliseconds busy_timeout,
                                const std::atomic<bool>* cancel = nullptr);

// Runs check_integrity every `interval` (the first one an interval after start) on a thread of
// its own, and logs each verdict (`store_check_passed` / `store_check_failed`).
class IntegritySchedule {
 public:
  struct Last {
    std::uint64_t runs = 0;  // completed checks
    bool ok = false;         // verdict of the last one
    std::int64_t finished_at_ms = 0;
    std::chrono::milliseconds took{0};
  };

  IntegritySchedule(std::filesystem::path path, std::chrono::milliseconds interval, bool full,
                    std::chrono::milliseconds busy_timeout);
  ~IntegritySchedule();  // stop()
  IntegritySchedule(const IntegritySchedule&) = delete;
  IntegritySchedule& operator=(const IntegritySchedule&) = delete;

  // Cancels a check in progress and ends the thread. Idempotent.
  void stop();
  Last last() const;

 private:
  void run();

  const std::filesystem::path path_;
  const std::chrono::milliseconds interval_;
  const bool full_;
  const std::chrono::milliseconds busy_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  Last last_;
  std::thread thread_;
};

}  // namespace kq::store::sqlite
