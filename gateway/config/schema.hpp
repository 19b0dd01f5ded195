#pragma once
// A small declarative schema for YAML blocks. The gateway's own configuration is described with
// these tables (gateway_schema.hpp), and so is every plugin's `config:` block: plugins declare
// their fields as data through the C ABI and the host converts them to `Field`. One validator
// therefore gives the same messages, locations and defaults everywhere, and the documentation
// is generated from the same tables (describe_fields_markdown).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/config/source_location.hpp"

namespace kq::config {

enum class FieldType {
  string,       // any scalar, kept as written
  integer,      // decimal; min/max bound the value
  boolean,      // true | false
  duration,     // 250ms, 5s, 2m, 1h; min/max in milliseconds
  bytes,        // 512, 64KiB, 16MiB, 1GiB; min/max in bytes
  path,         // file or folder; relative values are resolved against the config file's folder
  enumeration,  // one of enum_values
  string_list,  // sequence of scalars; min/max bound the number of items
  object,       // mapping validated against `fields`
  object_list,  // sequence of mappings, each validated against `fields`; min/max bound the count
  any,          // kept as a raw YAML::Node for a later, more specific validation
};

std::string_view to_string(FieldType type);

struct Field {
  std::string name;
  FieldType type = FieldType::string;
  bool required = false;
  std::optional<std::string> default_value;  // as YAML scalar text, parsed like a written value
  std::string description;                   // one sentence for the generated documentation
  std::optional<std::int64_t> min, max;      // see FieldType for what they bound
  std::vector<std::string> enum_values;
  std::vector<Field> fields;                 // object / object_list members
  bool must_exist = false;                   // path: the file or folder must exist at load time
};

// Fluent construction of Field tables written in C++ (the gateway's own schema, tests):
//   field("port", FieldType::integer, "TCP port.").required().range(0, 65535)
class FieldBuilder {
 public:
  FieldBuilder(std::string name, FieldType type, std::string description);
  FieldBuilder& required();
  FieldBuilder& by_default(std::string yaml_text);
  FieldBuilder& range(std::int64_t min, std::int64_t max);
  FieldBuilder& at_least(std::int64_t min);
  FieldBuilder& at_most(std::int64_t max);
  FieldBuilder& one_of(std::vector<std::string> values);
  FieldBuilder& members(std::vector<Field> fields);
  FieldBuilder& must_exist();
  // Implicit so that a table can be a braced list of builders.
  operator Field() const { return field_; }

 private:
  Field field_;
};

inline FieldBuilder field(std::string name, FieldType type, std::string description) {
  return FieldBuilder(std::move(name), type, std::move(description));
}

class Block;

// One validated value. Exposed so that Block can hold nested blocks by value; use Block's
// accessors rather than reading these members.
struct BlockValue {
  FieldType type = FieldType::string;
  bool written = false;                 // present in the YAML (as opposed to defaulted)
  std::string text;                     // string, path (absolute), enumeration
  std::int64_t number = 0;              // integer, duration (ms), bytes
  bool flag = false;                    // boolean
  std::vector<std::string> list;        // string_list
  std::vector<SourceLocation> list_where;
  std::vector<Block> blocks;            // object: exactly one; object_list: one per item
  YAML::Node node;                      // any
  SourceLocation where;                 // the value (or the block, for defaults)
  SourceLocation key_where;             // the key (or the block, for defaults)
};

// The validated content of one YAML mapping, with defaults applied. Values that failed
// validation are absent (an error was recorded instead), so a partly invalid block can still be
// read to find further, cross-field errors.
//
// Getters for a field that is absent and has no default return an empty value (""/0/false/{})
// - use has() to tell. A getter asked for a name the schema does not declare, or of the wrong
// type for the field, throws std::logic_error (a programming error). has(), written(),
// present() and type_of() never throw, so they are safe to call with names that come from a
// plugin through the C ABI.
class Block {
 public:
  Block() = default;
  explicit Block(SourceLocation where) : where_(std::move(where)) {}

  // The declared type of `name`, or std::nullopt when the schema has no such field.
  std::optional<FieldType> type_of(std::string_view name) const;

  // Written in the YAML or given by a default. An object field that was not written is not
  // "had", but get_object() still returns a block holding its members' defaults.
  bool has(std::string_view name) const;
  // Written in the YAML with a valid value (defaults do not count).
  bool written(std::string_view name) const;
  // The key appears in the YAML, valid or not. Cross-field checks use this so that one bad
  // value does not also trigger "X needs Y" complaints about it.
  bool present(std::string_view name) const { return present_.find(name) != present_.end(); }

  const std::string& get_string(std::string_view name) const;  // string, path, enumeration
  std::int64_t get_int(std::string_view name) const;
  bool get_bool(std::string_view name) const;
  std::chrono::milliseconds get_duration(std::string_view name) const;
  std::int64_t get_bytes(std::string_view name) const;
  const std::vector<std::string>& get_string_list(std::string_view name) const;
  const Block& get_object(std::string_view name) const;
  const std::vector<Block>& get_object_list(std::string_view name) const;
  YAML::Node get_node(std::string_view name) const;            // any; a Null node when absent

  // Where the value was written; the block's own location for defaulted or missing values.
  SourceLocation location(std::string_view name) const;
  SourceLocation key_location(std::string_view name) const;
  // Location of item `index` of a string_list.
  SourceLocation item_location(std::string_view name, std::size_t index) const;
  // The mapping itself (for an object_list item: the item).
  const SourceLocation& where() const { return where_; }

  // Used by the validator.
  void declare(const std::string& name, FieldType type);
  void set(const std::string& name, BlockValue value);
  void mark_present(const std::string& name) { present_.insert(name); }

 private:
  const BlockValue* find(std::string_view name, std::initializer_list<FieldType> types) const;

  SourceLocation where_;
  std::map<std::string, FieldType, std::less<>> declared_;
  std::map<std::string, BlockValue, std::less<>> values_;
  std::set<std::string, std::less<>> present_;
};

// Where a block's errors are reported and how its paths are resolved.
struct BlockContext {
  std::string file;                 // file name used in error locations
  std::filesystem::path base_dir;   // absolute; relative `path` values resolve against it
  std::string path;                 // key path of the block for messages ("adapters[0].config"); may be empty
};

// Validates `node` (a mapping, or Null for an empty block) against `fields`. Every problem is
// appended to `errors` (none are thrown); the returned Block holds the valid values and defaults.
Block validate_block(const YAML::Node& node, const std::vector<Field>& fields, const SourceLocation& block_where,
                     const BlockContext& context, std::vector<ConfigError>& errors);

// The same, with base_dir = the folder of `file` (made absolute against the working directory)
// and the block path taken as empty.
Block validate_block(const YAML::Node& node, const std::vector<Field>& fields, const SourceLocation& block_where,
                     const std::string& file, std::vector<ConfigError>& errors);

// yaml-cpp marks are 0-based and -1 for nodes that were not parsed from text.
SourceLocation location_of(const YAML::Node& node, const std::string& file);

// Markdown tables (key, type, default, description) for `fields`, one table per nested object,
// headed "### `<path>`". Used for docs/configuration.md and for plugin READMEs.
std::string describe_fields_markdown(const std::vector<Field>& fields, const std::string& path);

}  // namespace kq::config
