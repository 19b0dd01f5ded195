// Pull API benchmark (issue 12): the changes feed of a store of N records (1,000,000 by default)
// read from start to end with consent on, as NDJSON, against the raw cost of reading the same
// rows from SQLite in the same run.
//
//   (raw)  one read-only sqlite3 connection and a plain prepared statement,
//          `SELECT … FROM record WHERE seq > ? ORDER BY seq LIMIT ?`, in pages of --limit rows,
//          every byte of every body touched: the floor any reader of this table pays.
//   (pull) `GET /api/v1/changes?purpose=PUBHLTH&limit=…&format=ndjson` through PullApi::route,
//          page after page with the cursor each page hands back, each page's audit batch
//          submitted to the store and waited for before the next request — what the API does
//          before a reply may leave. Every record is decided by consent (decide_page), denied
//          ones are dropped before paging, one audit entry per person per page.
//   (floor) (raw) plus, per page, the persons and current consents of the page's subjects by
//          plain SQL, every body touched: the reads no consent decision can do without. It
//          shows how much of the distance to raw is the consent design's price, not the code's.
// Runs alternate (raw, pull, raw, pull, …) after one untimed raw pass that warms the page cache;
// medians over --repeat runs. The target: >= 100,000 records/s and >= 0.3 of raw.
//
// The store is built once into --store (default: $TMPDIR/kq-pull-bench/records-N.db) and reused
// while its marker file says it holds N records written by this schema and these category rules
// (else the pull would measure the fallback that parses bodies). pull_bench_store.hpp says what is
// in it. The pulls add their audit entries to that file, as a gateway would.
//
// Usage: kq_bench_pull [--records N] [--repeat K] [--limit L] [--store PATH]
#include <sqlite3.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <future>
#include <set>
#include <string>

#include "bench_support.hpp"
#include "gateway/log/log.hpp"
#include "gateway/pull/api.hpp"
#include "pull_bench_store.hpp"

namespace kq::bench {
namespace {

// Keeps the raw pass's reading of the bodies from being optimised away.
volatile std::uint64_t g_checksum = 0;

struct Pass {
  double seconds = 0;
  double cpu_seconds = 0;
  std::size_t scanned = 0;   // stored records gone through
  std::size_t returned = 0;  // records in the replies (pull only)
  std::size_t bytes = 0;     // body bytes (raw) or reply bytes (pull)
  std::size_t audit = 0;     // audit entries committed (pull only)
  std::size_t pages = 0;
  double commit_seconds = 0;  // of `seconds`: waiting for the audit batches to commit (pull only)
  std::uint64_t checksum = 0;

  double rate() const { return seconds > 0 ? static_cast<double>(scanned) / seconds : 0; }
  double returned_rate() const { return seconds > 0 ? static_cast<double>(returned) / seconds : 0; }
};

class Clock {
 public:
  Pass stop(Pass p) const {
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
    p.cpu_seconds = process_cpu_seconds() - cpu_;
    return p;
  }

 private:
  std::chrono::steady_clock::time_point wall_ = std::chrono::steady_clock::now();
  double cpu_ = process_cpu_seconds();
};

// Reads every body a statement returns in column `column`, into the checksum.
std::size_t touch_bodies(sqlite3* db, Statement& q, int column, Pass& p) {
  std::size_t rows = 0;
  while (q.next(db)) {
    const std::string body = q.column_text(column);
    for (unsigned char c : body) p.checksum += c;
    p.bytes += body.size();
    ++rows;
  }
  return rows;
}

// (raw), and with `subjects` (floor) also the persons and current consents of each page's
// subjects: what a consent decision cannot do without reading, by the plainest SQL.
Pass raw_read(const std::filesystem::path& path, std::size_t limit, bool subjects = false) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) die("cannot open " + path.string());
  Pass p;
  {
    const Clock clock;
    // The reader's own columns (gateway/store/sqlite_reader.cpp), so both sides read the same.
    Statement page(db,
                   "SELECT seq, id, version, kind, person_id, org_id, body, message_id, written_at_ms, "
                   "facts_version, category_bits, record_day FROM record WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    Statement persons(db,
                      "SELECT body FROM record r WHERE r.kind = 'person' AND r.id IN (SELECT value FROM json_each(?1))"
                      " AND r.version = (SELECT max(v.version) FROM record v WHERE v.id = r.id)");
    Statement consents(db,
                       "SELECT body FROM record r WHERE r.kind = 'consent' AND r.person_id IN "
                       "(SELECT value FROM json_each(?1))"
                       " AND r.version = (SELECT max(v.version) FROM record v WHERE v.id = r.id)");
    std::int64_t after = 0;
    for (bool more = true; more;) {
      page.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
      std::size_t rows = 0;
      std::set<std::string> people;
      while (page.next(db)) {
        after = page.column_int64(0);
        const std::string body = page.column_text(6);
        for (unsigned char c : body) p.checksum += c;
        p.bytes += body.size();
        if (subjects) {
          if (std::string person = page.column_text(4); !person.empty()) people.insert(std::move(person));
        }
        ++rows;
      }
      if (!people.empty()) {
        boost::json::array ids(people.begin(), people.end());
        const std::string list = boost::json::serialize(ids);
        persons.bind(1, list);
        touch_bodies(db, persons, 0, p);
        consents.bind(1, list);
        touch_bodies(db, consents, 0, p);
      }
      p.scanned += rows;
      ++p.pages;
      more = rows == limit;
    }
    p = clock.stop(p);
  }
  sqlite3_close(db);
  return p;
}

