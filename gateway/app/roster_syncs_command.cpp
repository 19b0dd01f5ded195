// `kangqiao roster-syncs`: the roster sync runs of the student_registry adapter's drop folders
// (docs/adapters/student_registry.md), listed or one of them with its rejected rows, read from the
// store without writing to it.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/app/arg_parser.hpp"
#include "gateway/app/command_support.hpp"
#include "gateway/app/commands.hpp"
#include "gateway/core/dates.hpp"
#include "gateway/log/log.hpp"
#include "gateway/pipeline/roster_sync.hpp"
#include "gateway/store/store.hpp"

namespace kq::app {

namespace {

constexpr const char* kRosterSyncsHelp = R"(Usage: kangqiao roster-syncs [--adapter NAME] [--limit N] [--json] [--config FILE | --path DB]
       kangqiao roster-syncs show ID [--limit N] [--json] [--config FILE | --path DB]

Lists the roster sync runs of the student_registry drop folders, newest first: run id, adapter,
registry (adapter|organisation of the drop's principal), file, when it started and finished,
state (running or finished), rows read and the students per change kind (new, changed,
transferred, unchanged, left, graduated) and the rows rejected.

`show ID` prints one run and its rejected rows by line with the reason: the report the run's
receipt holds. With --json it prints exactly that report (the receipt's JSON).

Options:
  --adapter NAME  only the runs of this adapter
  --limit N       runs to list (default 20); with `show`, rejected rows to print (default 1000,
                  as in the receipt; the store keeps all of them)
  --json          JSON for scripts: the list as an array of runs, `show` as the receipt
  --config FILE   the configuration whose store.path to read (default: config/kangqiao.yaml)
  --path DB       read this database file instead
  --help          this text

Times are China Standard Time (+08:00); JSON has UTC milliseconds as the receipt does. The store
is opened read-only: it is safe while the gateway runs, and nothing is written.

Exit codes: 0 success, 1 no such run or the store cannot be read, 2 usage or configuration error.
)";

constexpr std::size_t kDefaultRuns = 20;
constexpr std::size_t kDefaultRejects = 1000;  // as many as a receipt lists
constexpr std::size_t kMaxLimit = 1000000;

int usage(const std::string& message) {
  std::fprintf(stderr, "kangqiao roster-syncs: %s\n\n%s", message.c_str(), kRosterSyncsHelp);
  return 2;
}

struct RosterSyncsOptions {
  bool help = false, json = false;
  std::string config = "config/kangqiao.yaml", path, adapter, limit, id;
};

// "2026-12-08 02:30:00", China Standard Time; "-" for a time not reached yet.
std::string local_time(std::int64_t utc_ms) {
  if (utc_ms <= 0) return "-";
  std::string iso = core::DateTime::from_utc_millis(utc_ms, core::kChinaStandardOffsetMinutes,
                                                    core::TimePrecision::second)
                        .iso();
  iso = iso.substr(0, 19);  // without the offset, which the help states once
  iso[10] = ' ';
  return iso;
}

// The list as a table whose columns are as wide as their widest cell.
void print_table(const std::vector<store::RosterSyncRun>& runs) {
  std::vector<std::vector<std::string>> rows = {{"ID", "ADAPTER", "REGISTRY", "FILE", "STARTED", "FINISHED",
                                                 "STATE", "ROWS", "NEW", "CHANGED", "TRANSFERRED", "UNCHANGED",
                                                 "LEFT", "GRADUATED", "REJECTED"}};
  for (const store::RosterSyncRun& r : runs) {
    const store::RosterCounts& c = r.counts;
    rows.push_back({r.id, r.adapter, r.registry, r.file_name, local_time(r.started_at_ms),
                    r.finished ? local_time(r.finished_at_ms) : "-", r.finished ? "finished" : "running",
                    std::to_string(r.rows_done), std::to_string(c.added), std::to_string(c.changed),
                    std::to_string(c.transferred), std::to_string(c.unchanged), std::to_string(c.left),
                    std::to_string(c.graduated), std::to_string(c.rejected)});
  }
  // Display width: a Chinese character (3 bytes in UTF-8) takes two columns, other text one.
  auto width = [](const std::string& s) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size();) {
      const auto b = static_cast<unsigned char>(s[i]);
      const std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
      w += len >= 3 ? 2 : 1;
      i += len;
    }
    return w;
  };
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - width(row[i]) + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

void print_run(const store::RosterSyncRun& r, const std::vector<store::RosterReject>& rejects) {
  const store::RosterCounts& c = r.counts;
  std::printf("Roster sync %s\n", r.id.c_str());
  std::printf("  adapter   %s\n  registry  %s\n", r.adapter.c_str(), r.registry.c_str());
  std::printf("  file      %s (%lld bytes, SHA-256 %s)\n", r.file_name.c_str(), static_cast<long long>(r.file_bytes),
              r.file_sha256.c_str());
  std::printf("  state     %s\n  started   %s\n", r.finished ? "finished" : "running", local_time(r.started_at_ms).c_str());
  if (r.finished) {
    std::printf("  finished  %s (%lld s)\n", local_time(r.finished_at_ms).c_str(),
                static_cast<long long>((r.finished_at_ms - r.started_at_ms + 500) / 1000));
  }
  std::printf("  chunks    %lld\n  rows      %lld\n", static_cast<long long>(r.chunks_done),
              static_cast<long long>(r.rows_done));
  std::printf("  students  new %lld, changed %lld, transferred %lld, unchanged %lld, left %lld, graduated %lld\n",
              static_cast<long long>(c.added), static_cast<long long>(c.changed),
              static_cast<long long>(c.transferred), static_cast<long long>(c.unchanged),
              static_cast<long long>(c.left), static_cast<long long>(c.graduated));
  std::printf("  rejected  %lld row%s\n", static_cast<long long>(c.rejected), c.rejected == 1 ? "" : "s");
  if (rejects.empty()) return;
  std::printf("\nRejected rows:\n");
  for (const store::RosterReject& x : rejects) {
    std::printf("  line %lld: %s\n", static_cast<long long>(x.line), x.reason.c_str());
  }
  const auto more = c.rejected - static_cast<std::int64_t>(rejects.size());
  if (more > 0) {
    std::printf("  … and %lld more (--limit N shows more)\n", static_cast<long long>(more));
  }
}

}  // namespace

int cmd_roster_syncs(const Args& args) {
  RosterSyncsOptions o;
  ArgParser parser;
  parser.help(o.help);
  parser.value("--config", o.config);
  parser.value("--path", o.path);
  parser.value("--adapter", o.adapter);
  parser.value("--limit", o.limit);
  parser.flag("--json", o.json);
  const ArgParser::Problems problems = parser.parse(args);
  if (o.help) {
    std::fputs(kRosterSyncsHelp, stdout);
    return 0;
  }
  if (!problems.unknown.empty()) return usage("unknown option '" + problems.unknown.front() + "'");
  if (!problems.missing_value.empty()) return usage(problems.missing_value + " needs a value");
  const std::vector<std::string>& words = problems.positional;
  const bool show = !words.empty() && words.front() == "show";
  if (!words.empty() && !show && words.front() != "list") {
    return usage("unknown sub-command '" + words.front() + "'");
  }
  if (show && words.size() < 2) return usage("show needs the run's ID (the first column of the list)");
  if (words.size() > (show ? 2u : 1u)) return usage("unexpected argument '" + words.back() + "'");
  if (show && !o.adapter.empty()) return usage("--adapter selects runs to list; `show` takes one run's ID");

  std::size_t limit = show ? kDefaultRejects : kDefaultRuns;
  if (!o.limit.empty()) {
    const char* end = o.limit.data() + o.limit.size();
    const auto [ptr, ec] = std::from_chars(o.limit.data(), end, limit);
    if (ec != std::errc() || ptr != end || limit == 0 || limit > kMaxLimit) {
      return usage("--limit: expected a whole number from 1 to " + std::to_string(kMaxLimit) + ", got '" + o.limit + "'");
    }
  }

  int exit_code = 0;
  const std::optional<StoreTarget> target = resolve_store_target(o.config, o.path, "roster-syncs", exit_code);
  if (!target) return exit_code;
  const std::string& db = target->path;
  log::set_level(log::Level::warn);
  try {
    const std::unique_ptr<store::Reader> reader = store::open_sqlite_reader(db, target->busy_timeout);
    if (show) {
      const std::string& id = words[1];
      const std::optional<store::RosterSyncRun> run = reader->roster_sync(id);
      if (!run) {
        std::fprintf(stderr, "kangqiao roster-syncs: no roster sync with id '%s' in %s\n", id.c_str(),
                     db.c_str());
        return 1;
      }
      const std::vector<store::RosterReject> rejects = reader->roster_rejects(id, limit);
      if (o.json) {
        std::printf("%s\n", pipeline::roster_report_json(*run, rejects, run->counts.rejected).c_str());
      } else {
        print_run(*run, rejects);
      }
      return 0;
    }
    const std::vector<store::RosterSyncRun> runs = reader->roster_syncs(o.adapter, limit);
    if (o.json) {
      boost::json::array list;
      for (const store::RosterSyncRun& r : runs) {
        boost::json::object run = pipeline::roster_run_json(r);
        run["registry"] = r.registry;
        list.push_back(std::move(run));
      }
      std::printf("%s\n", boost::json::serialize(list).c_str());
    } else if (runs.empty()) {
      std::printf("No roster syncs%s in %s.\n", o.adapter.empty() ? "" : (" of adapter " + o.adapter).c_str(),
                  db.c_str());
    } else {
      print_table(runs);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kangqiao roster-syncs: cannot read the store %s: %s\n", db.c_str(), e.what());
    return 1;
  }
}

}  // namespace kq::app
