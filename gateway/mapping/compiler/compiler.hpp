#pragma once
// The mapping compiler: YAML → Plan. Internal to kq_mapping.
//
// Split over compile_mapping.cpp (files, includes, source block, record rules),
// compile_values.cpp (value specs, sources, conditions) and compile_targets.cpp (fields and
// objects against the canonical model). Every method reports what it finds and carries on, so
// one run lists every problem of the file.
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/mapping/mapping.hpp"
#include "gateway/mapping/plan.hpp"
#include "gateway/mapping/compiler/yaml_file.hpp"

namespace kq::mapping::detail {

class Compiler {
 public:
  Compiler(const CompileOptions& options, std::vector<config::ConfigError>& errors);

  // nullptr when there were errors (they are in `errors`).
  std::unique_ptr<Plan> compile_file(const std::filesystem::path& file);
  std::unique_ptr<Plan> compile_text(std::string_view text, const std::string& name,
                                     const std::filesystem::path& base_dir);

 private:
  // One file's contribution: the mapping itself or an included fragment.
  struct Unit {
    YamlFile* file = nullptr;
    YAML::Node variables;
    YAML::Node let;
    YAML::Node records;
  };
  struct Variable {
    std::string name;
    Shape shape;
    bool from_document = true;
  };
  // What a value is being compiled for.
  struct Target {
    std::string what;              // "patient.sex": for messages and coverage
    const TargetField* field = nullptr;  // nullptr: a let or a key (no conversion)
    bool list = false;
    bool let = false;  // a let: several sources are "a, else b" unless a step combines them
  };

  // compile_mapping.cpp
  std::unique_ptr<Plan> compile_root(const YAML::Node& root, YamlFile& file, const std::filesystem::path& dir);
  void collect_units(const YAML::Node& root, YamlFile& file, const std::filesystem::path& dir, bool fragment,
                     std::vector<std::string>& chain);
  void compile_source(const YAML::Node& node, YamlFile& file);
  void compile_source_options(const YAML::Node& node, YamlFile& file, std::string_view format);
  void compile_fixed_layout(const YAML::Node& node, YamlFile& file);
  void declare_rules(const YAML::Node& records, YamlFile& file, int parent, int depth, bool parent_multi,
                     std::vector<int>& into);
  void compile_rule(int index, const YAML::Node& node, YamlFile& file);
  void compile_lets(const YAML::Node& node, YamlFile& file, std::vector<LetPlan>& out);
  void compile_variables(const YAML::Node& node, YamlFile& file);
  int find_mapping_variable(const std::string& name) const;
  void find_codes_dir(const std::filesystem::path& dir);

  // compile_values.cpp
  std::optional<ValueExpr> compile_value(const YAML::Node& node, YamlFile& file, const Target& target);
  std::optional<Source> compile_source_ref(const YAML::Node& node, YamlFile& file, bool allow_variables);
  std::optional<Source> compile_path(const YAML::Node& node, YamlFile& file);
  std::optional<Condition> compile_condition(const YAML::Node& node, YamlFile& file, bool allow_variables);
  std::optional<Condition> compile_test(const YAML::Node& key, const YAML::Node& test, YamlFile& file,
                                        bool allow_variables);
  bool check_assignable(const YAML::Node& node, YamlFile& file, const Target& target, const Shape& shape,
                        const std::string& last_step);
  std::optional<Value> constant_for(const YAML::Node& node, YamlFile& file, const Target& target,
                                    const std::string& text);
  Shape shape_of(const Source& source) const;
  int add_rule_info(std::string what, const config::SourceLocation& where);

  // compile_targets.cpp
  std::optional<ObjectSpec> compile_object(const YAML::Node& node, YamlFile& file, const ObjectType& type,
                                           const std::string& what, bool element, bool record_root);
  void compile_fields(const YAML::Node& node, YamlFile& file, const ObjectType& type, const std::string& what,
                      bool record_root, ObjectSpec& spec);
  void compile_field(const YAML::Node& key, const YAML::Node& value, YamlFile& file, const ObjectType& type,
                     const std::string& what, std::vector<FieldPlan>& fields, std::map<std::string, bool>& implicit);
  bool compile_field_value(const YAML::Node& node, YamlFile& file, const TargetField& field, const std::string& what,
                           FieldPlan& plan);
  void check_unplaced_value(const YAML::Node& node, YamlFile& file, const std::string& what);
  void compile_required(const YAML::Node& node, YamlFile& file, const ObjectType& type, ObjectSpec& spec);

  // Scopes of `let` names.
  void push_scope() { scopes_.emplace_back(); }
  void pop_scope() { scopes_.pop_back(); }
  int declare_variable(const std::string& name, const YAML::Node& key, YamlFile& file);
  const Variable* find_variable(const std::string& name, int& slot) const;

  CompileOptions options_;
  std::vector<config::ConfigError>& errors_;
  std::unique_ptr<Plan> plan_;
  std::deque<YamlFile> files_;  // the mapping and its fragments; stable addresses
  std::vector<Unit> units_;
  std::vector<std::string> included_;  // canonical paths of the fragments already included
  std::vector<std::pair<YAML::Node, YamlFile*>> rule_nodes_;  // by rule number
  // Rules that extend another (`extends:`), by the number of the rule they change: the layers
  // compiled over the base rule, in the order they were included.
  std::map<int, std::vector<std::pair<YAML::Node, YamlFile*>>> extensions_;
  std::map<std::string, std::shared_ptr<const formats::Path>> paths_;  // compiled once per text
  std::map<std::string, int> rule_names_;
  std::vector<std::vector<std::pair<std::string, int>>> scopes_;
  std::vector<Variable> variables_;  // by slot
  int current_rule_ = -1;            // the rule being compiled; -1 for document lets
  int depth_ = 0;                    // nesting of objects, to refuse runaway YAML
  int each_depth_ = 0;               // enclosing each: levels; `.` means nothing outside them
  std::string source_format_;

  // `extends:` (compile_mapping.cpp): declares the extending rule, when `value` has one.
  void declare_extension(const YAML::Node& key, const YAML::Node& value, YamlFile& file, int parent,
                         std::vector<int>& into);
  // Compiles the extension layers of a record rule over its base's lets, when, key and fields.
  void compile_extensions(int index, RecordRule& rule, const std::string& what);
};

}  // namespace kq::mapping::detail
