#pragma once
// What the commands that work on the store offline (`reprocess`, `audit`, `roster-syncs`) share:
// which database file they read, how they open it beside a running gateway, who they say did it
// in the audit log, how they read times.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/config/gateway_config.hpp"
#include "gateway/store/store.hpp"

namespace kq::app {

// The store at `path`, for one command: one reader, no waiting for company in group commit,
// the audit chain as the config sets it (entries chained; checkpoints left to the gateway).
store::SqliteOptions command_store_options(const std::string& path, std::chrono::milliseconds busy_timeout,
                                           const config::AuditConfig& audit);
inline store::SqliteOptions command_store_options(const config::GatewayConfig& cfg) {
  return command_store_options(cfg.store.path, cfg.store.busy_timeout, cfg.audit);
}

// The store an offline command reads: the database file given with --path, or store.path of the
// configuration (with its busy timeout, node name and audit settings).
struct StoreTarget {
  std::string path;         // the database file
  std::string node = "kangqiao";
  std::chrono::milliseconds busy_timeout{5000};
  config::AuditConfig audit;  // the config's, or the defaults with --path
  bool from_config = false;
};

// From `path` when given, else from the configuration file `config`. Prints what is wrong and
// sets `exit_code` (2: configuration, 1: no database there) when it returns std::nullopt; a
// missing file is refused because opening it would create an empty store.
std::optional<StoreTarget> resolve_store_target(const std::string& config, const std::string& path,
                                                std::string_view command, int& exit_code);

// "kangqiao COMMAND (USER)": the actor of the audit entries the command writes.
std::string command_actor(std::string_view command);

// ISO 8601 date or date-time → UTC milliseconds; a date alone means its midnight, and without an
// offset the time is China Standard Time (+08:00). On failure `error` says why.
std::optional<std::int64_t> parse_time(const std::string& text, std::string& error);

}  // namespace kq::app
