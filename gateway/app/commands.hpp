#pragma once
// The `kangqiao` sub-commands. Each takes its own arguments (after the command name) and returns
// the process exit code: 0 success, 1 runtime failure, 2 usage or configuration error.
#include <string>
#include <vector>

namespace kq::app {

using Args = std::vector<std::string>;

int cmd_run(const Args& args);
int cmd_check(const Args& args);
int cmd_plugins(const Args& args);
int cmd_version(const Args& args);
int cmd_reprocess(const Args& args);  // reprocess_command.cpp
int cmd_store(const Args& args);      // store_command.cpp
int cmd_audit(const Args& args);      // audit_command.cpp
int cmd_roster_syncs(const Args& args);  // roster_syncs_command.cpp

// Shared option parsing: "--name value" or "--name=value".
struct Options {
  std::string config = "config/kangqiao.yaml";
  bool config_given = false;
  std::string plugin_dir;
  bool help = false;
  std::vector<std::string> unknown;
};
Options parse_options(const Args& args);

}  // namespace kq::app
