#include "gateway/runtime/adapters.hpp"

#include <filesystem>

#include "gateway/config/schema.hpp"
#include "gateway/log/log.hpp"
#include "gateway/plugin_host/config_fields.hpp"

#ifndef KQ_DEFAULT_PLUGIN_DIR
#define KQ_DEFAULT_PLUGIN_DIR "plugins"
#endif

namespace kq::runtime {

std::string plugin_directory_of(const config::GatewayConfig& config) {
  if (!config.plugin_directory.empty()) return config.plugin_directory;
  return KQ_DEFAULT_PLUGIN_DIR;
}

namespace {

std::string listener_of(const config::GatewayConfig& config, const config::AdapterConfig& a) {
  if (!a.listener.empty()) return a.listener;
  return config.listeners.empty() ? std::string() : config.listeners.front().name;
}

// Creates one adapter; on failure appends the reasons and returns nullptr.
// An adapter's `mappings:` entries that name nothing in the mapping folder.
void check_bindings(const config::AdapterConfig& a, const mapping::MappingSet& mappings,
                    std::vector<config::ConfigError>& problems) {
  const mapping::MappingBinding binding{a.name, a.mappings};
  for (const std::string& entry : mappings.unknown_entries(binding)) {
    problems.push_back({a.mappings_where, "adapter '" + a.name + "': mappings: '" + entry + "' names no mapping " +
                                              (entry.empty() || entry.back() != '/' ? "" : "folder ") + "in " +
                                              mappings.dir().string() +
                                              " (a mapping's name, or a folder written with a trailing '/')"});
  }
}

std::shared_ptr<plugin_host::AdapterInstance> create_one(const config::GatewayConfig& config,
                                                         const config::AdapterConfig& a,
                                                         const plugin_host::PluginRegistry& registry,
                                                         std::vector<config::ConfigError>& problems) {
  auto plugin = registry.find(a.plugin);
  if (!plugin) {
    std::string why = "plugin '" + a.plugin + "' was not found in " + registry.directory();
    if (const auto* err = registry.error_for(a.plugin)) {
      why = "plugin '" + a.plugin + "' could not be loaded: " + err->path + ": " + err->message;
    } else if (!registry.plugins().empty()) {
      why += " (available:";
      for (const auto& [name, lib] : registry.plugins()) why += " " + name;
      why += ")";
    }
    problems.push_back({a.where, why});
    return nullptr;
  }
  const auto fields = plugin_host::to_config_fields(plugin->fields());
  config::BlockContext context;
  context.file = a.block_where.file;
  context.base_dir = std::filesystem::path(config.file).parent_path();
  context.path = "adapters." + a.name + ".config";
  const std::size_t before = problems.size();
  config::Block block = config::validate_block(a.block, fields, a.block_where, context, problems);
  if (problems.size() != before) return nullptr;
  try {
    return plugin_host::AdapterInstance::create(a.name, plugin, block,
                                                plugin_host::AdapterSettings{
                                                    a.mappings,
                                                    std::make_shared<const mapping::MappingVariables>(
                                                        a.mapping_variables.begin(), a.mapping_variables.end()),
                                                    a.dedupe_window});
  } catch (const std::exception& e) {
    problems.push_back({a.block_where, "adapter '" + a.name + "': " + e.what()});
    return nullptr;
  }
}

}  // namespace

AdapterSet build_adapters(const config::GatewayConfig& config,
                          const plugin_host::PluginRegistry& registry,
                          std::vector<config::ConfigError>& errors,
                          const mapping::MappingSet* mappings) {
  AdapterSet set;
  set.routes = std::make_shared<net::RouteTable>();
  set.routes->principals = config.principals;
  for (const auto& a : config.adapters) {
    std::vector<config::ConfigError> problems;
    // The default binding (the plugin's own folder) may name nothing for a plugin that maps
    // nothing, like one that receives canonical records; only what the file says must exist.
    if (mappings != nullptr && a.mappings_given) check_bindings(a, *mappings, problems);
    if (mappings != nullptr && !a.mappings_given &&
        !mappings->unknown_entries(mapping::MappingBinding{a.name, a.mappings}).empty()) {
      // Fine for a plugin that only hands on canonical records; for one that emits HL7, XML,
      // CSV … every document would be refused, which after an upgrade looks like an outage.
      set.warnings.push_back("adapter '" + a.name + "' applies no mapping: `mappings:` is not set and " +
                             mappings->dir().string() + " has no folder '" + a.plugin +
                             "/'; only canonical records are accepted until `mappings:` names some");
    }
    if (mappings != nullptr) {
      const mapping::MappingVariables variables(a.mapping_variables.begin(), a.mapping_variables.end());
      for (const std::string& why : mappings->check_variables(variables)) {
        problems.push_back({a.mapping_variables_where, "adapter '" + a.name + "': mapping_variables: " + why});
      }
    }
    auto instance = create_one(config, a, registry, problems);
    if (instance) {
      set.routes->adapter_roles[a.name] = a.roles;
      const std::string listener = listener_of(config, a);
      const config::ListenerConfig* lc = nullptr;
      for (const auto& l : config.listeners) {
        if (l.name == listener) lc = &l;
      }
      const bool on_mllp = lc != nullptr && lc->protocol == "mllp";
      if (instance->wants_mllp() && !on_mllp) {
        problems.push_back({a.where, "adapter '" + a.name + "' receives MLLP frames, but its listener '" +
                                         listener + "' is not an MLLP listener (set protocol: mllp)"});
      }
      if (on_mllp && !instance->routes().empty()) {
        problems.push_back({a.where, "adapter '" + a.name + "' asks for HTTP routes, but its listener '" +
                                         listener + "' is an MLLP listener"});
      }
      if (instance->wants_mllp() && on_mllp) {
        auto [it, inserted] = set.routes->mllp.emplace(listener, instance);
        if (!inserted) {
          problems.push_back({a.where, "MLLP listener '" + listener + "' already serves adapter '" +
                                           it->second->name() + "'; an MLLP listener serves one adapter"});
        }
      }
      for (const auto& drop : instance->file_drops()) {
        // A folder has no certificate: the principal it speaks for must exist and may use the
        // adapter, exactly as if it had connected.
        const config::PrincipalConfig* principal = nullptr;
        for (const auto& p : config.principals) {
          if (p.name == drop.principal) principal = &p;
        }
        if (!drop.principal.empty() && principal == nullptr) {
          problems.push_back({a.block_where, "adapter '" + a.name + "': the drop folder " + drop.directory +
                                                 " speaks for principal '" + drop.principal +
                                                 "', which is not in principals:"});
          continue;
        }
        const std::string denied = set.routes->access_denied(a.name, principal);
        if (!denied.empty()) {
          problems.push_back({a.block_where, "adapter '" + a.name + "': the drop folder " + drop.directory + ": " +
                                                 (principal == nullptr ? "files dropped without a principal: " : "") +
                                                 denied});
        }
      }
      for (const auto& route : instance->routes()) {
        auto key = std::make_tuple(listener, route.method, route.path);
        auto [it, inserted] = set.routes->routes.emplace(key, instance);
        if (!inserted) {
          problems.push_back({a.where, "adapter '" + a.name + "' asks for " + route.method + " " +
                                           route.path + " on listener '" + listener +
                                           "', which adapter '" + it->second->name() + "' already serves"});
        }
      }
    }
    if (problems.empty()) {
      set.instances.push_back(std::move(instance));
      continue;
    }
    if (a.on_error == config::AdapterConfig::OnError::skip) {
      for (const auto& p : problems) {
        log::warn("adapter_skipped", {{"adapter", a.name}, {"reason", p.str()}});
        set.skipped.push_back(a.name + ": " + p.message);
      }
      // Routes of a half-built adapter must not stay behind.
      for (auto it = set.routes->routes.begin(); it != set.routes->routes.end();) {
        it = it->second == instance ? set.routes->routes.erase(it) : std::next(it);
      }
      for (auto it = set.routes->mllp.begin(); it != set.routes->mllp.end();) {
        it = it->second == instance ? set.routes->mllp.erase(it) : std::next(it);
      }
    } else {
      errors.insert(errors.end(), problems.begin(), problems.end());
    }
  }
  return set;
}

}  // namespace kq::runtime
