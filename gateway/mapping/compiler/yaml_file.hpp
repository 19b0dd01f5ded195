#pragma once
// Reading one YAML file of the mapping language (a mapping, a fragment, a value set or a test
// file) and collecting every problem with its file:line:col, instead of stopping at the first.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/config/source_location.hpp"

namespace kq::mapping::detail {

class YamlFile {
 public:
  YamlFile(std::string file, std::vector<config::ConfigError>& errors) : file_(std::move(file)), errors_(errors) {}

  const std::string& file() const { return file_; }
  std::vector<config::ConfigError>& errors() { return errors_; }
  config::SourceLocation at(const YAML::Node& node) const;
  void error(const YAML::Node& node, std::string message);
  void error(config::SourceLocation where, std::string message);

  // The key/value pairs of a mapping node in document order. Reports a duplicate key (YAML
  // would silently keep one of them) and keys that are not scalars. An empty list for Null.
  std::vector<std::pair<YAML::Node, YAML::Node>> entries(const YAML::Node& node, std::string_view what);

  // Checks that `node` is a mapping whose keys are all in `allowed`; an unknown key is reported
  // with the nearest allowed one ("did you mean"). False (after reporting) when not a mapping.
  bool check_keys(const YAML::Node& node, std::string_view what, const std::vector<std::string_view>& allowed);

  // Typed scalars. Each reports "<what>: expected …" at the node and returns nothing on error.
  std::optional<std::string> scalar(const YAML::Node& node, std::string_view what);
  std::optional<bool> boolean(const YAML::Node& node, std::string_view what);
  std::optional<double> number(const YAML::Node& node, std::string_view what);
  std::optional<std::int64_t> integer(const YAML::Node& node, std::string_view what);
  // A scalar or a sequence of scalars, as a list.
  std::optional<std::vector<std::string>> scalars(const YAML::Node& node, std::string_view what);

 private:
  std::string file_;
  std::vector<config::ConfigError>& errors_;
};

// Parses YAML text; a syntax error is reported at its line and column and gives a Null node.
YAML::Node parse_yaml(std::string_view text, YamlFile& file);
// Reads and parses a file; "cannot read" is reported at `from` (the include or the command).
YAML::Node load_yaml(const std::filesystem::path& path, YamlFile& file, const config::SourceLocation& from);

// "unknown X 'y'; did you mean 'z'?" or "…; expected one of a, b, c".
std::string unknown_name_message(std::string_view what, std::string_view name,
                                 const std::vector<std::string_view>& candidates);

bool read_file(const std::filesystem::path& path, std::string& out, std::string& error);

}  // namespace kq::mapping::detail
