// The SQLite Store: one writer thread doing group commit, and a pool of read-only connections.
//
// Group commit is what makes synchronous=FULL affordable: one fsync covers every WriteBatch in the
// transaction, and each caller still hears back only after COMMIT has returned.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iterator>
#include <limits>
#include <mutex>
#include <thread>

#include "gateway/log/log.hpp"
#include "gateway/store/prepared_batch.hpp"
#include "gateway/store/sqlite_batch_writer.hpp"
#include "gateway/store/sqlite_check.hpp"
#include "gateway/store/sqlite_checkpointer.hpp"
#include "gateway/store/sqlite_health.hpp"
#include "gateway/store/sqlite_reader.hpp"
#include "gateway/store/sqlite_schema.hpp"
#include "gateway/store/store.hpp"

namespace kq::store {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::uint64_t file_size_or_zero(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::uint64_t>(size);
}

WriteResult failure(std::string message_id, std::string error) {
  WriteResult r;
  r.status = WriteStatus::failed;
  r.message_id = std::move(message_id);
  r.error = std::move(error);
  return r;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const SqliteOptions& options)
      : options_(options),
        db_(sqlite::open_writer_connection(options)),
        writer_(std::make_unique<sqlite::BatchWriter>(db_, options.audit)),
        checkpointer_(std::make_unique<sqlite::Checkpointer>(db_, options.path,
                                                             options.checkpoint_pages,
                                                             options.busy_timeout)),
        pool_(std::make_shared<sqlite::ReaderPool>(options.path, options.busy_timeout,
                                                   options.reader_connections)),
        health_(options.path, options.min_free_bytes),
        // Until a group has been seen, wait the full max_delay for company after the first write.
        expected_group_(std::max<std::size_t>(options.max_batch, 1)) {
    if (options_.max_batch == 0) options_.max_batch = 1;
    if (options_.probe_interval.count() <= 0) options_.probe_interval = std::chrono::seconds(1);
    db_.set_busy_wait(options_.busy_timeout, &giving_up_);
    results_.reserve(options_.max_batch);
    queue_.reserve(options_.max_batch);
    health_.check_space();
    dedupe_retention_ms_.store(options_.dedupe_retention.count());
    if (options_.integrity_check_interval.count() > 0) {
      integrity_ = std::make_unique<sqlite::IntegritySchedule>(
          options_.path, options_.integrity_check_interval, options_.integrity_check_full,
          options_.busy_timeout);
    }
    thread_ = std::thread([this] { run_writer(); });
    log::info("store_opened",
              {{"path", options_.path.string()},
               {"schema_version", sqlite::latest_schema_version()},
               {"max_batch", options_.max_batch},
               {"max_delay_us", static_cast<std::int64_t>(options_.max_delay.count())}});
  }

  ~SqliteStore() override { shutdown(); }

  void submit(WriteBatch batch, Done done) override {
    PreparedBatch prepared;
    try {
      prepared = prepare_batch(std::move(batch));
    } catch (const std::exception& e) {
      log::error("store_prepare_failed", {{"error", e.what()}});
      done(failure({}, std::string("cannot prepare the write: ") + e.what()));
      return;
    }
    prepared.done = std::move(done);
    bool notify = false;
    std::string refused;
    {
      std::lock_guard lock(mutex_);
      if (!accepting_) {
        refused = "store is shut down";
      } else if (health_.space_low()) {
        // Refused before it reaches the disk: the reserve is there so that the store can still
        // finish what it started and recover, not to be filled by the next message.
        refused = health_.space_error();
      } else if (queue_.size() >= options_.max_queue) {
        refused = "store write queue is full";
      } else {
        queue_.push_back(std::move(prepared));
        notify = queue_.size() >= wake_at_;
      }
    }
    if (notify) wake_writer_.notify_one();
    if (!refused.empty()) {
      std::string id = prepared.batch.message ? prepared.batch.message->id : std::string();
      prepared.done(failure(std::move(id), std::move(refused)));
    }
  }

  std::unique_ptr<Reader> reader() override { return pool_->acquire(); }

  Health health() const override { return health_.health(); }

  std::size_t queue_depth() const override {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }
  std::uint64_t batches_committed() const override { return batches_committed_.load(); }
  std::uint64_t records_committed() const override { return records_committed_.load(); }
  std::uint64_t db_size_bytes() const override {
    return file_size_or_zero(options_.path) + file_size_or_zero(options_.path.string() + "-wal");
  }

  void set_dedupe_retention(std::chrono::milliseconds retention) override {
    dedupe_retention_ms_.store(retention.count());
  }

