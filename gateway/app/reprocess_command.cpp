// `kangqiao reprocess`: runs stored raw messages again through the adapters' decode and the
// current mappings (gateway/pipeline/reprocess.hpp), offline, on the store the config names.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "gateway/app/arg_parser.hpp"
#include "gateway/app/command_support.hpp"
#include "gateway/app/commands.hpp"
#include "gateway/config/loader.hpp"
#include "gateway/log/log.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/derived/school_health_rules.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/pipeline/reprocess.hpp"
#include "gateway/runtime/adapters.hpp"
#include "gateway/store/store.hpp"

namespace kq::app {

namespace {

constexpr const char* kReprocessHelp = R"(Usage: kangqiao reprocess SELECTION [--config FILE] [--dry-run]

Runs stored raw messages again through the adapter that received them and the CURRENT mappings
(after a mapping was fixed, for instance). The records they now produce are written with the
ORIGINAL message as their lineage; the message's dead letters are marked resolved, with the time
and the mapping version, and every run is audited. A message that still fails keeps its dead
letter, which records the attempt and its errors. Running a message again does not duplicate
records: it writes new versions of the records it produced before.

It opens the store the config names and is safe while the gateway runs on the same database
(SQLite WAL; both writers wait for each other up to store.busy_timeout).

Selection (one of):
  --message-id ID          a stored message (raw_message.id); repeat for more
  --source ADAPTER --since TIME [--until TIME]
                           the messages that adapter received in [since, until)
  --dead-letters [--mapping NAME]
                           the unresolved dead letters, only those of mapping NAME if given
                           (NAME as in `mapping:`, or NAME@VERSION)

Options:
  --config FILE   configuration file (default: config/kangqiao.yaml)
  --dry-run       decode and map, say what would happen, write nothing
  --help          this text

TIME is ISO 8601: 2024-09-12, 2024-09-12T10:30, 2024-09-12T10:30:00Z or with +08:00;
without an offset it is China Standard Time (+08:00).

Exit codes: 0 every selected message was accepted (or was already superseded by an accepted
resend), 1 some still fail or could not be run, 2 usage or configuration error.
)";

struct ReprocessOptions {
  bool help = false;
  std::string config = "config/kangqiao.yaml";
  std::vector<std::string> message_ids;
  std::string source, since, until, mapping;
  bool dead_letters = false;
  bool dry_run = false;
};

int usage(const std::string& message) {
  std::fprintf(stderr, "kangqiao reprocess: %s\n\n%s", message.c_str(), kReprocessHelp);
  return 2;
}

// "his-adt@1.0.0,his-oru@1.0.0" names the mapping "his-adt" (any version) and "his-adt@1.0.0".
bool names_mapping(const std::string& list, const std::string& wanted) {
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const std::string item = list.substr(start, end - start);
    if (item == wanted || item.substr(0, item.find('@')) == wanted) return true;
    start = end + 1;
  }
  return false;
}

std::vector<std::string> unresolved_dead_letters(store::Reader& reader, const std::string& mapping) {
  std::vector<std::string> ids;
  std::set<std::string> seen;
  std::int64_t after = 0;
  for (;;) {
    auto page = reader.dead_letters(after, 1000);
    if (page.empty()) break;
    for (const auto& d : page) {
      after = d.id;
      if (d.resolved_at_ms != 0) continue;
      if (!mapping.empty() && !names_mapping(d.mapping, mapping)) continue;
      if (seen.insert(d.message_id).second) ids.push_back(d.message_id);
    }
  }
  return ids;
}

struct Tally {
  std::map<pipeline::ReprocessResult::Kind, std::size_t> by_kind;
  std::size_t records = 0;
  std::string first_failure;  // "message id: error"
};

void print_summary(const Tally& t, std::size_t total, bool dry_run) {
  using K = pipeline::ReprocessResult::Kind;
  auto count = [&](K k) {
    auto it = t.by_kind.find(k);
    return it == t.by_kind.end() ? std::size_t{0} : it->second;
  };
  std::printf("%s %zu message%s: %zu %saccepted (%zu record%s), %zu still failing, %zu superseded, "
              "%zu not possible, %zu store failure%s\n",
              dry_run ? "Dry run, nothing written:" : "Reprocessed", total, total == 1 ? "" : "s",
              count(K::accepted), dry_run ? "would be " : "now ", t.records, t.records == 1 ? "" : "s",
              count(K::still_failing), count(K::superseded), count(K::not_possible),
              count(K::store_failed), count(K::store_failed) == 1 ? "" : "s");
  if (!t.first_failure.empty()) std::printf("first error: %s\n", t.first_failure.c_str());
}

}  // namespace

