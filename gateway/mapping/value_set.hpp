#pragma once
// Value sets: code tables that translate a sender's codes into the canonical ones, kept as
// data in `mappings/codes/<name>.yaml` (or inline in a `lookup` step) so that a new local code
// is a one-line change reviewed like any other data, not a code release.
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/config/source_location.hpp"
#include "gateway/mapping/runtime/value.hpp"

namespace kq::mapping {

namespace detail {
class YamlFile;
}

// What a lookup does with a code the table does not list.
enum class UnknownCode {
  error,    // a field error naming the code and the table
  keep,     // pass the sender's code through unchanged
  default_, // use the table's `default:` code
  drop,     // leave the field empty
};

std::optional<UnknownCode> parse_unknown_code(std::string_view text);

class ValueSet {
 public:
  struct Entry {
    std::string source;  // the sender's code
    Coded target;
    config::SourceLocation where;
  };

  // A value set file, or an inline `codes:` table of a lookup step (name "inline").
  static std::shared_ptr<const ValueSet> from_yaml(const YAML::Node& node, std::string name, detail::YamlFile& file,
                                                   bool inline_table, std::string source_system = {});

  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  const std::string& system() const { return system_; }
  // The code system of the sender's own codes: the system of a code kept by `unknown: keep`.
  const std::string& source_system() const { return source_system_; }
  UnknownCode unknown() const { return unknown_; }
  const std::optional<Coded>& default_code() const { return default_; }
  const std::vector<Entry>& entries() const { return entries_; }

  // The entry for a sender's code, or -1. Case is ignored when the table says so.
  int find(std::string_view code) const;
  // A target code known to this table (for `default:` and the unknown-code message).
  const Coded* find_target(std::string_view code) const;
  // "1, 2, M, F, 男, 女" (the first few source codes), for error messages.
  std::string sample_codes() const;

 private:
  std::string name_;
  std::string file_;
  std::string system_;
  std::string source_system_;
  UnknownCode unknown_ = UnknownCode::error;
  std::optional<Coded> default_;
  bool ignore_case_ = false;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, int> index_;
};

// The value sets of one `codes/` folder, loaded on first use and shared by every mapping that
// names them, so a set compiles once per load of the mapping folder.
class ValueSetCatalog {
 public:
  explicit ValueSetCatalog(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const std::filesystem::path& dir() const { return dir_; }

  // The set `name` (file `<dir>/<name>.yaml`). Errors in the file go to `errors`; a missing file
  // returns nullptr without errors so that the caller can report it where the name was used.
  std::shared_ptr<const ValueSet> get(std::string_view name, std::vector<config::ConfigError>& errors);
  // True when `<dir>/<name>.yaml` exists (whether or not it loads without errors).
  bool has_file(std::string_view name) const;
  // The names of every *.yaml in the folder (for "did you mean").
  std::vector<std::string> names() const;
  // Loads every set in the folder (for `kangqiao check`, so a broken table is found even when
  // no mapping uses it yet).
  void load_all(std::vector<config::ConfigError>& errors);

 private:
  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ValueSet>, std::less<>> sets_;
  std::map<std::string, bool, std::less<>> failed_;
};

}  // namespace kq::mapping
