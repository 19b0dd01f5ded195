#include "gateway/app/command_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "gateway/audit/chain_config.hpp"
#include "gateway/config/loader.hpp"
#include "gateway/core/dates.hpp"

namespace kq::app {

store::SqliteOptions command_store_options(const std::string& path, std::chrono::milliseconds busy_timeout,
                                           const config::AuditConfig& audit) {
  store::SqliteOptions options;
  options.path = path;
  options.busy_timeout = busy_timeout;
  options.reader_connections = 1;
  options.max_delay = std::chrono::microseconds(0);  // one batch at a time: no one to wait for
  options.audit = audit::chain_settings(audit, /*sign=*/false);
  return options;
}

std::optional<StoreTarget> resolve_store_target(const std::string& config, const std::string& path,
                                                std::string_view command, int& exit_code) {
  StoreTarget t;
  if (!path.empty()) {
    t.path = path;
  } else {
    try {
      const config::GatewayConfig cfg = config::load_gateway_config(config);
      t.path = cfg.store.path;
      t.node = cfg.node_name;
      t.busy_timeout = cfg.store.busy_timeout;
      t.audit = cfg.audit;
      t.from_config = true;
    } catch (const config::ConfigErrors& e) {
      for (const auto& err : e.errors()) std::fprintf(stderr, "%s\n", err.str().c_str());
      exit_code = 2;
      return std::nullopt;
    }
  }
  if (std::error_code ec; !std::filesystem::is_regular_file(t.path, ec)) {
    std::fprintf(stderr, "kangqiao %.*s: there is no database file at %s\n", static_cast<int>(command.size()),
                 command.data(), t.path.c_str());
    exit_code = 1;
    return std::nullopt;
  }
  return t;
}

std::string command_actor(std::string_view command) {
  const char* user = std::getenv("USER");
  return "kangqiao " + std::string(command) + " (" + (user != nullptr && *user != '\0' ? user : "unknown user") + ")";
}

std::optional<std::int64_t> parse_time(const std::string& text, std::string& error) {
  std::string full = text;
  if (full.size() == 10) full += "T00:00";
  auto parsed = core::DateTime::parse(full);
  if (!parsed) {
    error = parsed.error();
    return std::nullopt;
  }
  return parsed->utc_millis();
}

}  // namespace kq::app