  StoreStats stats() const override {
    StoreStats s;
    s.queue_depth = queue_depth();
    s.commits = commits_.load();
    s.batches_committed = batches_committed_.load();
    s.records_committed = records_committed_.load();
    s.batches_failed = batches_failed_.load();
    s.last_commit_batches = last_commit_batches_.load();
    s.max_commit_batches = max_commit_batches_.load();
    s.last_commit_latency = std::chrono::microseconds(last_commit_us_.load());
    s.total_commit_latency = std::chrono::microseconds(total_commit_us_.load());
    s.db_size_bytes = db_size_bytes();
    s.checkpoints = checkpointer_->checkpoints();
    s.free_bytes = health_.free_bytes();
    s.min_free_bytes = health_.min_free_bytes();
    s.dedupe_keys_pruned = dedupe_keys_pruned_.load();
    if (integrity_) {
      const auto last = integrity_->last();
      s.integrity_checks = last.runs;
      s.integrity_ok = last.ok;
      s.integrity_checked_at_ms = last.finished_at_ms;
      s.integrity_check_duration = last.took;
    }
    return s;
  }

  void shutdown() override { shutdown_by(Clock::time_point::max()); }

  void shutdown_by(Clock::time_point deadline) override {
    if (std::this_thread::get_id() == thread_.get_id()) {
      // Called from a `done` callback: the writer cannot join itself. Stop intake; the owner's
      // later shutdown() (or the destructor) finishes the job.
      stop_intake();
      return;
    }
    std::lock_guard once(shutdown_mutex_);
    if (closed_) return;
    stop_intake();
    {
      std::unique_lock lock(mutex_);
      auto finished = [this] { return writer_finished_; };
      if (deadline == Clock::time_point::max()) {
        writer_done_.wait(lock, finished);
      } else if (!writer_done_.wait_until(lock, deadline, finished)) {
        // Out of time (typically a lock held by another process): whatever is not committed now
        // fails, so its sender hears a transient error, never a false acknowledgement.
        giving_up_ = true;
        log::warn("store_shutdown_gave_up", {{"queued", queue_.size()}});
      }
    }
    wake_writer_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (integrity_) integrity_->stop();
    checkpointer_->stop();  // stays allocated: stats() may still read its count
    writer_.reset();  // statements first, then the connection they belong to
    db_ = sqlite::Connection();
    pool_->close();
    closed_ = true;
    log::info("store_closed",
              {{"path", options_.path.string()},
               {"batches_committed", static_cast<std::int64_t>(batches_committed_.load())}});
  }

 private:
  void stop_intake() {
    {
      std::lock_guard lock(mutex_);
      accepting_ = false;
      stopping_ = true;
    }
    health_.stop_accepting();
    wake_writer_.notify_one();
  }

  enum class Next { group, idle, stop };

  // Waits for work, then takes one group: up to max_batch writes, waiting at most max_delay after
  // the first one arrived for more to join. It stops waiting early once the queue holds as many
  // writes as the previous group: under steady load those are the callers that were waiting on
  // the last commit, and waiting longer would only add latency. `idle` after a probe interval
  // without work; `stop` once stopping and everything has been taken.
  Next take_group(std::vector<PreparedBatch>& group) {
    std::unique_lock lock(mutex_);
    wake_at_ = 1;
    if (!wake_writer_.wait_for(lock, options_.probe_interval,
                               [this] { return !queue_.empty() || stopping_; })) {
      return Next::idle;
    }
    if (queue_.empty()) return Next::stop;
    const std::size_t target = std::min(options_.max_batch, expected_group_);
    if (!stopping_ && queue_.size() < target) {
      wake_at_ = target;
      const auto deadline = queue_.front().enqueued_at + options_.max_delay;
      wake_writer_.wait_until(lock, deadline,
                              [this, target] { return queue_.size() >= target || stopping_; });
    }
    wake_at_ = std::numeric_limits<std::size_t>::max();  // busy: submitters need not wake us
    if (queue_.size() <= options_.max_batch) {
      // The usual case: take everything. The swap hands the queue the group's emptied storage,
      // so in steady state neither side allocates.
      group.swap(queue_);
    } else {
      const auto end = queue_.begin() + static_cast<std::ptrdiff_t>(options_.max_batch);
      group.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
      queue_.erase(queue_.begin(), end);
    }
    return Next::group;
  }

  void run_writer() {
    std::vector<PreparedBatch> group;
    group.reserve(options_.max_batch);
    for (;;) {
      const Next next = take_group(group);
      if (next == Next::stop) break;
      if (next == Next::idle) {
        probe();
        maybe_checkpoint_audit();
        maybe_checkpoint();
        maybe_prune_dedupe();
        continue;
      }
      if (giving_up_) {
        fail_group(group, "the store shut down before this write was committed");
      } else if (!health_.check_space()) {
        fail_group(group, health_.space_error());
      } else {
        commit_group(group);
        expected_group_ = group.size();  // only the writer thread reads or writes this
      }
      group.clear();
      maybe_checkpoint();
      maybe_prune_dedupe();
    }
    std::lock_guard lock(mutex_);
    writer_finished_ = true;
    writer_done_.notify_all();
  }

