// A nightly roster sync end to end in the gateway's own components: a generated CSV roster in a
// roster drop folder (runtime/file_drop.hpp, roster_drop.hpp), read in chunks of 5,000 rows, each
// row mapped (mappings/student_registry/roster_csv.yaml), compared with the snapshot and committed
// chunk by chunk into a real SQLite file — then the same roster the next night with 1 % of the
// rows changed. Printed next to the floor measured in the same run: raw SQLite inserting exactly
// the rows the first load wrote (store_floor.hpp). Targets (issue 13): first load ≥ 50,000
// students/s, the rerun with 1 % changed under 10 s, memory flat in the roster size.
//
// Each size runs in a child process of its own, so its peak RSS is its own.
//
// Usage: kq_bench_roster_sync [--rows N[,N…]] [--changed-percent P] [--chunk N]
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "bench_support.hpp"
#include "gateway/config/schema.hpp"
#include "gateway/log/log.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/pipeline/pipeline.hpp"
#include "gateway/plugin_host/config_fields.hpp"
#include "gateway/runtime/file_drop.hpp"
#include "store_floor.hpp"

namespace kq::bench {
namespace {

namespace fs = std::filesystem;

// The n-th child's resident ID (GB 11643, with its check character): born in Xicheng between 2010
// and 2017, so a million children have distinct numbers.
std::string resident_id(std::size_t n) {
  const int year = 2010 + static_cast<int>(n / 365000);
  const int day = static_cast<int>((n / 1000) % 365);
  static constexpr int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int month = 0;
  int rest = day;
  while (rest >= kMonthDays[month]) rest -= kMonthDays[month++];
  char body[40];
  std::snprintf(body, sizeof body, "110105%04d%02d%02d%03zu", year, month + 1, rest + 1, n % 1000);
  static constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body) + "10X98765432"[sum % 11];
}

// Writes the roster row by row (never whole in memory). `changed_every`: every that many rows
// the class differs (0: none).
void write_roster(const fs::path& file, std::size_t rows, std::size_t changed_every) {
  static constexpr const char* kGrades[] = {"一年级", "二年级", "三年级", "四年级", "五年级", "六年级"};
  std::ofstream out(file, std::ios::binary);
  out << "姓名,性别,出生日期,身份证号,学籍号,学校,年级,班级\r\n";
  for (std::size_t n = 1; n <= rows; ++n) {
    const std::string id = resident_id(n);
    const bool changed = changed_every > 0 && n % changed_every == 0;
    out << "学生" << n << ',' << (n % 2 ? "男" : "女") << ',' << id.substr(6, 4) << '-' << id.substr(10, 2) << '-'
        << id.substr(12, 2) << ',' << id << ",G" << id << ",西城区第" << (n % 200) + 1 << "小学,"
        << kGrades[n % 6] << ',' << (changed ? 9 : (n / 7) % 8 + 1) << "班\r\n";
  }
}

std::shared_ptr<const plugin_host::AdapterInstance> registry_adapter(const fs::path& drops, std::size_t chunk) {
  auto loaded =
      plugin_host::load_plugin_library(std::string(KQ_PLUGIN_DIR) + "/student_registry.so", plugin_host::host_api());
  if (auto* e = std::get_if<plugin_host::LoadError>(&loaded)) die(e->message);
  auto lib = std::get<std::shared_ptr<const plugin_host::PluginLibrary>>(loaded);
  std::vector<config::ConfigError> errors;
  const std::string yaml = "{drop_directory: " + drops.string() + ", drop_principal: cmis, drop_settle: 0s, "
                           "rows_per_chunk: " + std::to_string(chunk) + ", charset: UTF-8}";
  auto block = config::validate_block(YAML::Load(yaml), plugin_host::to_config_fields(lib->fields()),
                                      config::SourceLocation{"bench.yaml", 1, 1}, "bench.yaml", errors);
  if (!errors.empty()) die(errors.front().str());
  plugin_host::AdapterSettings settings;
  settings.mappings = {"roster-csv"};
  return plugin_host::AdapterInstance::create("registry", lib, block, std::move(settings));
}

struct Figures {
  double first_s = 0;
  double rerun_s = 0;
  double rerun_floor_s = 0;
  double floor_s = 0;
  std::size_t floor_records = 0;
  long max_rss_kib = 0;        // at the end (the floor's replay included)
  long load_rss_kib = 0;       // peak after the first load, before the floor's replay
};

// The rerun's floor: what raw SQLite needs for the store's part of a rerun in which every row is
// unchanged — per student, the look-up by row hash and the "seen by this run" update, in
// transactions of a chunk's rows, on the gateway's own database after its rerun. No reading,
// hashing or mapping of the file; the 1 % of changed rows are not written: if anything, low.
double rerun_floor_seconds(const fs::path& db_file, std::size_t chunk) {
  sqlite3* db = nullptr;
  if (sqlite3_open(db_file.c_str(), &db) != SQLITE_OK) die("floor: cannot open " + db_file.string());
  // The store's own pragmas; the store checkpoints on a thread of its own, so the floor does
  // not checkpoint while it is timed.
  exec_or_die(db, kStorePragmas);
  exec_or_die(db, "PRAGMA wal_autocheckpoint = 0;");
  std::vector<std::array<std::string, 3>> rows;  // registry, row hash, student key
  sqlite3_stmt* all = nullptr;
  sqlite3_prepare_v2(db, "SELECT registry, row_hash, student_key FROM roster_entry", -1, &all, nullptr);
  while (sqlite3_step(all) == SQLITE_ROW) {
    auto text = [all](int i) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(all, i))); };
    rows.push_back({text(0), text(1), text(2)});
  }
  sqlite3_finalize(all);
  sqlite3_stmt* find = nullptr;
  sqlite3_stmt* mark = nullptr;
  sqlite3_prepare_v2(db, "SELECT student_key, content_hash, school, grade, class_name, status, enrollment_id, "
                     "row_hash, last_sync FROM roster_entry INDEXED BY roster_entry_row "
                     "WHERE registry = ?1 AND row_hash = ?2 LIMIT 1", -1, &find, nullptr);
  sqlite3_prepare_v2(db, "UPDATE roster_entry SET last_sync = 'floor-run' WHERE registry = ?1 AND student_key = ?2",
                     -1, &mark, nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i % chunk == 0) exec_or_die(db, "BEGIN IMMEDIATE");
    const auto& [registry, hash, key] = rows[i];
    sqlite3_bind_text(find, 1, registry.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(find, 2, hash.c_str(), -1, SQLITE_STATIC);
    if (sqlite3_step(find) != SQLITE_ROW) die("floor: a row hash was not found");
    sqlite3_reset(find);
    sqlite3_bind_text(mark, 1, registry.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(mark, 2, key.c_str(), -1, SQLITE_STATIC);
    if (sqlite3_step(mark) != SQLITE_DONE) die("floor: the update failed");
    sqlite3_reset(mark);
    if (i % chunk == chunk - 1 || i + 1 == rows.size()) exec_or_die(db, "COMMIT");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sqlite3_finalize(find);
  sqlite3_finalize(mark);
  sqlite3_close(db);
  return seconds;
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Drops `file` into work/ and waits for its receipt in done/.
double sync_file(const fs::path& drops, const fs::path& file) {
  const std::string name = file.filename().string();
  const auto t0 = std::chrono::steady_clock::now();
  fs::rename(file, drops / "work" / name);
  while (!fs::exists(drops / "done" / (name + ".receipt"))) {
    if (fs::exists(drops / "failed" / (name + ".receipt"))) die("the roster went to failed/");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Figures measure(std::size_t rows, double changed_percent, std::size_t chunk) {
  log::set_level(log::Level::warn);
  TempDir dir({});
  const fs::path drops = dir.path() / "drops";
  const fs::path db = dir.path() / "gateway.db";
  const auto mappings = mapping::load_mapping_dir(fs::path(KQ_SOURCE_DIR) / "mappings");
  if (!mappings) die("the shipped mappings do not load");
  const auto adapter = registry_adapter(drops, chunk);
  write_roster(dir.path() / "night-1.csv", rows, 0);
  const auto changed_every = static_cast<std::size_t>(changed_percent > 0 ? 100.0 / changed_percent : 0);
  write_roster(dir.path() / "night-2.csv", rows, changed_every);

  store::SqliteOptions options;
  options.path = db;
  auto store = store::make_sqlite_store(options);
  boost::asio::io_context ioc;
  auto guard = boost::asio::make_work_guard(ioc);
  std::thread io([&ioc] { ioc.run(); });
  boost::asio::thread_pool pool(2);
  metrics::Registry metrics;
  Figures f;
  {
    pipeline::Pipeline pipeline(*store, pool, metrics, [mappings] { return mappings; });
    runtime::RosterServices services;
    services.ingest_chunk = [&pipeline](auto a, plugin_host::Inbound in, auto piece, auto done) {
      pipeline.ingest_roster_chunk(std::move(a), std::move(in), std::move(piece), std::move(done));
    };
    services.finish = [&pipeline](const store::RosterSyncRun& run, auto done) {
      pipeline.finish_roster_sync(run, std::move(done));
    };
    services.reader = [&store] { return store->reader(); };
    services.rows_done = std::make_shared<std::atomic<std::int64_t>>(0);
    services.rows_estimated = std::make_shared<std::atomic<std::int64_t>>(0);
    auto alive = std::make_shared<std::atomic<bool>>(true);
    runtime::DropWorkers workers;
    auto& files = metrics.counter("files", "files", {"adapter", "result"});
    workers.start(ioc, adapter, adapter->file_drops().front(), runtime::DropSender{"cmis", "11110000MB0000009X"}, 0,
                  pool, nullptr, files, alive, services);
    f.first_s = sync_file(drops, dir.path() / "night-1.csv");
    f.load_rss_kib = peak_rss_kib();
    const FloorResult floor = replay_store_rows(db, {FloorRun{dir.path() / "floor.db", 1000}}).front();
    f.floor_s = floor.seconds;
    f.floor_records = floor.records;
    f.rerun_s = sync_file(drops, dir.path() / "night-2.csv");
    alive->store(false);
    pipeline.wait_idle(std::chrono::seconds(30));
  }
  guard.reset();
  ioc.stop();
  io.join();
  pool.join();
  store->shutdown();
  f.rerun_floor_s = rerun_floor_seconds(db, chunk);
  f.max_rss_kib = peak_rss_kib();
  return f;
}

// Each size in a child process of its own (its own peak RSS), the figures read back as text.
Figures measure_in_child(std::size_t rows, double changed_percent, std::size_t chunk) {
  const std::string text = in_child([&] {
    const Figures f = measure(rows, changed_percent, chunk);
    return std::to_string(f.first_s) + " " + std::to_string(f.rerun_s) + " " + std::to_string(f.floor_s) + " " +
           std::to_string(f.floor_records) + " " + std::to_string(f.max_rss_kib) + " " +
           std::to_string(f.load_rss_kib) + " " + std::to_string(f.rerun_floor_s);
  });
  Figures f;
  std::istringstream in(text);
  in >> f.first_s >> f.rerun_s >> f.floor_s >> f.floor_records >> f.max_rss_kib >> f.load_rss_kib >> f.rerun_floor_s;
  return f;
}

int run(int argc, char** argv) {
  std::vector<std::size_t> sizes{100000, 1000000};
  double changed_percent = 1.0;
  std::size_t chunk = 5000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) die("missing value after " + std::string(arg));
    if (arg == "--rows") {
      sizes.clear();
      std::istringstream list(argv[++i]);
      for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::stoul(item));
    } else if (arg == "--changed-percent") {
      changed_percent = std::atof(argv[++i]);
    } else if (arg == "--chunk") {
      chunk = std::stoul(argv[++i]);
    } else {
      die("unknown option " + std::string(arg) + " (--rows N[,N…], --changed-percent P, --chunk N)");
    }
  }
  std::printf("roster sync through the roster drop, %zu rows per chunk; rerun with %.1f %% of the rows changed; "
              "floors: raw SQLite inserting the rows the first load wrote; raw SQLite looking each student up by row hash "
              "and marking it seen, as a rerun must\n", chunk, changed_percent);
  for (const std::size_t rows : sizes) {
    const Figures f = measure_in_child(rows, changed_percent, chunk);
    std::printf("%zu students: first load %.2f s (%.0f students/s) | raw SQLite %.2f s for its %zu rows "
                "(floor/gateway %.2f) | rerun %.2f s (%.0f students/s), raw SQLite %.2f s (floor/gateway %.2f) | peak RSS after the first load %.1f MiB, "
                "at the end %.1f MiB\n",
                rows, f.first_s, static_cast<double>(rows) / f.first_s, f.floor_s, f.floor_records,
                f.floor_s / f.first_s, f.rerun_s, static_cast<double>(rows) / f.rerun_s, f.rerun_floor_s,
                f.rerun_floor_s / f.rerun_s,
                static_cast<double>(f.load_rss_kib) / 1024.0, static_cast<double>(f.max_rss_kib) / 1024.0);
  }
  return 0;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) { return kq::bench::run(argc, argv); }
