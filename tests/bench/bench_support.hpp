#pragma once
// Plumbing for the store writer benchmark: the baseline's SQL, a typical record body, scratch
// files, and the report (medians, ratio, latency percentiles).
#include "bench_stats.hpp"

#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/write_batch.hpp"

namespace kq::bench {

[[noreturn]] inline void die(const std::string& why) {
  std::fprintf(stderr, "kq_bench: %s\n", why.c_str());
  std::exit(2);
}

// The pragmas of the store's writer connection (gateway/store/sqlite_schema.cpp).
inline constexpr const char* kStorePragmas =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
    "PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY; PRAGMA trusted_schema = OFF;"
    "PRAGMA journal_size_limit = 67108864; PRAGMA cell_size_check = ON; PRAGMA mmap_size = 0;"
    "PRAGMA cache_size = -65536;";

// The rows the writer inserts for one WriteBatch, as plain statements on the store's tables.
inline constexpr const char* kRecordInsert =
    "INSERT INTO record (id, version, kind, person_id, org_id, body, message_id, written_at_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
inline constexpr const char* kMessageInsert =
    "INSERT INTO raw_message (id, source, channel, content_type, payload, sha256, received_at_ms, "
    "status, error, peer, org_id, stored_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
    "?11, ?12)";
inline constexpr const char* kDedupeInsert =
    "INSERT INTO dedupe_key (scope, key, message_id, payload_sha256, created_at_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
inline constexpr const char* kAuditInsert =
    "INSERT INTO audit_log (at_ms, event_type, action, outcome, actor, org_id, detail, message_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

// Runs `work` in a child process and returns the text it answers: the parent stays small, so
// every child's peak RSS (getrusage) is its own work's.
template <typename Work>
std::string in_child(Work work) {
  int fds[2];
  if (pipe(fds) != 0) die("pipe");
  std::fflush(stdout);  // else the child prints what the parent buffered again
  const pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close(fds[0]);
    const std::string line = work();
    _exit(write(fds[1], line.data(), line.size()) == static_cast<ssize_t>(line.size()) ? 0 : 3);
  }
  close(fds[1]);
  std::string text;
  char buf[128];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("a child process failed");
  return text;
}

inline void exec_or_die(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    die(std::string("baseline SQL failed: ") + (message != nullptr ? message : "?"));
  }
}

// A prepared statement for the baseline. Text is bound SQLITE_STATIC: it must outlive step()
// (string literals and the caller's strings do).
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      die(std::string("baseline prepare failed: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& bind(int i, std::int64_t value) {
    sqlite3_bind_int64(stmt_, i, value);
    return *this;
  }
  Statement& bind(int i, int value) { return bind(i, std::int64_t{value}); }
  Statement& bind_blob(int i, std::string_view bytes) {
    sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  void step(sqlite3* db) {
    if (sqlite3_step(stmt_) != SQLITE_DONE) {
      die(std::string("baseline insert failed: ") + sqlite3_errmsg(db));
    }
    sqlite3_reset(stmt_);
  }
  // For queries: true while there is a row to read (column_*), false (and reset) at the end.
  bool next(sqlite3* db) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) die(std::string("baseline query failed: ") + sqlite3_errmsg(db));
    sqlite3_reset(stmt_);
    return false;
  }
  std::int64_t column_int64(int i) const { return sqlite3_column_int64(stmt_, i); }
  std::string column_text(int i) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return text != nullptr ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))) : "";
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// A school health-exam observation as the mappings produce it (~950 bytes of JSON).
inline boost::json::object observation_body() {
  return {
      {"resourceType", "Observation"},
      {"status", "final"},
      {"category",
       {{"system", "http://terminology.hl7.org/CodeSystem/observation-category"},
        {"code", "vital-signs"}}},
      {"code", {{"system", "http://loinc.org"}, {"code", "8302-2"}, {"display", "Body height"}}},
      {"effective", "2024-09-12T09:30:00+08:00"},
      {"issued", "2024-09-12T10:02:11+08:00"},
      {"performer", {{"org_id", "org-110108-0042"}, {"name", "北京市海淀区中关村第一小学校医室"}}},
      {"value",
       {{"quantity", 142.5},
        {"unit", "cm"},
        {"system", "http://unitsofmeasure.org"},
        {"code", "cm"}}},
      {"method", {{"code", "stadiometer"}, {"display", "身高计测量"}}},
      {"device", "card-reader-BJ-HD-0117"},
      {"encounter",
       {{"kind", "school-health-exam"},
        {"school_year", "2024-2025"},
        {"grade", "5"},
        {"class", "3"}}},
      {"reference_range", {{"low", 128.1}, {"high", 151.9}, {"source", "WS/T 612-2018"}}},
      {"provenance",
       {{"mapping", "card_reader_exam@2"},
        {"rule_version", "2024.1"},
        {"received_at", "2024-09-12T10:05:40+08:00"},
        {"source_record", "HD0117-20240912-000381"}}},
      {"security", {{"category", "health-exam"}, {"level", 3}, {"minor_under_14", true}}},
  };
}