  // Runs while the writer is idle, once per probe interval, so that health() follows the store's
  // real state without traffic. Below the reserve it only watches the free space. After a failed
  // transaction it writes one small transaction (the application id in the header, the same
  // value again): only a write that commits shows that the disk takes writes again. Otherwise it
  // takes the write lock and lets it go, which finds a lock held elsewhere without writing.
  void probe() {
    if (giving_up_ || !health_.check_space()) return;
    const bool write = !health_.last_transaction_ok();
    try {
      writer_->begin();
      if (write) {
        db_.exec("PRAGMA application_id = " + std::to_string(sqlite::kApplicationId));
        writer_->commit();
      } else {
        writer_->rollback();
      }
      health_.transaction_succeeded();
    } catch (const std::exception& e) {
      writer_->rollback();
      health_.transaction_failed(std::string("store probe failed: ") + e.what());
    }
  }

  // One slice of the sweep of expired dedupe keys, at most once a second whether the writer is idle
  // or busy, in a transaction of its own: a full pass over a million keys takes a quarter of an
  // hour and never holds the write lock for more than a slice.
  void maybe_prune_dedupe() {
    constexpr auto kEvery = std::chrono::seconds(1);
    constexpr std::size_t kSlice = 1000;
    const std::int64_t retention_ms = dedupe_retention_ms_.load();
    if (retention_ms <= 0 || giving_up_) return;
    const auto now = Clock::now();
    if (now - last_dedupe_prune_ < kEvery) return;
    last_dedupe_prune_ = now;
    try {
      writer_->begin();
      const std::size_t removed =
          writer_->prune_dedupe_keys(wall_clock_ms() - retention_ms, kSlice);
      writer_->commit();
      dedupe_keys_pruned_ += removed;
    } catch (const std::exception& e) {
      writer_->rollback();
      log::warn("store_dedupe_prune_failed", {{"error", e.what()}});
    }
  }

  // A signed audit checkpoint that fell due by time while nothing was written (the busy path
  // writes them at the end of a group), in a transaction of its own.
  void maybe_checkpoint_audit() {
    const std::int64_t now_ms = wall_clock_ms();
    if (giving_up_ || !writer_->audit_checkpoint_due(now_ms)) return;
    try {
      writer_->begin();
      writer_->checkpoint_audit_if_due(now_ms);
      writer_->commit();
    } catch (const std::exception& e) {
      writer_->rollback();
      log::warn("audit_checkpoint_failed", {{"error", e.what()}});
    }
  }

  // Every batch of the group fails without a write being tried.
  void fail_group(std::vector<PreparedBatch>& group, const std::string& why) {
    batches_failed_ += group.size();
    for (PreparedBatch& p : group) {
      const auto& m = p.batch.message;
      try {
        p.done(failure(m ? m->id : std::string(), why));
      } catch (const std::exception& e) {
        log::error("store_done_callback_threw", {{"error", e.what()}});
      }
    }
  }

  // Background checkpoints are PASSIVE: readers that always hold a snapshot can keep them from ever
  // finishing, and the WAL then grows without bound. So when the writer is idle and the WAL is
  // larger than wal_truncate_bytes, it runs a TRUNCATE checkpoint (briefly waiting for readers).
  void maybe_checkpoint() {
    constexpr auto kRetryEvery = std::chrono::seconds(10);
    if (file_size_or_zero(options_.path.string() + "-wal") <= options_.wal_truncate_bytes) return;
    const auto now = Clock::now();
    if (now - last_checkpoint_attempt_ < kRetryEvery) return;
    {
      std::lock_guard lock(mutex_);
      if (!queue_.empty()) return;  // busy: the next idle moment will do
    }
    last_checkpoint_attempt_ = now;
    const bool done =
        writer_->checkpoint_truncate(std::chrono::milliseconds(100), options_.busy_timeout);
    db_.set_busy_wait(options_.busy_timeout, &giving_up_);  // it set a plain busy timeout
    log::info("store_wal_checkpoint", {{"truncated", done}});
  }

