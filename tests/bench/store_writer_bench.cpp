// Store writer benchmark: records/s through the group-committing writer, against raw SQLite
// inserting the same rows into the same tables in the same run.
//
//   (a) baseline: one thread, prepared INSERTs on the store's own schema and pragmas (WAL,
//       synchronous=FULL), 1000 units per transaction: the most SQLite does with these rows here.
//   (b) writer: --callers threads (64), each keeping --window (8) one-record WriteBatches in
//       flight: submit, and submit the next once a `done` has come back. --window 1 is the strict
//       "wait for the acknowledgement before sending the next" sender.
// --with-message makes every unit a whole inbound message, in (a) and (b) alike: raw message +
// dedupe key + record + audit row.
//
// Runs alternate (a, b, a, b, ...) so both see the same machine noise; medians are reported.
// Usage: kq_bench_store_writer [--records N] [--callers N] [--window N] [--runs N] [--dir PATH]
//                              [--with-message]
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/core/uuid.hpp"
#include "gateway/log/log.hpp"
#include "gateway/store/store.hpp"
#include "tests/bench/bench_support.hpp"

namespace kq::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Config {
  std::size_t records = 30000;  // per run, for each of (a) and (b)
  std::size_t callers = 64;
  std::size_t window = 8;
  std::size_t runs = 5;
  bool with_message = false;  // (b) writes a whole inbound message per batch, not just a record
  std::filesystem::path dir;
};

// (a): the store's own schema (created by opening a store once), the store's pragmas, one
// prepared statement per table, 1000 units per transaction, one thread.
RunResult run_baseline(const Config& c, const std::filesystem::path& file,
                       const std::string& body) {
  {
    store::SqliteOptions options;
    options.path = file;
    store::make_sqlite_store(options)->shutdown();  // runs the migrations, nothing else
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) die("cannot open " + file.string());
  exec_or_die(db, kStorePragmas);
  Statement record(db, kRecordInsert), message(db, kMessageInsert), dedupe(db, kDedupeInsert),
      audit(db, kAuditInsert);
  const std::string person = core::new_uuid();
  const std::string hash(64, 'a');
  RunResult result;
  const double cpu_before = process_cpu_seconds();
  const auto started = Clock::now();
  for (std::size_t done = 0; done < c.records;) {
    exec_or_die(db, "BEGIN IMMEDIATE");
    const std::size_t end = std::min(c.records, done + 1000);
    for (; done < end; ++done) {
      std::string message_id;
      if (c.with_message) {
        message_id = core::new_uuid();
        const std::string key = std::to_string(done) + "-" + person;
        message.bind(1, message_id).bind(2, "bench").bind(3, "mllp").bind(4, "application/hl7-v2");
        message.bind_blob(5, body).bind(6, hash).bind(7, 1700000000000).bind(8, "accepted");
        message.bind_null(9).bind_null(10).bind_null(11).bind(12, 1700000000000).step(db);
        dedupe.bind(1, "bench").bind(2, key).bind(3, message_id).bind(4, hash).bind(5, 1).step(db);
      }
      const std::string id = core::new_uuid();
      record.bind(1, id).bind(2, 1).bind(3, "observation").bind(4, person).bind(5, "org-1");
      record.bind(6, body).bind(8, 1700000000000);
      if (c.with_message)
        record.bind(7, message_id);
      else
        record.bind_null(7);
      record.step(db);
      if (c.with_message) {
        audit.bind(1, 1700000000000).bind(2, "110107").bind(3, "C").bind(4, 0).bind(5, "bench");
        audit.bind(6, "org-1").bind(7, "{}").bind(8, message_id).step(db);
      }
    }
    exec_or_die(db, "COMMIT");
    result.commits += 1;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  result.cpu_seconds = process_cpu_seconds() - cpu_before;
  result.records = c.records;
  return result;  // the statements finalise before the connection closes
}

// A caller's window of outstanding writes. A mutex and condition variable rather than
// std::counting_semaphore: libstdc++'s semaphore spins with sched_yield before sleeping, and 64
// yielding callers on 2 cores take the CPU away from the very writer they are waiting for.
class Slots {
 public:
  explicit Slots(std::size_t n) : free_(n), total_(n) {}
  void acquire() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return free_ > 0; });
    --free_;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      ++free_;
    }
    cv_.notify_one();
  }
  void wait_all_free() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return free_ == total_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::size_t free_;
  const std::size_t total_;
};

