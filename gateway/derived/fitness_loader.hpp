#pragma once
// Internal to gateway/derived: the loader of a fitness table set, split over
// fitness_set_load.cpp (set.yaml) and fitness_item_load.cpp (the item files and the checks that
// need both).
#include <array>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "gateway/derived/fitness_tables.hpp"
#include "gateway/derived/rule_yaml.hpp"

namespace kq::derived::detail {

using rule_yaml::YamlFile;

// "girls grade 21 (初一)", for messages.
std::string slot_name(Sex sex, std::size_t grade);

class Loader {
 public:
  Loader(FitnessTables& tables, std::vector<config::ConfigError>& errors) : t_(tables), errors_(errors) {}

  void read_set(const std::filesystem::path& path);
  void read_item_file(const std::filesystem::path& path);
  void check_coverage();

 private:
  void read_levels(YamlFile& file, const YAML::Node& node);
  void read_bands(YamlFile& file, const YAML::Node& node, std::vector<LevelBand>& out, std::string_view what);
  void read_weights(YamlFile& file, const YAML::Node& node);
  std::vector<Weight> read_weight_map(YamlFile& file, const YAML::Node& node);
  void read_bonus(YamlFile& file, const YAML::Node& node);
  void read_item_tables(YamlFile& file, const YAML::Node& node, ItemTables& item);
  void read_missing(YamlFile& file, const YAML::Node& node, std::vector<std::unique_ptr<MissingTable>>& owned,
                    const std::function<void(Sex, std::size_t, const MissingTable*, const YAML::Node&)>& place);
  void read_bmi(YamlFile& file, const YAML::Node& root);
  std::optional<int> tenths(YamlFile& file, const YAML::Node& node, std::string_view what);

  FitnessTables& t_;
  std::vector<config::ConfigError>& errors_;
  std::string set_file_;
  std::array<std::array<config::SourceLocation, kGradeCount>, kSexCount> weight_where_{};
};

}  // namespace kq::derived::detail
