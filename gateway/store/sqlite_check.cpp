#include "gateway/store/sqlite_check.hpp"

#include <sqlite3.h>

#include "gateway/log/log.hpp"
#include "gateway/store/sqlite_schema.hpp"
#include "gateway/store/store.hpp"

namespace kq::store::sqlite {

namespace {

constexpr int kMaxProblems = 100;

int cancel_requested(void* flag) {
  return static_cast<const std::atomic<bool>*>(flag)->load() ? 1 : 0;
}

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

IntegrityReport check_integrity(const std::filesystem::path& path, bool full,
                                std::chrono::milliseconds busy_timeout,
                                const std::atomic<bool>* cancel) {
  IntegrityReport report;
  const auto started = std::chrono::steady_clock::now();
  try {
    Connection db = open_reader_connection(path, busy_timeout);
    // Polled every few thousand VM steps: a shutdown does not wait for the whole file.
    if (cancel != nullptr) {
      sqlite3_progress_handler(db.get(), 10'000, &cancel_requested,
                               const_cast<std::atomic<bool>*>(cancel));
    }
    const std::string sql = std::string(full ? "PRAGMA integrity_check(" : "PRAGMA quick_check(") +
                            std::to_string(kMaxProblems) + ")";
    Statement statement = db.prepare(sql);
    Query q = statement.query();
    while (q.next()) report.problems.push_back(q.text(0));
    report.ok = report.problems.size() == 1 && report.problems.front() == "ok";
    if (report.ok) report.problems.clear();
  } catch (const std::exception& e) {
    report.ok = false;
    report.cancelled = cancel != nullptr && cancel->load();
    report.problems = {report.cancelled ? std::string("cancelled") : std::string(e.what())};
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return report;
}

IntegritySchedule::IntegritySchedule(std::filesystem::path path, std::chrono::milliseconds interval,
                                     bool full, std::chrono::milliseconds busy_timeout)
    : path_(std::move(path)), interval_(interval), full_(full), busy_timeout_(busy_timeout) {
  thread_ = std::thread([this] { run(); });
}

IntegritySchedule::~IntegritySchedule() { stop(); }

void IntegritySchedule::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

IntegritySchedule::Last IntegritySchedule::last() const {
  std::lock_guard lock(mutex_);
  return last_;
}

void IntegritySchedule::run() {
  const char* mode = full_ ? "full" : "quick";
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_.load(); })) {
    lock.unlock();
    IntegrityReport r = check_integrity(path_, full_, busy_timeout_, &stopping_);
    lock.lock();
    if (r.cancelled) return;
    ++last_.runs;
    last_.ok = r.ok;
    last_.took = r.took;
    last_.finished_at_ms = wall_clock_ms();
    const double seconds = static_cast<double>(r.took.count()) / 1000.0;
    if (r.ok) {
      log::info("store_check_passed", {{"path", path_.string()}, {"mode", mode}, {"seconds", seconds}});
    } else {
      log::error("store_check_failed", {{"path", path_.string()},
                                        {"mode", mode},
                                        {"seconds", seconds},
                                        {"problems", r.problems.size()},
                                        {"first_problem", r.problems.front()}});
    }
  }
}

}  // namespace kq::store::sqlite
