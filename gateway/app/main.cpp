// kangqiao — health-data exchange gateway. See `kangqiao --help`.
#include <cstdio>
#include <cstring>
#include <string>

#include "gateway/app/commands.hpp"
#include "gateway/app/mapping_commands.hpp"

namespace {

constexpr const char* kUsage = R"(kangqiao — health-data exchange gateway

Usage: kangqiao <command> [options]

Commands:
  run       Start the gateway and serve until SIGTERM/SIGINT (SIGHUP reloads the config)
  check     Validate the config, mappings, plugins and adapter blocks without opening ports
  plugins   List the plugins found, their versions and config fields
  test-mappings [DIR]   Run the tests beside the mappings (default: mappings/)
  map       Apply one mapping to one input file and print the canonical records
  reprocess Run stored messages (dead letters, by id, by source and time) again with the
            current mappings; records keep the original message as lineage
  store check   Check the store's database file page by page (start-up does not)
  audit verify  Check the audit log's hash chain and signed checkpoints; name the first bad entry
  audit export  Write the audit log as FHIR AuditEvent NDJSON or RFC 5424 syslog lines
  roster-syncs  List the roster sync runs (or `show ID`: one run and its rejected rows)
  version   Print the gateway, plugin ABI and library versions

Run `kangqiao <command> --help` for the options of a command.
Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  kq::app::Args args(argv + 2, argv + argc);
  if (command == "run") return kq::app::cmd_run(args);
  if (command == "check") return kq::app::cmd_check(args);
  if (command == "plugins") return kq::app::cmd_plugins(args);
  if (command == "test-mappings") return kq::app::cmd_test_mappings(args);
  if (command == "map") return kq::app::cmd_map(args);
  if (command == "reprocess") return kq::app::cmd_reprocess(args);
  if (command == "store") return kq::app::cmd_store(args);
  if (command == "audit") return kq::app::cmd_audit(args);
  if (command == "roster-syncs") return kq::app::cmd_roster_syncs(args);
  if (command == "version" || command == "--version") return kq::app::cmd_version(args);
  std::fprintf(stderr, "kangqiao: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
