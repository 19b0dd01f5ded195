#pragma once
// Finds and loads every plugin in a folder, keeping the failures for reporting.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/plugin_host/plugin_library.hpp"

namespace kq::plugin_host {

class PluginRegistry {
 public:
  // Loads every regular file named *.so in `directory` (sorted by name, so results are stable).
  // A missing folder is reported as a load error, not thrown.
  static PluginRegistry scan(const std::string& directory);

  const std::string& directory() const { return directory_; }
  // nullptr when no plugin of that name loaded.
  std::shared_ptr<const PluginLibrary> find(const std::string& name) const;
  const std::map<std::string, std::shared_ptr<const PluginLibrary>>& plugins() const { return plugins_; }
  const std::vector<LoadError>& errors() const { return errors_; }
  // The load error of the file that most likely was meant to provide `name` (file stem equals
  // the name), or nullptr: lets "unknown plugin" errors say why the plugin is missing.
  const LoadError* error_for(const std::string& name) const;

 private:
  std::string directory_;
  std::map<std::string, std::shared_ptr<const PluginLibrary>> plugins_;
  std::vector<LoadError> errors_;
};

}  // namespace kq::plugin_host
