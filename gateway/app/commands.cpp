#include "gateway/app/commands.hpp"
#include "gateway/app/mapping_commands.hpp"
#include "gateway/app/arg_parser.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <boost/version.hpp>
#include <openssl/opensslv.h>
#include <sqlite3.h>

#include "gateway/audit/chain_config.hpp"
#include "gateway/config/loader.hpp"
#include "gateway/consent/policy.hpp"
#include "gateway/derived/school_health_rules.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/net/tls.hpp"
#include "gateway/log/log.hpp"
#include "gateway/plugin_host/config_fields.hpp"
#include "gateway/plugin_host/plugin_registry.hpp"
#include "gateway/runtime/adapters.hpp"
#include "gateway/runtime/gateway.hpp"
#include "gateway/version.hpp"

namespace kq::app {

namespace {

constexpr const char* kRunHelp = R"(Usage: kangqiao run [--config FILE]

Starts the gateway in the foreground: loads the plugins and adapters, starts the listeners that
serve /healthz, opens the store (waiting while another process holds it locked; exit 1 if it
cannot be used), then starts the other listeners, and serves until SIGTERM or SIGINT. Then it
stops accepting, finishes the requests in flight (up to shutdown_grace: what has not committed
by then gets a transient reply), flushes the store and exits 0. SIGHUP reloads the config file;
a config with errors is rejected (each error is logged) and the running one stays in force.

Logs are JSON lines on stderr; names and identity numbers are masked.

Options:
  --config FILE   configuration file (default: config/kangqiao.yaml)
)";

constexpr const char* kCheckHelp = R"(Usage: kangqiao check [--config FILE]

Loads and validates the configuration, the mappings (mappings.directory) and the school-health
rule tables beside them (codes/school_health/, docs/derived-values.md), the plugins and every
adapter's config block, the TLS certificates and keys, exactly as `run` would, without opening
ports or the store. Prints every
error as file:line:col: message and exits 2 when there is any, 0 when all is well.

Options:
  --config FILE   configuration file (default: config/kangqiao.yaml)
)";

constexpr const char* kPluginsHelp = R"(Usage: kangqiao plugins [--dir DIR | --config FILE]

Lists the plugins in the plugin folder: name, plugin version, the ABI version it requires and the
SDK it was built with, file, description and
the config fields each accepts (type, default, description). Files that are not valid plugins
are listed with the reason; the exit code is 1 when there is any.

Options:
  --dir DIR       plugin folder to scan
  --config FILE   take the plugin folder from this config (default: the build's plugin folder)
)";

void print_errors(const std::vector<config::ConfigError>& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.str().c_str());
  std::fprintf(stderr, "%zu error%s\n", errors.size(), errors.size() == 1 ? "" : "s");
}

}  // namespace

Options parse_options(const Args& args) {
  Options o;
  ArgParser parser;
  parser.help(o.help);
  std::string config;
  parser.value("--config", config);
  parser.value("--dir", o.plugin_dir);
  const ArgParser::Problems problems = parser.parse(args);
  if (!config.empty()) {
    o.config = std::move(config);
    o.config_given = true;
  }
  o.unknown = problems.unknown;
  o.unknown.insert(o.unknown.end(), problems.positional.begin(), problems.positional.end());
  if (!problems.missing_value.empty()) o.unknown.push_back(problems.missing_value);
  return o;
}

namespace {

bool usage_error(const Options& o, const char* help) {
  if (o.help) {
    std::fputs(help, stdout);
    return true;
  }
  if (!o.unknown.empty()) {
    std::fprintf(stderr, "kangqiao: unknown option '%s'\n\n%s", o.unknown.front().c_str(), help);
    return true;
  }
  return false;
}

}  // namespace

int cmd_run(const Args& args) {
  const Options o = parse_options(args);
  if (usage_error(o, kRunHelp)) return o.help ? 0 : 2;
  try {
    runtime::Gateway gateway(config::load_gateway_config(o.config));
    return gateway.run();
  } catch (const config::ConfigErrors& e) {
    print_errors(e.errors());
    return 2;
  } catch (const std::exception& e) {
    log::error("startup_failed", {{"error", e.what()}});
    std::fprintf(stderr, "kangqiao: %s\n", e.what());
    return 1;
  }
}

