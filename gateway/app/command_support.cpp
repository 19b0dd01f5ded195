#include "gateway/app/command_support.hpp"

#include <cstdlib>

#include "gateway/audit/chain_config.hpp"
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
