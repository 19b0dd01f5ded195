#pragma once
// Reading a mapping test file, and comparing what a mapping produced with what the test expects.
// Internal to kq_mapping; the file format is described in mapping_tests.hpp.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>
#include <yaml-cpp/yaml.h>

#include "gateway/config/source_location.hpp"
#include "gateway/core/dates.hpp"
#include "gateway/mapping/mapping.hpp"

namespace kq::mapping::detail {

struct TestCase {
  std::string name;
  config::SourceLocation where;
  std::string input;
  std::string charset;
  std::optional<std::string> sender_org;
  MappingVariables variables;  // over the file's, name by name
  bool expect_match = true;
  std::optional<YAML::Node> records;
  std::optional<YAML::Node> errors;
};

struct TestFile {
  std::filesystem::path path;
  std::filesystem::path mapping;
  std::optional<core::PartialDate> today;
  std::optional<core::DateTime> received_at;  // $received_at for every test
  std::string sender_org;
  MappingVariables variables;  // for every test
  std::vector<TestCase> cases;
};

// False (with errors) when the file cannot be used at all; cases with problems are reported and
// left out.
bool read_test_file(const std::filesystem::path& path, TestFile& out, std::vector<config::ConfigError>& errors);

struct Difference {
  std::string path;  // "records[0].name.text", "errors"
  std::string expected;
  std::string got;
};

// `$name` placeholders: the first use binds a name to a value, later uses must see the same
// value, and two names may not bind to the same value (two refs that should differ).
class Bindings {
 public:
  // Empty when the binding holds; otherwise why not.
  std::string bind(const std::string& name, const std::string& value);

 private:
  std::map<std::string, std::string> values_;  // name → value
  std::map<std::string, std::string> names_;   // value → name
};

void compare_records(const YAML::Node& expected, const std::vector<MappedRecord>& got, Bindings& bindings,
                     std::vector<Difference>& out);
void compare_errors(const YAML::Node& expected, const std::vector<MapError>& got, std::vector<Difference>& out);

// Short one-line renderings for diffs.
std::string show(const boost::json::value& value);
std::string show(const YAML::Node& node);

}  // namespace kq::mapping::detail