int cmd_check(const Args& args) {
  const Options o = parse_options(args);
  if (usage_error(o, kCheckHelp)) return o.help ? 0 : 2;
  // Plugins may log while they are created; keep stdout for the verdict.
  log::set_level(log::Level::warn);
  config::GatewayConfig cfg;
  try {
    cfg = config::load_gateway_config(o.config);
  } catch (const config::ConfigErrors& e) {
    print_errors(e.errors());
    return 2;
  }
  std::vector<config::ConfigError> errors;
  for (const auto& l : cfg.listeners) {
    if (!l.tls) continue;
    try {
      (void)net::make_server_tls_context(*l.tls);
    } catch (const std::exception& e) {
      errors.push_back({l.where, "listener '" + l.name + "': " + e.what()});
    }
  }
  try {
    (void)audit::chain_settings(cfg.audit, /*sign=*/true);
    for (const std::string& key : cfg.audit.verify_keys) (void)audit::VerifyingKey::load(key);
  } catch (const std::exception& e) {
    errors.push_back({cfg.audit.where, std::string("audit.checkpoints: ") + e.what()});
  }
  std::shared_ptr<const mapping::MappingSet> mapping_set;
  if (!cfg.mappings_directory.empty()) {
    mapping_set = mapping::load_mapping_dir(cfg.mappings_directory, mapping::builtin_formats(), errors);
    // The school-health rule tables beside the value sets (docs/derived-values.md), when present.
    std::error_code ec;
    const auto rules_dir = derived::school_health_rules_dir(cfg.mappings_directory);
    if (std::filesystem::is_directory(rules_dir, ec)) (void)derived::load_school_health_rules(rules_dir, errors);
  }
  const std::size_t mappings = mapping_set ? mapping_set->mappings().size() : 0;
  const auto registry = plugin_host::PluginRegistry::scan(runtime::plugin_directory_of(cfg));
  const runtime::AdapterSet set = runtime::build_adapters(cfg, registry, errors, mapping_set.get());
  if (!errors.empty()) {
    print_errors(errors);
    return 2;
  }
  std::printf("%s: OK (%zu listener%s, %zu adapter%s, %zu principal%s, %zu mapping%s, plugins from %s)\n",
              cfg.file.c_str(), cfg.listeners.size(), cfg.listeners.size() == 1 ? "" : "s",
              set.instances.size(), set.instances.size() == 1 ? "" : "s", cfg.principals.size(),
              cfg.principals.size() == 1 ? "" : "s", mappings, mappings == 1 ? "" : "s",
              registry.directory().c_str());
  for (const auto& s : set.skipped) std::printf("warning: adapter skipped: %s\n", s.c_str());
  for (const auto& w : set.warnings) std::printf("warning: %s\n", w.c_str());
  for (const auto& w : consent::Policy(cfg).warnings()) std::printf("warning: consent: %s\n", w.c_str());
  return 0;
}

int cmd_plugins(const Args& args) {
  const Options o = parse_options(args);
  if (usage_error(o, kPluginsHelp)) return o.help ? 0 : 2;
  std::string dir = o.plugin_dir;
  if (dir.empty()) {
    config::GatewayConfig cfg;
    if (o.config_given) {
      try {
        cfg = config::load_gateway_config(o.config);
      } catch (const config::ConfigErrors& e) {
        print_errors(e.errors());
        return 2;
      }
    }
    dir = runtime::plugin_directory_of(cfg);
  }
  log::set_level(log::Level::warn);
  const auto registry = plugin_host::PluginRegistry::scan(dir);
  std::printf("Plugins in %s (gateway plugin ABI %d.%d)\n", dir.c_str(), KQ_PLUGIN_ABI_MAJOR,
              KQ_PLUGIN_ABI_MINOR);
  for (const auto& [name, lib] : registry.plugins()) {
    std::printf("\n%s %s  (requires ABI %u.%u, built with SDK %u.%u)  %s\n  %s\n", name.c_str(),
                lib->version().c_str(), lib->abi_major(), lib->abi_minor(), lib->abi_major(), lib->sdk_minor(),
                lib->path().c_str(), lib->description().c_str());
    if (lib->fields().empty()) {
      std::printf("  config: none\n");
      continue;
    }
    std::printf("  config:\n");
    for (const auto& f : lib->fields()) {
      std::string type = plugin_host::field_type_name(f.type);
      if (!f.enum_values.empty()) {
        type += " (";
        for (std::size_t i = 0; i < f.enum_values.size(); ++i) type += (i ? "|" : "") + f.enum_values[i];
        type += ")";
      }
      if (f.has_range) type += " [" + std::to_string(f.min) + ".." + std::to_string(f.max) + "]";
      const std::string dflt = f.required ? "required" : f.has_default ? "default " + f.default_value : "optional";
      std::printf("    %-24s %-20s %-22s %s\n", f.name.c_str(), type.c_str(), dflt.c_str(), f.description.c_str());
    }
  }
  for (const auto& e : registry.errors()) {
    std::printf("\nnot loaded: %s\n  %s\n", e.path.c_str(), e.message.c_str());
  }
  if (registry.plugins().empty() && registry.errors().empty()) std::printf("\n(no plugins)\n");
  return registry.errors().empty() ? 0 : 1;
}

int cmd_version(const Args& args) {
  const Options o = parse_options(args);
  if (o.help) {
    std::puts("Usage: kangqiao version\n\nPrints the gateway, plugin ABI and library versions.");
    return 0;
  }
  std::printf("kangqiao %s\nplugin ABI %d.%d\nSQLite %s\n%s\nBoost %d.%d.%d\n", kq::kVersion,
              KQ_PLUGIN_ABI_MAJOR, KQ_PLUGIN_ABI_MINOR, sqlite3_libversion(), OPENSSL_VERSION_TEXT,
              BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
  return 0;
}

}  // namespace kq::app
