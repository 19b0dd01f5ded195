#pragma once
// What the commands that work on the store offline (`reprocess`, `audit`) share: how they open
// it beside a running gateway, who they say did it in the audit log, how they read times.
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

// "kangqiao COMMAND (USER)": the actor of the audit entries the command writes.
std::string command_actor(std::string_view command);

// ISO 8601 date or date-time → UTC milliseconds; a date alone means its midnight, and without an
// offset the time is China Standard Time (+08:00). On failure `error` says why.
std::optional<std::int64_t> parse_time(const std::string& text, std::string& error);

}  // namespace kq::app