  void commit_group(std::vector<PreparedBatch>& group) {
    const auto started = Clock::now();
    const std::int64_t now_ms = wall_clock_ms();
    results_.clear();
    std::string group_error;
    try {
      writer_->begin();
      if (!apply_all(group, now_ms, /*isolated=*/false)) {
        // A batch failed and nothing undid its half-done writes: start over, each batch in a
        // savepoint of its own. Rare (a constraint broken, a merge contradicting the store).
        writer_->rollback();
        writer_->begin();
        apply_all(group, now_ms, /*isolated=*/true);
      }
      writer_->checkpoint_audit_if_due(now_ms);
      writer_->commit();
    } catch (const std::exception& e) {
      group_error = e.what();
      writer_->rollback();
    }
    const auto latency =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    record_outcome(group, group_error, latency);
    // Counters first, callbacks last: whoever hears `done` also sees the stats that include it.
    for (std::size_t i = 0; i < group.size(); ++i) {
      try {
        group[i].done(std::move(results_[i]));
      } catch (const std::exception& e) {
        log::error("store_done_callback_threw", {{"error", e.what()}});
      }
    }
  }

  // Applies every batch of the group into results_; false if one failed (see BatchWriter::apply).
  bool apply_all(std::vector<PreparedBatch>& group, std::int64_t now_ms, bool isolated) {
    results_.clear();
    for (PreparedBatch& p : group) {
      results_.push_back(writer_->apply(p, now_ms, isolated));
      if (!isolated && results_.back().status == WriteStatus::failed) return false;
    }
    return true;
  }

  void record_outcome(const std::vector<PreparedBatch>& group, const std::string& group_error,
                      std::chrono::microseconds latency) {
    if (!group_error.empty()) {
      // Nothing in the group is durable: every batch fails, whatever its own outcome was.
      results_.resize(group.size());
      for (std::size_t i = 0; i < group.size(); ++i) {
        const auto& m = group[i].batch.message;
        results_[i] = failure(m ? m->id : std::string(), "transaction failed: " + group_error);
      }
      batches_failed_ += group.size();
      log::error("store_commit_failed", {{"error", group_error}, {"batches", group.size()}});
      health_.transaction_failed(group_error);
      return;
    }
    std::uint64_t ok = 0, records = 0, failed = 0;
    for (const WriteResult& r : results_) {
      if (r.status == WriteStatus::committed) {
        ++ok;
        records += r.records.size();
      } else if (r.status == WriteStatus::failed) {
        ++failed;
      }
    }
    commits_ += 1;
    batches_committed_ += ok;
    records_committed_ += records;
    batches_failed_ += failed;
    last_commit_batches_ = group.size();
    if (group.size() > max_commit_batches_.load()) max_commit_batches_ = group.size();
    last_commit_us_ = static_cast<std::uint64_t>(latency.count());
    total_commit_us_ += static_cast<std::uint64_t>(latency.count());
    health_.transaction_succeeded();
  }

  SqliteOptions options_;
  sqlite::Connection db_;  // after start-up, touched by the writer thread only
  std::unique_ptr<sqlite::BatchWriter> writer_;
  std::unique_ptr<sqlite::Checkpointer> checkpointer_;  // hooks db_: stopped before db_ closes
  std::shared_ptr<sqlite::ReaderPool> pool_;
  sqlite::HealthState health_;
  std::unique_ptr<sqlite::IntegritySchedule> integrity_;  // when configured
  std::atomic<bool> giving_up_{false};  // shutdown deadline passed: fail, do not wait for locks

  mutable std::mutex mutex_;  // guards the queue and the flags below it
  std::condition_variable wake_writer_;
  std::condition_variable writer_done_;
  std::vector<PreparedBatch> queue_;
  std::size_t wake_at_ = 1;  // submitters notify once the queue reaches this size
  bool accepting_ = true;
  bool stopping_ = false;
  bool writer_finished_ = false;

  std::size_t expected_group_;  // writer thread only
  Clock::time_point last_checkpoint_attempt_ = Clock::now() - std::chrono::hours(1);  // writer only
  Clock::time_point last_dedupe_prune_ = Clock::now();                                 // writer only
  std::atomic<std::uint64_t> dedupe_keys_pruned_{0};
  std::atomic<std::int64_t> dedupe_retention_ms_{0};
  std::vector<WriteResult> results_;  // writer thread only; reused to avoid an allocation per group

  std::atomic<std::uint64_t> commits_{0}, batches_committed_{0}, records_committed_{0};
  std::atomic<std::uint64_t> batches_failed_{0}, last_commit_us_{0}, total_commit_us_{0};
  std::atomic<std::size_t> last_commit_batches_{0}, max_commit_batches_{0};

  std::mutex shutdown_mutex_;
  bool closed_ = false;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Store> make_sqlite_store(const SqliteOptions& options) {
  return std::make_unique<SqliteStore>(options);
}

}  // namespace kq::store
