// `kangqiao store check`: the full check of the store's database file that start-up no longer
// does (gateway/store/sqlite_check.hpp says why).
#include <cstdio>
#include <filesystem>
#include <string>

#include "gateway/app/arg_parser.hpp"
#include "gateway/app/commands.hpp"
#include "gateway/config/loader.hpp"
#include "gateway/log/log.hpp"
#include "gateway/store/sqlite_check.hpp"
#include "gateway/store/sqlite_health.hpp"

namespace kq::app {

namespace {

constexpr const char* kStoreHelp = R"(Usage: kangqiao store check [--config FILE | --path DB] [--full]

Reads the store's database file page by page and reports what is wrong with it:
PRAGMA quick_check (every page, record, UNIQUE and NOT NULL constraint) or, with --full,
PRAGMA integrity_check (also every index against its table; slower).

Start-up does not run it: its time grows with the store (10 to 50 s per GB with a cold page
cache on the development VM; hours for a 100 GB provincial store). Run it after a crash, a power cut or a disk error, or
let the gateway run it on a schedule (store.integrity_check). It is safe while the gateway runs
on the same file: it writes nothing and reads one snapshot (the WAL cannot start over while it
runs, so it grows by what is written meanwhile).

Options:
  --config FILE   the configuration whose store.path to check (default: config/kangqiao.yaml)
  --path DB       check this database file instead
  --full          integrity_check instead of quick_check
  --help          this text

Exit codes: 0 no problem found, 1 problems found (each printed) or the file cannot be checked,
2 usage or configuration error.
)";

int usage(const std::string& message) {
  std::fprintf(stderr, "kangqiao store: %s\n\n%s", message.c_str(), kStoreHelp);
  return 2;
}

std::uint64_t size_on_disk(const std::filesystem::path& db) {
  std::uint64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(db.string() + suffix, ec);
    if (!ec) total += size;
  }
  return total;
}

int check(const Args& args) {
  bool help = false, full = false;
  std::string config = "config/kangqiao.yaml", path;
  ArgParser parser;
  parser.help(help);
  parser.value("--config", config);
  parser.value("--path", path);
  parser.flag("--full", full);
  const ArgParser::Problems problems = parser.parse(args);
  if (help) {
    std::fputs(kStoreHelp, stdout);
    return 0;
  }
  if (!problems.unknown.empty()) return usage("unknown option '" + problems.unknown.front() + "'");
  if (!problems.positional.empty()) return usage("unexpected argument '" + problems.positional.front() + "'");
  if (!problems.missing_value.empty()) return usage(problems.missing_value + " needs a value");

  std::chrono::milliseconds busy_timeout{5000};
  if (path.empty()) {
    try {
      const config::GatewayConfig cfg = config::load_gateway_config(config);
      path = cfg.store.path;
      busy_timeout = cfg.store.busy_timeout;
    } catch (const config::ConfigErrors& e) {
      for (const auto& err : e.errors()) std::fprintf(stderr, "%s\n", err.str().c_str());
      return 2;
    }
  }
  if (std::error_code ec; !std::filesystem::is_regular_file(path, ec)) {
    std::fprintf(stderr, "kangqiao store check: there is no database file at %s\n", path.c_str());
    return 1;
  }
  log::set_level(log::Level::warn);
  const char* mode = full ? "integrity_check" : "quick_check";
  const store::sqlite::IntegrityReport report = store::sqlite::check_integrity(path, full, busy_timeout);
  const double seconds = static_cast<double>(report.took.count()) / 1000.0;
  const std::string size = store::sqlite::human_bytes(size_on_disk(path));
  if (report.ok) {
    std::printf("ok: %s (%s, %s, %.1f s)\n", path.c_str(), mode, size.c_str(), seconds);
    return 0;
  }
  for (const std::string& p : report.problems) std::printf("problem: %s\n", p.c_str());
  std::printf("FAILED: %s (%s, %s, %.1f s): %zu problem%s; restore it from a backup made with "
              "VACUUM INTO or the backup API\n",
              path.c_str(), mode, size.c_str(), seconds, report.problems.size(),
              report.problems.size() == 1 ? "" : "s");
  return 1;
}

}  // namespace

int cmd_store(const Args& args) {
  if (args.empty() || args.front() == "--help" || args.front() == "-h") {
    std::fputs(kStoreHelp, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args.front() == "check") return check(Args(args.begin() + 1, args.end()));
  return usage("unknown sub-command '" + args.front() + "'");
}

}  // namespace kq::app