class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& parent) {
    auto base = parent.empty() ? std::filesystem::temp_directory_path() : parent;
    std::string pattern = (base / "kq-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) die("cannot create a directory in " + base.string());
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

  // Every run starts from an empty database, so no run inherits a bigger B-tree or WAL.
  std::filesystem::path fresh_file(const std::string& name) {
    std::filesystem::path file = path_ / (name + ".db");
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::error_code ec;
      std::filesystem::remove(file.string() + suffix, ec);
    }
    return file;
  }

 private:
  std::filesystem::path path_;
};

// CPU time (user + system) of the whole process so far, in seconds.
inline double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

struct RunResult {
  double seconds = 0;
  double cpu_seconds = 0;  // process CPU during the run, all threads
  std::size_t records = 0;
  std::size_t commits = 0;
  std::size_t max_group = 0;
  std::size_t failures = 0;
  double commit_us = 0;              // writer only: mean BEGIN..COMMIT time
  std::vector<double> latencies_us;  // writer only: submit() to `done`

  double cpu_us_per_record() const {
    return records > 0 ? cpu_seconds * 1e6 / static_cast<double>(records) : 0;
  }
  double rate() const { return seconds > 0 ? static_cast<double>(records) / seconds : 0; }
  double mean_group() const { return commits > 0 ? static_cast<double>(records) / commits : 0; }
};

inline void print_run(std::size_t run, const RunResult& base, const RunResult& w) {
  std::printf(
      "run %zu: baseline %6.0f rec/s (cpu %4.1f us/rec) | writer %6.0f rec/s (cpu %4.1f us/rec)"
      "  ratio %.2f  commits %zu  mean group %.1f  max group %zu  txn %.0f us  ack p50 %.0f us"
      "  p99 %.0f us\n",
      run, base.rate(), base.cpu_us_per_record(), w.rate(), w.cpu_us_per_record(),
      base.rate() > 0 ? w.rate() / base.rate() : 0, w.commits, w.mean_group(), w.max_group,
      w.commit_us, percentile(w.latencies_us, 0.5), percentile(w.latencies_us, 0.99));
}

inline void print_summary(const std::vector<RunResult>& base, const std::vector<RunResult>& w) {
  std::vector<double> b_rate, w_rate, ratios, groups, p50, p99;
  for (const auto& r : base) b_rate.push_back(r.rate());
  for (std::size_t i = 0; i < base.size() && i < w.size(); ++i) {
    ratios.push_back(base[i].rate() > 0 ? w[i].rate() / base[i].rate() : 0);
  }
  for (const auto& r : w) {
    w_rate.push_back(r.rate());
    groups.push_back(r.mean_group());
    p50.push_back(percentile(r.latencies_us, 0.5));
    p99.push_back(percentile(r.latencies_us, 0.99));
  }
  const double b = median(b_rate), m = median(w_rate);
  std::printf("median of %zu runs:\n", base.size());
  std::printf("  baseline (raw SQLite, 1000 rows/txn): %.0f records/s\n", b);
  std::printf("  writer (group commit):                %.0f records/s\n", m);
  std::printf("  ratio writer/baseline:                %.2f (median of per-run ratios %.2f)\n",
              b > 0 ? m / b : 0, median(ratios));
  std::printf("  writer mean group (batches/commit):   %.1f\n", median(groups));
  std::printf("  writer ack latency p50 / p99:         %.0f us / %.0f us\n", median(p50),
              median(p99));
}

}  // namespace kq::bench