store::WriteBatch make_batch(const Config& c, const boost::json::object& body,
                             const std::string& person, std::size_t n) {
  store::WriteBatch b;
  store::RecordEnvelope& r = b.records.emplace_back();
  r.kind = "observation";
  r.person_id = person;
  r.org_id = "org-1";
  // The body is built in its own arena, as a mapping would build it: one allocation instead of
  // dozens, so the 64 caller threads leave the CPU to the writer as real ingest threads would.
  r.body = boost::json::object(
      body, boost::json::make_shared_resource<boost::json::monotonic_resource>());
  if (c.with_message) {
    b.message = store::RawMessage{};
    b.message->inbound.adapter = "bench";
    b.message->inbound.channel = "mllp";
    b.message->inbound.content_type = "application/hl7-v2";
    b.message->inbound.payload = boost::json::serialize(body);
    b.message->inbound.received_at_ms = 1700000000000;
    b.dedupe = store::DedupeKey{"bench", std::to_string(n) + "-" + person};
    b.audit.push_back({0, "110107", kq::store::AuditAction::create, kq::store::AuditOutcome::success, "bench", "org-1", {}});
  }
  return b;
}

// (b): callers keep `window` writes in flight; latency runs from submit() to its `done`.
RunResult run_writer(const Config& c, const std::filesystem::path& file,
                     const boost::json::object& body) {
  store::SqliteOptions options;
  options.path = file;
  auto store = store::make_sqlite_store(options);
  const std::string person = core::new_uuid();
  std::vector<std::vector<double>> latencies(c.callers);
  std::atomic<std::size_t> failures{0};
  std::latch start(static_cast<std::ptrdiff_t>(c.callers) + 1);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < c.callers; ++t) {
    const std::size_t share = c.records / c.callers + (t < c.records % c.callers ? 1 : 0);
    threads.emplace_back([&, t, share] {
      Slots slots(c.window);
      std::vector<double>& mine = latencies[t];
      mine.reserve(share);
      start.arrive_and_wait();
      for (std::size_t i = 0; i < share; ++i) {
        slots.acquire();
        const auto submitted = Clock::now();
        auto on_done = [&, submitted](store::WriteResult r) {
          if (r.status != store::WriteStatus::committed) ++failures;
          mine.push_back(
              std::chrono::duration<double, std::micro>(Clock::now() - submitted).count());
          slots.release();
        };
        store->submit(make_batch(c, body, person, t * 1000000 + i), std::move(on_done));
      }
      slots.wait_all_free();  // the last acknowledgements
    });
  }
  const double cpu_before = process_cpu_seconds();
  start.arrive_and_wait();
  const auto started = Clock::now();
  for (auto& t : threads) t.join();
  RunResult result;
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  result.cpu_seconds = process_cpu_seconds() - cpu_before;
  const store::StoreStats stats = store->stats();
  store->shutdown();
  result.records = stats.records_committed;
  result.commits = stats.commits;
  result.max_group = stats.max_commit_batches;
  if (stats.commits > 0) {
    result.commit_us = static_cast<double>(stats.total_commit_latency.count()) /
                       static_cast<double>(stats.commits);
  }
  result.failures = failures.load();
  for (auto& v : latencies)
    result.latencies_us.insert(result.latencies_us.end(), v.begin(), v.end());
  return result;
}

Config parse(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + arg);
      return argv[++i];
    };
    if (arg == "--records")
      c.records = std::stoul(value());
    else if (arg == "--callers")
      c.callers = std::max<std::size_t>(1, std::stoul(value()));
    else if (arg == "--window")
      c.window = std::clamp<std::size_t>(std::stoul(value()), 1, 1024);
    else if (arg == "--runs")
      c.runs = std::max<std::size_t>(1, std::stoul(value()));
    else if (arg == "--dir")
      c.dir = value();
    else if (arg == "--with-message")
      c.with_message = true;
    else
      die("unknown argument " + arg + " (see the comment at the top of store_writer_bench.cpp)");
  }
  return c;
}

int run(int argc, char** argv) {
  const Config c = parse(argc, argv);
  log::set_level(log::Level::warn);
  TempDir dir(c.dir);
  const boost::json::object body = observation_body();
  const std::string body_text = boost::json::serialize(body);
  std::printf(
      "store writer benchmark: %zu records per run, %zu runs, %zu callers x window %zu, %s\n",
      c.records, c.runs, c.callers, c.window,
      c.with_message ? "batch = raw message + dedupe key + record + audit row"
                     : "batch = one record");
  std::printf("record body %zu bytes of JSON; database in %s; %u CPUs\n", body_text.size(),
              dir.path().c_str(), std::thread::hardware_concurrency());

  std::vector<RunResult> baseline, writer;
  for (std::size_t run = 0; run < c.runs; ++run) {
    baseline.push_back(run_baseline(c, dir.fresh_file("baseline"), body_text));
    writer.push_back(run_writer(c, dir.fresh_file("writer"), body));
    print_run(run + 1, baseline.back(), writer.back());
    if (writer.back().failures != 0) die("the writer reported failed writes");
  }
  print_summary(baseline, writer);
  return 0;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) { return kq::bench::run(argc, argv); }