int cmd_reprocess(const Args& args) {
  ReprocessOptions o;
  ArgParser parser;
  parser.help(o.help);
  parser.value("--config", o.config);
  parser.repeated("--message-id", o.message_ids);
  parser.value("--source", o.source);
  parser.value("--since", o.since);
  parser.value("--until", o.until);
  parser.flag("--dead-letters", o.dead_letters);
  parser.value("--mapping", o.mapping);
  parser.flag("--dry-run", o.dry_run);
  const ArgParser::Problems problems = parser.parse(args);
  if (o.help) {
    std::fputs(kReprocessHelp, stdout);
    return 0;
  }
  if (!problems.unknown.empty()) return usage("unknown option '" + problems.unknown.front() + "'");
  if (!problems.positional.empty()) return usage("unexpected argument '" + problems.positional.front() + "'");
  if (!problems.missing_value.empty()) return usage(problems.missing_value + " needs a value");

  const bool by_id = !o.message_ids.empty();
  const bool by_range = !o.source.empty() || !o.since.empty() || !o.until.empty();
  const int selections = int{by_id} + int{by_range} + int{o.dead_letters};
  if (!o.mapping.empty() && !o.dead_letters) return usage("--mapping selects dead letters: use it with --dead-letters");
  if (selections == 0) return usage("say which messages: --message-id, --source with --since, or --dead-letters");
  if (selections > 1) return usage("choose one selection: --message-id, --source/--since/--until or --dead-letters");
  store::MessageFilter filter;
  if (by_range) {
    if (o.source.empty()) return usage("--since/--until need --source ADAPTER");
    if (o.since.empty()) return usage("--source needs --since TIME");
    std::string error;
    auto since = parse_time(o.since, error);
    if (!since) return usage("--since: " + error);
    filter.source = o.source;
    filter.since_ms = *since;
    if (!o.until.empty()) {
      auto until = parse_time(o.until, error);
      if (!until) return usage("--until: " + error);
      if (*until <= *since) return usage("--until must be later than --since");
      filter.until_ms = *until;
    }
  }

  log::set_level(log::Level::warn);  // plugins and the store log at info; stdout is for the report
  config::GatewayConfig cfg;
  std::vector<config::ConfigError> errors;
  std::shared_ptr<const mapping::MappingSet> mappings;
  std::shared_ptr<const derived::SchoolHealthRules> school_health;
  runtime::AdapterSet adapters;
  try {
    cfg = config::load_gateway_config(o.config);
    if (!cfg.mappings_directory.empty()) {
      mappings = mapping::load_mapping_dir(cfg.mappings_directory, mapping::builtin_formats(), errors);
    }
    school_health = derived::school_health_rules_of(cfg.mappings_directory, errors);  // as `run` derives
    const auto registry = plugin_host::PluginRegistry::scan(runtime::plugin_directory_of(cfg));
    adapters = runtime::build_adapters(cfg, registry, errors, mappings.get());
  } catch (const config::ConfigErrors& e) {
    errors = e.errors();
  }
  if (!errors.empty()) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.str().c_str());
    std::fprintf(stderr, "kangqiao reprocess: %zu configuration error%s; nothing was reprocessed\n",
                 errors.size(), errors.size() == 1 ? "" : "s");
    return 2;
  }

  std::unique_ptr<store::Store> store;
  if (std::error_code ec; !std::filesystem::exists(cfg.store.path, ec)) {
    // Opening would create an empty store: say what is wrong instead.
    std::fprintf(stderr, "kangqiao reprocess: there is no store at %s (store.path of %s)\n",
                 cfg.store.path.c_str(), cfg.file.c_str());
    return 1;
  }
  try {
    store = store::make_sqlite_store(command_store_options(cfg));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kangqiao reprocess: %s\n", e.what());
    return 1;
  }
  std::vector<std::string> ids = o.message_ids;
  if (by_range) ids = store->reader()->message_ids(filter);
  if (o.dead_letters) ids = unresolved_dead_letters(*store->reader(), o.mapping);
  if (ids.empty()) {
    std::printf("Nothing to reprocess: no message matches.\n");
    return 0;
  }

  std::map<std::string, std::shared_ptr<const plugin_host::AdapterInstance>> by_name;
  for (const auto& a : adapters.instances) by_name[a->name()] = a;
  pipeline::Reprocessor reprocessor(
      *store,
      [&](const std::string& name) -> std::shared_ptr<const plugin_host::AdapterInstance> {
        auto it = by_name.find(name);
        return it == by_name.end() ? nullptr : it->second;
      },
      mappings, command_actor("reprocess"), cfg.mappings_lineage, static_cast<int>(cfg.consent.guardian_age));
  reprocessor.set_school_health_rules(school_health);

  // One line per message for short runs; a progress line every second for long ones.
  const bool each_line = ids.size() <= 50;
  auto last_progress = std::chrono::steady_clock::now();
  Tally tally;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const pipeline::ReprocessResult r = reprocessor.run(ids[i], o.dry_run);
    ++tally.by_kind[r.kind];
    if (r.kind == pipeline::ReprocessResult::Kind::accepted) tally.records += r.records;
    const bool failed = r.kind != pipeline::ReprocessResult::Kind::accepted &&
                        r.kind != pipeline::ReprocessResult::Kind::superseded;
    if (failed && tally.first_failure.empty()) tally.first_failure = r.message_id + ": " + r.first_error;
    if (each_line || failed) {
      std::string detail;
      if (r.kind == pipeline::ReprocessResult::Kind::accepted) {
        detail = std::to_string(r.records) + " record(s)" + (r.merges ? ", " + std::to_string(r.merges) + " merge(s)" : "") +
                 (r.mappings.empty() ? "" : " by " + r.mappings);
      } else if (r.kind == pipeline::ReprocessResult::Kind::superseded) {
        detail = "a resend was accepted as message " + r.superseded_by + "; dead letter closed";
      } else {
        detail = r.first_error;
      }
      // A message from a drop folder names its file: that is what the operator knows it by.
      const std::string from = r.file_name.empty() ? "" : " (file " + r.file_name + ")";
      std::printf("%s%s %s: %s\n", r.message_id.c_str(), from.c_str(), std::string(pipeline::to_string(r.kind)).c_str(),
                  detail.c_str());
    } else if (std::chrono::steady_clock::now() - last_progress >= std::chrono::seconds(1)) {
      last_progress = std::chrono::steady_clock::now();
      std::fprintf(stderr, "reprocess: %zu/%zu (%zu%%)\n", i + 1, ids.size(), (i + 1) * 100 / ids.size());
    }
    std::fflush(stdout);
  }
  store->shutdown();
  print_summary(tally, ids.size(), o.dry_run);
  return tally.first_failure.empty() ? 0 : 1;
}

}  // namespace kq::app