store::WriteResult commit(store::Store& s, store::WriteBatch batch) {
  std::promise<store::WriteResult> done;
  auto result = done.get_future();
  s.submit(std::move(batch), [&done](store::WriteResult r) { done.set_value(std::move(r)); });
  return result.get();
}

std::string header(const http::Response& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  die("the reply has no " + std::string(name) + " header");
}

Pass pull_feed(store::Store& db, const consent::Policy& policy, const config::PrincipalConfig& principal,
               const pull::CursorCodec& cursors, std::size_t limit, std::int64_t now_ms) {
  const Clock clock;
  Pass p;
  std::string cursor;
  for (bool more = true; more;) {
    http::Request request;
    request.method = "GET";
    request.path = "/api/v1/changes";
    request.query = "purpose=PUBHLTH&format=ndjson&limit=" + std::to_string(limit);
    if (!cursor.empty()) request.query += "&since=" + cursor;
    request.peer = "10.12.0.7";
    std::string error;
    const std::optional<pull::QueryParams> params = pull::QueryParams::parse(request.query, error);
    if (!params) die("query: " + error);
    pull::ApiResult result;
    {
      const std::unique_ptr<store::Reader> reader = db.reader();
      const pull::ApiCall call{request, principal, *params, policy, *reader, cursors, now_ms};
      result = pull::PullApi::route(call);
    }
    if (result.response.status != 200) die("the pull answered " + std::to_string(result.response.status) + ": " + result.response.body);
    p.bytes += result.response.body.size();
    // The request's own entry (the first) says how many stored records this page went through and
    // how many it returned (one NDJSON line each), without a pass over the reply here.
    const boost::json::object detail = boost::json::parse(result.batch.audit.front().detail_json).as_object();
    p.scanned += static_cast<std::size_t>(detail.at("decided").to_number<std::int64_t>());
    p.returned += static_cast<std::size_t>(detail.at("returned").to_number<std::int64_t>());
    p.audit += result.batch.audit.size();
    ++p.pages;
    cursor = header(result.response, "Kangqiao-Next-Cursor");
    more = header(result.response, "Kangqiao-More") == "true";
    // Nothing may leave before its audit entries commit: the next request waits as a client would.
    const auto submitted = std::chrono::steady_clock::now();
    const store::WriteResult written = commit(db, std::move(result.batch));
    p.commit_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - submitted).count();
    if (written.status != store::WriteStatus::committed) die("the audit batch failed: " + written.error);
  }
  return clock.stop(p);
}

