#pragma once
// Turns the `adapters:` section into running adapter instances: finds each plugin, validates the
// adapter's block against the plugin's declared fields, calls the plugin's create hook and
// collects the routes and schedules it asked for. Used by `run`, `check` and reload alike, so
// `kangqiao check` finds exactly the errors `run` would.
#include <memory>
#include <string>
#include <vector>

#include "gateway/config/gateway_config.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/net/routes.hpp"
#include "gateway/plugin_host/adapter.hpp"
#include "gateway/plugin_host/plugin_registry.hpp"

namespace kq::runtime {

struct AdapterSet {
  std::vector<std::shared_ptr<plugin_host::AdapterInstance>> instances;
  std::vector<std::string> skipped;  // adapters with on_error: skip that failed, with the reason
  std::vector<std::string> warnings;  // worth an operator's look, not an error (e.g. binds no mapping)
  std::shared_ptr<net::RouteTable> routes;
};

// The plugin folder a config means: its own setting, else the build's default.
std::string plugin_directory_of(const config::GatewayConfig& config);

// Errors that must stop start-up (adapters with on_error: stop) go to `errors` with the
// adapter's config location; adapters with on_error: skip are logged and listed in `skipped`.
// With `mappings`, each adapter's `mappings:` entries must name mappings or folders of that set.
AdapterSet build_adapters(const config::GatewayConfig& config,
                          const plugin_host::PluginRegistry& registry,
                          std::vector<config::ConfigError>& errors,
                          const mapping::MappingSet* mappings = nullptr);

}  // namespace kq::runtime
