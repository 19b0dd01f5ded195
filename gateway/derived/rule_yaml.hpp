#pragma once
// Reading the rule-table files of gateway/derived: what they share beyond the mapping language's
// YamlFile (which collects every error with file:line:col): the set/version header, the
// confidence tag, lists of grades and sexes.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/derived/derived_common.hpp"
#include "gateway/derived/fitness_tables.hpp"
#include "gateway/mapping/compiler/yaml_file.hpp"

namespace kq::derived::rule_yaml {

using mapping::detail::YamlFile;

struct Header {
  std::string set;      // lower-case letters, digits and '-'
  std::string version;  // free text, bumped whenever the file's rules change
};

// Loads a file; Null (after reporting) when it cannot be read or parsed or is empty.
YAML::Node load(const std::filesystem::path& path, YamlFile& file);

// `set:` and `version:` of a rule file's root.
std::optional<Header> read_header(YamlFile& file, const YAML::Node& root);

// `confidence:` (required: V, S or U) and `note:` of a table entry.
std::optional<TableSource> read_source(YamlFile& file, const YAML::Node& entry);

// `grades: [11, 12]`, 年级编号 as the national reporting file writes them. Each grade once.
std::vector<std::size_t> read_grades(YamlFile& file, const YAML::Node& node);

// `sex: male`, `sex: [male, female]`.
std::vector<Sex> read_sexes(YamlFile& file, const YAML::Node& node);

// A required key of a mapping node: reports "<what>: 'key' is required" when absent, and then
// returns a node that is not defined (false in a condition), which the readers below pass over
// without a second error.
YAML::Node required(YamlFile& file, const YAML::Node& parent, std::string_view key, std::string_view what);

// YamlFile's typed readers, silent for a node that is not defined (already reported).
std::optional<std::string> scalar(YamlFile& file, const YAML::Node& node, std::string_view what);
std::optional<std::vector<std::string>> scalars(YamlFile& file, const YAML::Node& node, std::string_view what);
std::optional<std::int64_t> integer(YamlFile& file, const YAML::Node& node, std::string_view what);
// A finite number.
std::optional<double> number(YamlFile& file, const YAML::Node& node, std::string_view what);

// True when `value` is a whole number of `step`s (thresholds lie on the recording resolution).
bool on_grid(double value, double step);

}  // namespace kq::derived::rule_yaml
