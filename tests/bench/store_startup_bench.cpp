// Start-up benchmark: how long the real gateway takes to answer /healthz and /readyz on a large
// store with a cold page cache (after a reboot, or kill -9 and a restart on a busy host).
//
// It builds a store of --size-mb (1 GiB by default) with the gateway's own schema: messages with
// their raw payload, dedupe key, audit entry and three records each, like HL7 ingest leaves them.
// Then, per run, it evicts the store's files from the page cache, starts the gateway and times
// its first 200 from /healthz and from /readyz.
//
// The baseline, measured in the same run on the same cold file: PRAGMA quick_check, which every
// start used to run before serving (it reads every page). "Before" is that plus today's time to
// /readyz; the store opens the same way otherwise.
//
// Cold cache: `--cold drop` writes 3 to /proc/sys/vm/drop_caches (root only; the whole machine's
// cache, so other work slows down for a moment); `--cold fadvise` (the default when not root)
// asks the kernel to drop just the store's files (posix_fadvise DONTNEED), which works for clean
// pages and needs no privilege; `--cold none` measures a warm cache. It prints which it used.
//
// Usage: kq_bench_store_startup [--size-mb N] [--runs N] [--cold drop|fadvise|none]
//                               [--gateway PATH] [--dir DIR] [--keep]
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "mllp_load.hpp"
#include "gateway/log/log.hpp"
#include "gateway/store/store.hpp"

namespace kq::bench {
namespace {

struct Options {
  std::filesystem::path gateway = KQ_GATEWAY_BIN;
  std::filesystem::path dir;  // where the temporary store goes (default: the system temp folder)
  std::uint64_t size_mb = 1024;
  unsigned runs = 3;
  std::string cold;  // drop | fadvise | none; empty: drop as root, fadvise otherwise
  bool keep = false;
};

void usage() {
  std::puts(
      "usage: kq_bench_store_startup [--size-mb N] [--runs N] [--cold drop|fadvise|none]\n"
      "                              [--gateway PATH] [--dir DIR] [--keep]\n"
      "Builds a store of N MiB (default 1024), then times the gateway's start to /healthz and\n"
      "/readyz with a cold page cache, beside PRAGMA quick_check on the same cold file.");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--size-mb") o.size_mb = std::stoull(value());
    else if (arg == "--runs") o.runs = static_cast<unsigned>(std::stoul(value()));
    else if (arg == "--cold") o.cold = value();
    else if (arg == "--gateway") o.gateway = value();
    else if (arg == "--dir") o.dir = value();
    else if (arg == "--keep") o.keep = true;
    else if (arg == "--help" || arg == "-h") {
      usage();
      std::exit(0);
    } else {
      usage();
      die("unknown option " + arg);
    }
  }
  if (o.cold.empty()) o.cold = ::geteuid() == 0 ? "drop" : "fadvise";
  if (o.cold != "drop" && o.cold != "fadvise" && o.cold != "none") die("--cold: drop, fadvise or none");
  if (o.runs == 0 || o.size_mb == 0) die("nothing to measure");
  return o;
}

std::uint64_t bytes_on_disk(const std::filesystem::path& p) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : n;
}