int run(int argc, char** argv) {
  log::set_level(log::Level::warn);
  std::size_t records = 1'000'000, repeat = 3, limit = 10'000;
  std::filesystem::path path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) die("missing value after " + std::string(arg));
    if (arg == "--records") {
      records = static_cast<std::size_t>(std::atol(argv[++i]));
    } else if (arg == "--repeat") {
      repeat = static_cast<std::size_t>(std::atol(argv[++i]));
    } else if (arg == "--limit") {
      limit = static_cast<std::size_t>(std::atol(argv[++i]));
    } else if (arg == "--store") {
      path = argv[++i];
    } else {
      die("unknown option " + std::string(arg) + " (--records N, --repeat K, --limit L, --store PATH)");
    }
  }
  if (records == 0 || repeat == 0 || limit == 0 || limit > 10'000) {
    die("--records and --repeat must be positive, --limit from 1 to 10000");
  }
  if (path.empty()) {
    path = std::filesystem::temp_directory_path() / "kq-pull-bench" / ("records-" + std::to_string(records) + ".db");
  }

  const pull_data::DataSet set = pull_data::build_or_reuse(path, records);
  std::printf("store %s: %zu records of %zu children (%s)\n", path.c_str(), set.records, set.persons,
              set.reused ? "reused" : ("built in " + std::to_string(static_cast<int>(set.build_seconds)) + " s").c_str());

  const config::GatewayConfig config = pull_data::pull_config();
  const consent::Policy policy(config);
  pull::CursorCodec::Key key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i * 7 + 1);
  const pull::CursorCodec cursors(key);
  const std::int64_t now_ms = core::DateTime::parse_iso(pull_data::kDecisionTime)->utc_millis();
  store::SqliteOptions options;
  options.path = path;
  auto db = store::make_sqlite_store(options);

  raw_read(path, limit);  // untimed: both sides start from a warm page cache
  std::vector<double> raw_rates, floor_rates, floor_ratios, audited_floor_rates, audited_floor_ratios, pull_rates,
      returned_rates, ratios, of_floor, raw_cpu, floor_cpu, pull_cpu;
  Pass last;
  for (std::size_t r = 1; r <= repeat; ++r) {
    const Pass raw = raw_read(path, limit);
    const Pass floor = raw_read(path, limit, true);
    const Pass feed = pull_feed(*db, policy, config.principals.front(), cursors, limit, now_ms);
    if (feed.scanned != raw.scanned) {
      die("the pull went through " + std::to_string(feed.scanned) + " records, the table holds " + std::to_string(raw.scanned));
    }
    raw_rates.push_back(raw.rate());
    pull_rates.push_back(feed.rate());
    returned_rates.push_back(feed.returned_rate());
    ratios.push_back(feed.rate() / raw.rate());
    floor_rates.push_back(floor.rate());
    floor_ratios.push_back(floor.rate() / raw.rate());
    // The floor plus the time this pull waited for its audit entries to commit: work the API
    // cannot skip either (nothing leaves before its entries are written).
    const double with_audit = static_cast<double>(floor.scanned) / (floor.seconds + feed.commit_seconds);
    audited_floor_rates.push_back(with_audit);
    audited_floor_ratios.push_back(with_audit / raw.rate());
    of_floor.push_back(feed.rate() / floor.rate());
    raw_cpu.push_back(raw.cpu_seconds * 1e6 / static_cast<double>(raw.scanned));
    floor_cpu.push_back(floor.cpu_seconds * 1e6 / static_cast<double>(floor.scanned));
    pull_cpu.push_back(feed.cpu_seconds * 1e6 / static_cast<double>(feed.scanned));
    std::printf("run %zu: raw %9.0f records/s (%.2f s, %zu pages) | floor %9.0f records/s | pull %8.0f records/s "
                "(%.2f s, %zu pages, %.2f s of it committing audit, %8.0f returned/s)  ratio %.3f, %.3f of the floor\n",
                r, raw.rate(), raw.seconds, raw.pages, floor.rate(), feed.rate(), feed.seconds, feed.pages,
                feed.commit_seconds, feed.returned_rate(), ratios.back(), of_floor.back());
    g_checksum = g_checksum + raw.checksum;
    last = feed;
  }
  const double pull_median = median(pull_rates);
  const double ratio = median(ratios);
  std::printf("median of %zu runs, %zu stored records, pages of %zu:\n", repeat, last.scanned, limit);
  std::printf("  raw SQLite read (every body touched):  %10.0f records/s  (CPU %.2f us/record)\n", median(raw_rates),
              median(raw_cpu));
  std::printf("  floor: rows + subjects' persons, consents: %7.0f records/s  (CPU %.2f us/record), %.3f of raw\n",
              median(floor_rates), median(floor_cpu), median(floor_ratios));
  std::printf("  floor + waiting for the audit commits:  %10.0f records/s, %.3f of raw\n", median(audited_floor_rates),
              median(audited_floor_ratios));
  std::printf("  pull, changes feed, NDJSON, consent on: %10.0f records/s  (CPU %.2f us/record, all threads)\n",
              pull_median, median(pull_cpu));
  std::printf("  pull, records returned:                 %10.0f records/s\n", median(returned_rates));
  std::printf("  ratio pull/raw:                         %10.3f\n", ratio);
  std::printf("  ratio pull/floor:                       %10.3f\n", median(of_floor));
  std::printf("  records returned / scanned:             %zu / %zu (%.1f %%)\n", last.returned, last.scanned,
              100.0 * static_cast<double>(last.returned) / static_cast<double>(last.scanned));
  std::printf("  audit entries written per pull:         %zu (%zu pages, %.1f MB of NDJSON)\n", last.audit, last.pages,
              static_cast<double>(last.bytes) / 1e6);
  std::printf("  target >= 100000 records/s:             %s\n", pull_median >= 100'000 ? "met" : "NOT met");
  std::printf("  target >= 0.3 of raw:                   %s\n", ratio >= 0.3 ? "met" : "NOT met");
  db->shutdown();
  return 0;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) { return kq::bench::run(argc, argv); }
