#include "gateway/plugin_host/plugin_registry.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "gateway/plugin_host/adapter.hpp"

namespace kq::plugin_host {

namespace fs = std::filesystem;

PluginRegistry PluginRegistry::scan(const std::string& directory) {
  PluginRegistry reg;
  reg.directory_ = directory;
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    reg.errors_.push_back(LoadError{directory, "plugin directory does not exist"});
    return reg;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    if (entry.path().extension() == ".so" && entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    LoadResult result = load_plugin_library(file.string(), host_api());
    if (auto* err = std::get_if<LoadError>(&result)) {
      reg.errors_.push_back(std::move(*err));
      continue;
    }
    auto lib = std::get<std::shared_ptr<const PluginLibrary>>(std::move(result));
    auto [it, inserted] = reg.plugins_.emplace(lib->name(), lib);
    if (!inserted) {
      reg.errors_.push_back(LoadError{file.string(), "plugin name '" + lib->name() +
                                                         "' is already provided by " +
                                                         it->second->path()});
    }
  }
  return reg;
}

std::shared_ptr<const PluginLibrary> PluginRegistry::find(const std::string& name) const {
  auto it = plugins_.find(name);
  return it == plugins_.end() ? nullptr : it->second;
}

const LoadError* PluginRegistry::error_for(const std::string& name) const {
  for (const auto& e : errors_) {
    if (fs::path(e.path).stem() == name) return &e;
  }
  return nullptr;
}

}  // namespace kq::plugin_host