// Fills the store until the database file holds `target` bytes: per message one raw_message
// (a 1 KiB payload), one dedupe key, one audit entry and three records of ~500 bytes, in big
// transactions without fsync (building the fixture is not what is measured).
std::uint64_t fill_store(const std::filesystem::path& db_path, std::uint64_t target) {
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) die("cannot open " + db_path.string());
  exec_or_die(db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;");
  Statement message(db, kMessageInsert), dedupe(db, kDedupeInsert), audit(db, kAuditInsert),
      record(db, kRecordInsert);
  std::mt19937_64 random(42);
  // Bound without copying (SQLITE_STATIC): every value must live until its statement has run.
  const std::string hash(64, 'f');
  const std::int64_t at_ms = 1700000000000;
  std::string payload(1024, ' '), key, person, rid, body;
  std::uint64_t n = 0;
  while (bytes_on_disk(db_path) + bytes_on_disk(db_path.string() + "-wal") < target) {
    exec_or_die(db, "BEGIN");
    for (int i = 0; i < 2000; ++i, ++n) {
      char id[40];
      std::snprintf(id, sizeof id, "m-%012llu", static_cast<unsigned long long>(n));
      for (char& c : payload) c = static_cast<char>('A' + random() % 26);
      key = "HIS|HOSP|" + std::to_string(n);
      person = "p-" + std::to_string(n % 50000);
      message.bind(1, id).bind(2, "his").bind(3, "hl7").bind(4, "application/hl7-v2")
          .bind_blob(5, payload).bind(6, hash).bind(7, at_ms).bind(8, "accepted")
          .bind(11, "org-1").bind(12, at_ms).step(db);
      dedupe.bind(1, "his").bind(2, key).bind(3, id).bind(4, hash).bind(5, at_ms).step(db);
      audit.bind(1, at_ms).bind(2, "110107").bind(3, "C").bind(4, 0).bind(5, "his")
          .bind(6, "org-1").bind(7, "{}").bind(8, id).step(db);
      for (int r = 0; r < 3; ++r) {
        rid = std::string(id) + "-" + std::to_string(r);
        body = "{\"code\":\"" + payload.substr(static_cast<std::size_t>(r) * 160, 480) + "\"}";
        record.bind(1, rid).bind(2, 1).bind(3, "observation").bind(4, person).bind(5, "org-1")
            .bind(6, body).bind(7, id).bind(8, at_ms).step(db);
      }
    }
    exec_or_die(db, "COMMIT");
  }
  exec_or_die(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(db);
  return n;
}

// Evicts the store's files from the page cache; returns how, for the report.
std::string make_cold(const std::string& how, const std::filesystem::path& db) {
  if (how == "none") return "warm (nothing evicted)";
  ::sync();
  if (how == "drop") {
    std::ofstream out("/proc/sys/vm/drop_caches");
    out << "3\n";
    out.flush();
    if (out) return "cold (echo 3 > /proc/sys/vm/drop_caches)";
    std::fprintf(stderr, "cannot write /proc/sys/vm/drop_caches (not root?): using posix_fadvise\n");
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const int fd = ::open((db.string() + suffix).c_str(), O_RDONLY);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
  return "cold (posix_fadvise DONTNEED on the store's files; drop_caches not used)";
}

// The status code of GET `path`, or 0 when nothing answers.
int http_status(unsigned short port, const char* path) {
  const int fd = connect_loopback(port);
  if (fd < 0) return 0;
  const std::string request = std::string("GET ") + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  char reply[64] = {};
  std::size_t got = 0;
  if (send_all(fd, request)) {
    while (got < 12) {
      const ssize_t n = ::recv(fd, reply + got, sizeof reply - 1 - got, 0);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  return got >= 12 ? std::atoi(reply + 9) : 0;  // "HTTP/1.1 200"
}

struct StartTimes {
  double healthz = 0, readyz = 0;
};

StartTimes time_start(const Options& o, const std::filesystem::path& config,
                      const std::filesystem::path& log, unsigned short port) {
  const auto started = Clock::now();
  GatewayProcess gateway(o.gateway, config, log);
  StartTimes t;
  const auto deadline = started + std::chrono::minutes(10);
  while (Clock::now() < deadline) {
    const int status = http_status(port, t.healthz == 0 ? "/healthz" : "/readyz");
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    if (status == 200 && t.healthz == 0) {
      t.healthz = elapsed;
      continue;
    }
    if (status == 200) {
      t.readyz = elapsed;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (t.readyz == 0) die("the gateway did not become ready; see " + log.string());
  if (gateway.stop(std::chrono::seconds(30)) != 0) die("the gateway did not stop cleanly; see " + log.string());
  return t;
}

double time_quick_check(const std::filesystem::path& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) die("open");
  const auto started = Clock::now();
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, nullptr);
  std::string verdict;
  if (sqlite3_step(stmt) == SQLITE_ROW) verdict = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  const double took = std::chrono::duration<double>(Clock::now() - started).count();
  sqlite3_close(db);
  if (verdict != "ok") die("quick_check on the bench's own store said: " + verdict);
  return took;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) {
  using namespace kq::bench;
  const Options o = parse(argc, argv);
  kq::log::set_level(kq::log::Level::warn);  // the store's own open and close lines
  TempDir dir(o.dir);
  const auto db = dir.path() / "kangqiao.db";
  {
    kq::store::SqliteOptions options;  // the gateway's own schema and pragmas
    options.path = db;
    kq::store::make_sqlite_store(options)->shutdown();
  }
  const auto build_started = Clock::now();
  const std::uint64_t messages = fill_store(db, o.size_mb << 20);
  const double build_seconds = std::chrono::duration<double>(Clock::now() - build_started).count();
  const std::uint64_t bytes = bytes_on_disk(db);
  std::printf("store: %.1f MiB (%llu bytes; %llu messages, %llu records), built in %.1f s at %s\n",
              static_cast<double>(bytes) / (1ULL << 20), static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(messages), static_cast<unsigned long long>(3 * messages),
              build_seconds, db.c_str());

  const unsigned short port = free_port();
  const auto config = dir.path() / "kangqiao.yaml";
  {
    std::ofstream out(config);
    out << "data_dir: " << dir.path().string() << "\nlog: { level: info }\n"
        << "listeners:\n  - name: admin\n    port: " << port << "\n"
        << "store: { path: kangqiao.db }\n";
  }
  std::vector<double> healthz, readyz, quick;
  std::string how;
  for (unsigned run = 0; run < o.runs; ++run) {
    how = make_cold(o.cold, db);
    const StartTimes t = time_start(o, config, dir.path() / "gateway.log", port);
    healthz.push_back(t.healthz);
    readyz.push_back(t.readyz);
    make_cold(o.cold, db);
    quick.push_back(time_quick_check(db));
    std::printf("run %u: /healthz %.3f s, /readyz %.3f s; quick_check %.2f s\n", run + 1, t.healthz,
                t.readyz, quick.back());
  }
  const double before = median(quick) + median(readyz);
  std::printf("\npage cache: %s; medians of %u run%s\n", how.c_str(), o.runs, o.runs == 1 ? "" : "s");
  std::printf("  time to /healthz                        %8.3f s\n", median(healthz));
  std::printf("  time to /readyz                         %8.3f s\n", median(readyz));
  std::printf("  baseline: PRAGMA quick_check, same file %8.3f s  (%.0f MB/s)\n", median(quick),
              static_cast<double>(bytes) / 1e6 / median(quick));
  std::printf("  before (quick_check at every start)     %8.3f s to /readyz, nothing answering\n", before);
  std::printf("  after / before                          %8.3f\n", median(readyz) / before);
  std::fflush(stdout);
  if (o.keep) {
    std::printf("kept: %s\n", dir.path().c_str());
    std::filesystem::path keep = dir.path().string() + "-kept";
    std::filesystem::rename(dir.path(), keep);
  }
  return 0;
}
