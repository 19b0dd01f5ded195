// The mapping file as a whole: top-level keys, includes, the source block and record rules.
#include <algorithm>
#include <array>
#include <cctype>

#include "gateway/core/record_kind.hpp"
#include "gateway/mapping/compiler/compiler.hpp"

namespace kq::mapping::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 6> kFormatNames = {"hl7v2", "xml", "json", "csv", "xlsx", "fixed"};
constexpr std::array<std::string_view, 3> kCharsets = {"UTF-8", "GB18030", "GBK"};
constexpr int kMaxDepth = 24;

// Names the gateway gives values to; a mapping's own names cannot take them.
bool is_builtin_name(std::string_view name) { return name == "sender_org" || name == "received_at"; }

bool valid_name(std::string_view name) {
  if (name.empty() || !(std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string upper_ascii(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string canonical_path(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return (ec ? p : c).lexically_normal().string();
}

}  // namespace

Compiler::Compiler(const CompileOptions& options, std::vector<config::ConfigError>& errors)
    : options_(options), errors_(errors) {}

std::unique_ptr<Plan> Compiler::compile_file(const fs::path& path) {
  YamlFile& file = files_.emplace_back(path.string(), errors_);
  const std::size_t before = errors_.size();
  const YAML::Node root = load_yaml(path, file, config::SourceLocation{path.string(), 0, 0});
  if (errors_.size() != before) return nullptr;
  fs::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  included_.push_back(canonical_path(path));
  return compile_root(root, file, dir);
}

std::unique_ptr<Plan> Compiler::compile_text(std::string_view text, const std::string& name, const fs::path& base_dir) {
  YamlFile& file = files_.emplace_back(name, errors_);
  const std::size_t before = errors_.size();
  const YAML::Node root = parse_yaml(text, file);
  if (errors_.size() != before) return nullptr;
  return compile_root(root, file, base_dir.empty() ? fs::path(".") : base_dir);
}

void Compiler::find_codes_dir(const fs::path& dir) {
  if (options_.value_sets) return;
  fs::path codes = options_.codes_dir;
  if (codes.empty()) {
    std::error_code ec;
    fs::path at = fs::absolute(dir, ec);
    for (int up = 0; up < 16 && !at.empty(); ++up) {
      if (fs::is_directory(at / "codes", ec)) {
        codes = at / "codes";
        break;
      }
      if (at == at.parent_path()) break;
      at = at.parent_path();
    }
  }
  options_.value_sets = std::make_shared<ValueSetCatalog>(codes);
}

std::unique_ptr<Plan> Compiler::compile_root(const YAML::Node& root, YamlFile& file, const fs::path& dir) {
  const std::size_t before = errors_.size();
  plan_ = std::make_unique<Plan>();
  plan_->file = file.file();
  if (!root.IsMap()) {
    file.error(root, "a mapping file is a YAML mapping with mapping, version, source and records");
    return nullptr;
  }
  file.check_keys(root, "mapping file",
                  {"mapping", "version", "description", "source", "include", "variables", "let", "records"});
  if (const auto name = root["mapping"]) {
    plan_->name = file.scalar(name, "mapping").value_or("");
  } else {
    file.error(root, "'mapping' (the mapping's name) is required");
  }
  if (const auto version = root["version"]) {
    plan_->version = file.scalar(version, "version").value_or("");
  } else {
    file.error(root, "'version' is required: it is recorded in the provenance of every record");
  }
  if (const auto description = root["description"]) plan_->description = file.scalar(description, "description").value_or("");
  find_codes_dir(dir);
  if (const auto source = root["source"]) {
    compile_source(source, file);
  } else {
    file.error(root, "'source' is required (at least source: {format: hl7v2})");
  }
  std::vector<std::string> chain{canonical_path(file.file())};
  collect_units(root, file, dir, false, chain);
  if (!plan_->format) return nullptr;  // paths cannot be checked without their format

  for (const Unit& unit : units_) declare_rules(unit.records, *unit.file, -1, 0, false, plan_->top);
  for (const Unit& unit : units_) compile_variables(unit.variables, *unit.file);
  if (plan_->rules.empty() && errors_.size() == before) file.error(root, "'records' is required: no record rules");
  push_scope();
  for (const Unit& unit : units_) compile_lets(unit.let, *unit.file, plan_->lets);
  for (int index : plan_->top) compile_rule(index, rule_nodes_[static_cast<std::size_t>(index)].first,
                                             *rule_nodes_[static_cast<std::size_t>(index)].second);
  pop_scope();
  plan_->slot_count = static_cast<int>(variables_.size());
  if (errors_.size() != before) return nullptr;
  return std::move(plan_);
}

void Compiler::collect_units(const YAML::Node& root, YamlFile& file, const fs::path& dir, bool fragment,
                             std::vector<std::string>& chain) {
  if (fragment) file.check_keys(root, "fragment", {"description", "include", "variables", "let", "records"});
  if (const auto include = root["include"]) {
    const auto items = file.scalars(include, "include");
    const bool list = include.IsSequence();
    for (std::size_t i = 0; items && i < items->size(); ++i) {
      const YAML::Node at = list ? include[i] : include;
      const fs::path path = (dir / (*items)[i]).lexically_normal();  // messages name it without "../"
      const std::string id = canonical_path(path);
      if (std::find(chain.begin(), chain.end(), id) != chain.end() || id == canonical_path(file.file())) {
        std::string cycle;
        for (const std::string& c : chain) cycle += fs::path(c).filename().string() + " → ";
        file.error(at, "include cycle: " + cycle + path.filename().string());
        continue;
      }
      if (std::find(included_.begin(), included_.end(), id) != included_.end()) continue;  // already in
      included_.push_back(id);
      YamlFile& fragment_file = files_.emplace_back(path.string(), errors_);
      const YAML::Node fragment_root = load_yaml(path, fragment_file, file.at(at));
      if (!fragment_root.IsDefined() || fragment_root.IsNull()) continue;
      if (!fragment_root.IsMap()) {
        fragment_file.error(fragment_root, "a fragment is a YAML mapping with let and records");
        continue;
      }
      chain.push_back(id);
      collect_units(fragment_root, fragment_file, path.parent_path(), true, chain);
      chain.pop_back();
    }
  }
  units_.push_back({&file, root["variables"], root["let"], root["records"]});
}

void Compiler::compile_source(const YAML::Node& node, YamlFile& file) {
  if (!file.check_keys(node, "source", {"format", "version", "charset", "match", "delimiter", "header", "sheet",
                                        "record_length", "layout"})) {
    return;
  }
  const auto format = node["format"];
  if (!format) {
    file.error(node, "source: 'format' is required (hl7v2, xml, json, csv, xlsx or fixed)");
    return;
  }
  const auto name = file.scalar(format, "format");
  if (!name) return;
  plan_->format = options_.formats ? options_.formats(*name) : nullptr;
  if (!plan_->format) {
    file.error(format, "source: " + unknown_name_message("format", *name, {kFormatNames.begin(), kFormatNames.end()}));
    return;
  }
  source_format_ = *name;
  // HL7 v2 is the one format whose "present but empty" is an instruction: "" deletes the value.
  plan_->empty_means_cleared = *name == "hl7v2";
  if (const auto version = node["version"]) (void)file.scalar(version, "version");
  if (const auto charset = node["charset"]) {
    if (auto text = file.scalar(charset, "charset")) {
      const std::string upper = upper_ascii(*text);
      const std::string canonical_name = upper == "UTF8" ? "UTF-8" : upper;
      if (std::find(kCharsets.begin(), kCharsets.end(), canonical_name) == kCharsets.end()) {
        file.error(charset, "source: unknown charset '" + *text + "'; expected UTF-8, GB18030 or GBK");
      } else {
        plan_->parse_options.charset = canonical_name;
      }
    }
  }
  compile_source_options(node, file, *name);
  if (const auto match = node["match"]) plan_->match = compile_condition(match, file, false);
}

void Compiler::compile_source_options(const YAML::Node& node, YamlFile& file, std::string_view format) {
  struct Option {
    const char* key;
    std::initializer_list<std::string_view> formats;
  };
  static const Option kOptions[] = {{"delimiter", {"csv"}},
                                    {"header", {"csv", "xlsx"}},
                                    {"sheet", {"xlsx"}},
                                    {"record_length", {"fixed"}},
                                    {"layout", {"fixed"}}};
  for (const Option& option : kOptions) {
    const auto value = node[option.key];
    if (!value) continue;
    if (std::find(option.formats.begin(), option.formats.end(), format) == option.formats.end()) {
      std::string which;
      for (std::string_view f : option.formats) which += (which.empty() ? "" : " and ") + std::string(f);
      file.error(value, "source: '" + std::string(option.key) + "' applies to format " + which + " only");
    }
  }
  formats::ParseOptions& po = plan_->parse_options;
  if (const auto delimiter = node["delimiter"]; delimiter && format == "csv") {
    if (auto text = file.scalar(delimiter, "delimiter")) {
      if (*text == "tab" || *text == "\t") {
        po.csv_delimiter = '\t';
      } else if (text->size() == 1) {
        po.csv_delimiter = (*text)[0];
      } else {
        file.error(delimiter, "source: 'delimiter' is one character (or 'tab')");
      }
    }
  }
  if (const auto header = node["header"]; header && (format == "csv" || format == "xlsx")) {
    po.has_header = file.boolean(header, "header").value_or(true);
  }
  if (const auto sheet = node["sheet"]; sheet && format == "xlsx") po.sheet = file.scalar(sheet, "sheet").value_or("");
  if (format != "fixed") return;
  if (const auto length = node["record_length"]) {
    auto n = file.integer(length, "record_length");
    if (n && (*n < 1 || *n > 65536)) file.error(length, "source: 'record_length' is 1 to 65536 bytes");
    if (n && *n >= 1 && *n <= 65536) po.record_length = static_cast<std::size_t>(*n);
  }
  if (const auto layout = node["layout"]) {
    compile_fixed_layout(layout, file);
  } else {
    file.error(node, "source: a fixed-width source needs 'layout' (field: {offset, length, type})");
  }
}

void Compiler::compile_fixed_layout(const YAML::Node& node, YamlFile& file) {
  static const std::vector<std::string_view> kTypes = {"string", "digits", "number", "date", "time"};
  std::vector<formats::FixedField>& fields = plan_->parse_options.fixed_fields;
  for (const auto& [key, value] : file.entries(node, "layout")) {
    if (!file.check_keys(value, "layout." + key.Scalar(), {"offset", "length", "type"})) continue;
    formats::FixedField field;
    field.name = key.Scalar();
    std::int64_t offset = -1, length = 0;
    if (value["offset"]) offset = file.integer(value["offset"], "offset").value_or(-1);
    if (value["length"]) length = file.integer(value["length"], "length").value_or(0);
    if (offset < 0 || length < 1 || offset > 65536 || length > 65536) {
      file.error(value, "layout." + field.name + ": needs offset (from 0) and length (at least 1), in bytes");
      continue;
    }
    field.offset = static_cast<std::size_t>(offset);
    field.length = static_cast<std::size_t>(length);
    if (const auto type = value["type"]) {
      field.type = file.scalar(type, "type").value_or("string");
      if (std::find(kTypes.begin(), kTypes.end(), field.type) == kTypes.end()) {
        file.error(type, "layout." + field.name + ": " + unknown_name_message("type", field.type, kTypes));
      }
    }
    const std::size_t record = plan_->parse_options.record_length;
    if (record > 0 && field.offset + field.length > record) {
      file.error(value, "layout." + field.name + ": bytes " + std::to_string(field.offset) + ".." +
                            std::to_string(field.offset + field.length - 1) + " run past the record length " +
                            std::to_string(record));
    }
    for (const formats::FixedField& other : fields) {
      if (field.offset < other.offset + other.length && other.offset < field.offset + field.length) {
        file.error(value, "layout." + field.name + ": overlaps " + other.name + " (bytes " +
                              std::to_string(other.offset) + ".." + std::to_string(other.offset + other.length - 1) +
                              ")");
      }
    }
    fields.push_back(std::move(field));
  }
}

void Compiler::declare_rules(const YAML::Node& records, YamlFile& file, int parent, int depth, bool parent_multi,
                             std::vector<int>& into) {
  if (depth > kMaxDepth) {
    file.error(records, "records: groups are nested too deeply");
    return;
  }
  for (const auto& [key, value] : file.entries(records, "records")) {
    const std::string name = key.Scalar();
    if (!valid_name(name)) {
      file.error(key, "record name '" + name + "' must be lower-case letters, digits and _ (it is used as $" + name + ")");
      continue;
    }
    if (is_builtin_name(name)) {
      file.error(key, "'" + name + "' is a built-in name ($" + name + "); choose another record name");
      continue;
    }
    if (value.IsMap() && value["extends"]) {
      declare_extension(key, value, file, parent, into);
      continue;
    }
    if (auto it = rule_names_.find(name); it != rule_names_.end()) {
      file.error(key, "record rule '" + name + "' is already defined at " +
                          plan_->rules[static_cast<std::size_t>(it->second)].where.str());
      continue;
    }
    if (!value.IsMap()) {
      file.error(value, "records." + name + ": expected a mapping with kind and fields (or records, for a group)");
      continue;
    }
    const int index = static_cast<int>(plan_->rules.size());
    RecordRule rule;
    rule.name = name;
    rule.where = file.at(key);
    rule.parent = parent;
    rule.depth = depth;
    rule.group = static_cast<bool>(value["records"]);
    rule.multi = parent_multi || static_cast<bool>(value["each"]);
    plan_->rules.push_back(std::move(rule));
    rule_nodes_.emplace_back(value, &file);
    rule_names_.emplace(name, index);
    into.push_back(index);
    if (plan_->rules[static_cast<std::size_t>(index)].group) {
      std::vector<int> children;
      declare_rules(value["records"], file, index, depth + 1, plan_->rules[static_cast<std::size_t>(index)].multi,
                    children);
      plan_->rules[static_cast<std::size_t>(index)].children = std::move(children);
    }
  }
}

void Compiler::declare_extension(const YAML::Node& key, const YAML::Node& value, YamlFile& file, int parent,
                                 std::vector<int>& into) {
  const std::string name = key.Scalar();
  const auto base_name = file.scalar(value["extends"], "extends");
  if (!base_name) return;
  const std::string what = "records." + name;
  auto base = rule_names_.find(*base_name);
  if (parent >= 0) {
    file.error(key, what + ": only a rule at the top of 'records' can extend another");
    return;
  }
  if (base == rule_names_.end()) {
    file.error(value["extends"], what + ": extends '" + *base_name +
                                     "', which no included fragment defines (include the fragment first)");
    return;
  }
  const RecordRule& base_rule = plan_->rules[static_cast<std::size_t>(base->second)];
  if (base_rule.group || base_rule.parent >= 0) {
    file.error(value["extends"], what + ": '" + *base_name + "' is not a record rule at the top of its file");
    return;
  }
  if (name == *base_name) {
    // The same name: the base rule itself changes, where it stands; no second record.
    extensions_[base->second].emplace_back(value, &file);
    return;
  }
  if (auto it = rule_names_.find(name); it != rule_names_.end()) {
    file.error(key, "record rule '" + name + "' is already defined at " +
                        plan_->rules[static_cast<std::size_t>(it->second)].where.str());
    return;
  }
  // Another name: a new rule made from the base, which still runs as well.
  const int index = static_cast<int>(plan_->rules.size());
  RecordRule rule;
  rule.name = name;
  rule.where = file.at(key);
  rule.parent = -1;
  rule.multi = base_rule.multi;
  plan_->rules.push_back(std::move(rule));
  rule_nodes_.push_back(rule_nodes_[static_cast<std::size_t>(base->second)]);
  extensions_[index].emplace_back(value, &file);
  rule_names_.emplace(name, index);
  into.push_back(index);
}

void Compiler::compile_extensions(int index, RecordRule& rule, const std::string& what) {
  auto it = extensions_.find(index);
  if (it == extensions_.end()) return;
  for (auto& [node, file] : it->second) {
    file->check_keys(node, what, {"extends", "let", "when", "key", "fields", "remove", "required"});
    if (node["kind"]) file->error(node["kind"], what + ": an extending rule keeps the kind of the rule it extends");
    if (node["each"]) file->error(node["each"], what + ": an extending rule keeps the 'each' of the rule it extends");
  }
  // Lets first, so that the extension's fields and conditions can use them.
  for (auto& [node, file] : it->second) compile_lets(node["let"], *file, rule.spec.lets);
  for (auto& [node, file] : it->second) {
    if (const auto when = node["when"]) rule.spec.when = compile_condition(when, *file, true);
    if (const auto key = node["key"]) {
      if (rule.kind == core::RecordKind::person) {
        file->error(key, what + ": a person has no key: the store finds the person by its identifiers");
      } else if (auto expr = compile_value(key, *file, Target{rule.name + ".key", nullptr, true, false})) {
        rule.key = std::move(*expr);
      }
    }
    if (const auto remove = node["remove"]) {
      for (const std::string& field : file->scalars(remove, "remove").value_or(std::vector<std::string>{})) {
        auto gone = std::find_if(rule.spec.fields.begin(), rule.spec.fields.end(),
                                 [&](const FieldPlan& f) { return f.key == field; });
        if (gone == rule.spec.fields.end()) {
          file->error(remove, what + ": remove: the rule it extends maps no field '" + field + "'");
        } else {
          rule.spec.fields.erase(gone);
        }
      }
    }
    if (const auto fields = node["fields"]) {
      // A field the extension maps replaces the base's field of the same name (the whole of it,
      // for an object or a list); the others are added. Order does not matter: records are
      // written in the canonical model's field order.
      ObjectSpec layer;
      compile_fields(fields, *file, record_type(rule.kind), rule.name, true, layer);
      for (FieldPlan& field : layer.fields) {
        auto same = std::find_if(rule.spec.fields.begin(), rule.spec.fields.end(),
                                 [&](const FieldPlan& f) { return f.key == field.key; });
        if (same != rule.spec.fields.end()) {
          *same = std::move(field);
        } else {
          rule.spec.fields.push_back(std::move(field));
        }
      }
      rule.spec.document_sources = rule.spec.document_sources || layer.document_sources;
    }
    if (const auto required = node["required"]) compile_required(required, *file, record_type(rule.kind), rule.spec);
  }
}

void Compiler::compile_lets(const YAML::Node& node, YamlFile& file, std::vector<LetPlan>& out) {
  for (const auto& [key, value] : file.entries(node, "let")) {
    const std::string name = key.Scalar();
    // A list is alternatives: the first that gives a value, as for a field.
    std::vector<YAML::Node> items;
    if (value.IsSequence()) {
      for (const YAML::Node& item : value) items.push_back(item);
      if (items.empty()) file.error(value, "$" + name + ": the list of alternatives is empty");
    } else {
      items.push_back(value);
    }
    std::vector<ValueExpr> alternatives;
    bool ok = !items.empty();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string what = "$" + name + (items.size() > 1 ? " #" + std::to_string(i + 1) : "");
      auto expr = compile_value(items[i], file, Target{what, nullptr, true, true});
      if (!expr) {
        ok = false;
        continue;
      }
      if (!alternatives.empty() && expr->shape.kind != alternatives.front().shape.kind) {
        file.error(items[i], what + ": gives " + std::string(kind_name(expr->shape.kind)) + ", the first gives " +
                                 std::string(kind_name(alternatives.front().shape.kind)));
        ok = false;
        continue;
      }
      alternatives.push_back(std::move(*expr));
    }
    const int slot = declare_variable(name, key, file);
    if (!ok || slot < 0) continue;
    Variable& variable = variables_[static_cast<std::size_t>(slot)];
    variable.shape = alternatives.front().shape;
    variable.from_document = false;
    for (const ValueExpr& e : alternatives) variable.from_document = variable.from_document || e.from_document;
    LetPlan let{name, slot, std::move(alternatives.front()), {}};
    for (std::size_t i = 1; i < alternatives.size(); ++i) let.otherwise.push_back(std::move(alternatives[i]));
    out.push_back(std::move(let));
  }
}

void Compiler::compile_variables(const YAML::Node& node, YamlFile& file) {
  for (const auto& [key, value] : file.entries(node, "variables")) {
    MappingVariable variable;
    variable.name = key.Scalar();
    variable.where = file.at(key);
    const std::string what = "variables." + variable.name;
    if (!valid_name(variable.name)) {
      file.error(key, "variable name '" + variable.name + "' must be lower-case letters, digits and _ (it is used as $" +
                          variable.name + ")");
      continue;
    }
    if (is_builtin_name(variable.name) || rule_names_.count(variable.name) != 0) {
      file.error(key, "'" + variable.name + "' is already the name of " +
                          (is_builtin_name(variable.name) ? std::string("a built-in") : std::string("a record rule")) +
                          "; choose another name for this variable");
      continue;
    }
    if (const int existing = find_mapping_variable(variable.name); existing >= 0) {
      file.error(key, "variable '" + variable.name + "' is already declared at " +
                          plan_->variables[static_cast<std::size_t>(existing)].where.str());
      continue;
    }
    if (value.IsScalar()) {
      variable.default_value = value.Scalar();  // name: DEFAULT
    } else if (value.IsMap()) {
      if (!file.check_keys(value, what, {"default", "one_of", "description"})) continue;
      if (const auto d = value["default"]; d && !d.IsNull()) variable.default_value = file.scalar(d, "default");
      if (const auto one_of = value["one_of"]) {
        auto values = file.scalars(one_of, "one_of");
        if (!values || values->empty()) {
          file.error(one_of, what + ": one_of lists the values the variable may take");
          continue;
        }
        variable.one_of = std::move(*values);
      }
      if (const auto text = value["description"]) variable.description = file.scalar(text, "description").value_or("");
      if (variable.default_value) {
        if (std::string why = variable.check(*variable.default_value); !why.empty()) {
          file.error(value["default"], what + ": the default " + why);
          continue;
        }
      }
    } else if (!value.IsNull()) {
      file.error(value, what + ": give the default value, or {default: …, one_of: […], description: …}");
      continue;
    }
    plan_->variables.push_back(std::move(variable));
  }
}

int Compiler::find_mapping_variable(const std::string& name) const {
  for (std::size_t i = 0; i < plan_->variables.size(); ++i) {
    if (plan_->variables[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int Compiler::declare_variable(const std::string& name, const YAML::Node& key, YamlFile& file) {
  if (!valid_name(name)) {
    file.error(key, "let name '" + name + "' must be lower-case letters, digits and _ (it is used as $" + name + ")");
    return -1;
  }
  if (is_builtin_name(name) || rule_names_.count(name) != 0 || find_mapping_variable(name) >= 0) {
    file.error(key, "'" + name + "' is already the name of " +
                        (is_builtin_name(name)            ? std::string("a built-in")
                         : rule_names_.count(name) != 0 ? std::string("a record rule")
                                                          : std::string("a variable of the mapping")) +
                        "; choose another name for this value");
    return -1;
  }
  for (const auto& [existing, slot] : scopes_.back()) {
    if (existing == name) {
      file.error(key, "'" + name + "' is already defined in this scope");
      return -1;
    }
  }
  const int slot = static_cast<int>(variables_.size());
  variables_.push_back({name, Shape{}, true});
  scopes_.back().emplace_back(name, slot);
  return slot;
}

const Compiler::Variable* Compiler::find_variable(const std::string& name, int& slot) const {
  for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
    for (const auto& [existing, index] : *scope) {
      if (existing == name) {
        slot = index;
        return &variables_[static_cast<std::size_t>(index)];
      }
    }
  }
  return nullptr;
}

void Compiler::compile_rule(int index, const YAML::Node& node, YamlFile& file) {
  RecordRule& rule = plan_->rules[static_cast<std::size_t>(index)];
  const std::string what = "records." + rule.name;
  if (rule.group) {
    file.check_keys(node, what, {"each", "when", "let", "records"});
  } else {
    file.check_keys(node, what, {"kind", "each", "when", "let", "key", "fields", "required"});
    std::optional<core::RecordKind> kind;
    if (const auto k = node["kind"]) {
      if (auto text = file.scalar(k, "kind")) {
        kind = core::parse_kind(*text);
        if (!kind) {
          std::vector<std::string_view> names;
          for (core::RecordKind each : core::kAllRecordKinds) names.push_back(core::kind_name(each));
          file.error(k, what + ": " + unknown_name_message("record kind", *text, names));
        }
      }
    } else {
      file.error(node, what + ": 'kind' is required (person, encounter, observation …)");
    }
    if (!kind) return;
    rule.kind = *kind;
  }
  current_rule_ = index;
  const bool iterates = static_cast<bool>(node["each"]);
  if (iterates) rule.spec.each = compile_path(node["each"], file);
  if (iterates) ++each_depth_;  // the rule's own values (and a group's rules) see its matches
  push_scope();
  compile_lets(node["let"], file, rule.spec.lets);
  if (const auto when = node["when"]) rule.spec.when = compile_condition(when, file, true);
  if (rule.group) {
    for (int child : rule.children) {
      compile_rule(child, rule_nodes_[static_cast<std::size_t>(child)].first,
                   *rule_nodes_[static_cast<std::size_t>(child)].second);
    }
    current_rule_ = index;
  } else {
    // A key an extension gives replaces the base's, which is then not compiled at all: compiled,
    // it would count among the rules coverage expects to see run, and never run.
    bool key_replaced = false;
    if (auto it = extensions_.find(index); it != extensions_.end()) {
      for (const auto& extension : it->second) key_replaced = key_replaced || static_cast<bool>(extension.first["key"]);
    }
    if (const auto key = node["key"]; key && !key_replaced) {
      if (rule.kind == core::RecordKind::person) {
        file.error(key, what + ": a person has no key: the store finds the person by its identifiers, and other "
                               "records refer to it as $" + rule.name);
      } else {
        auto expr = compile_value(key, file, Target{rule.name + ".key", nullptr, true, false});
        if (expr) rule.key = std::move(*expr);
      }
    }
    if (const auto fields = node["fields"]) {
      compile_fields(fields, file, record_type(rule.kind), rule.name, true, rule.spec);
      if (const auto required = node["required"]) compile_required(required, file, record_type(rule.kind), rule.spec);
    } else {
      file.error(node, what + ": 'fields' is required");
    }
    compile_extensions(index, rule, what);
  }
  pop_scope();
  if (iterates) --each_depth_;
  rule.spec.rule = add_rule_info(what, rule.where);
}

int Compiler::add_rule_info(std::string what, const config::SourceLocation& where) {
  plan_->rule_infos.push_back({std::move(what), where});
  return static_cast<int>(plan_->rule_infos.size()) - 1;
}

}  // namespace kq::mapping::detail
