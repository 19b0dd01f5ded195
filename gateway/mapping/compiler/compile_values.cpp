// Values: constants, `from:` sources, `then:` chains, and the conditions of `when:` / `match:`.
#include <algorithm>

#include "gateway/core/identifier_systems.hpp"
#include "gateway/mapping/compiler/compiler.hpp"

namespace kq::mapping::detail {

namespace {

bool is_name_ref(const YAML::Node& node) { return node.IsScalar() && !node.Scalar().empty() && node.Scalar()[0] == '$'; }

bool is_step_named(const YAML::Node& step, std::string_view name) {
  if (step.IsScalar()) return step.Scalar() == name;
  return step.IsMap() && step.size() == 1 && step.begin()->first.IsScalar() && step.begin()->first.Scalar() == name;
}

std::string step_name(const YAML::Node& step) {
  if (step.IsScalar()) return step.Scalar();
  if (step.IsMap() && step.size() == 1 && step.begin()->first.IsScalar()) return step.begin()->first.Scalar();
  return {};
}

// Whether a value of `kind` may be written into a leaf of `type` (text is converted at run time
// and may still fail there, with the sender's value in the message).
bool assignable(LeafType type, Kind kind) {
  switch (type) {
    case LeafType::text: return true;
    case LeafType::code: return kind == Kind::text || kind == Kind::coding || kind == Kind::number;
    case LeafType::id: return kind == Kind::text;
    case LeafType::identifier_system:
    case LeafType::code_system: return kind == Kind::text || kind == Kind::coding;
    case LeafType::number:
    case LeafType::integer: return kind == Kind::number || kind == Kind::text;
    case LeafType::boolean: return kind == Kind::boolean || kind == Kind::text;
    case LeafType::date: return kind == Kind::date || kind == Kind::datetime || kind == Kind::text;
    case LeafType::datetime: return kind == Kind::datetime || kind == Kind::text;
  }
  return false;
}

std::string article(std::string_view word) {
  const bool vowel = !word.empty() && std::string_view("aeiou").find(word[0]) != std::string_view::npos;
  return std::string(vowel ? "an " : "a ") + std::string(word);
}

}  // namespace

std::optional<ValueExpr> Compiler::compile_value(const YAML::Node& node, YamlFile& file, const Target& target) {
  ValueExpr expr;
  std::vector<YAML::Node> steps;
  if (node.IsNull() || !node.IsDefined()) {
    file.error(node, target.what + ": no value given");
    return std::nullopt;
  }
  if (node.IsScalar()) {
    if (is_name_ref(node)) {
      auto source = compile_source_ref(node, file, true);
      if (!source) return std::nullopt;
      expr.sources.push_back(std::move(*source));
    } else {
      // Plain text is a constant; an XPath or a JSON pointer written as one is a slip that
      // would put the path itself into the record.
      if ((source_format_ == "xml" || source_format_ == "json") && node.Scalar()[0] == '/' && target.field) {
        file.error(node, target.what + ": '" + node.Scalar() + "' looks like a path but is written as a constant; "
                                       "write {from: " + node.Scalar() + "} to read it, or {value: …} to keep the text");
        return std::nullopt;
      }
      auto constant = constant_for(node, file, target, node.Scalar());
      if (!constant) return std::nullopt;
      expr.constant = std::move(constant);
    }
  } else if (node.IsMap()) {
    if (!file.check_keys(node, target.what, {"each", "let", "when", "from", "value", "then"})) return std::nullopt;
    const YAML::Node from = node["from"];
    const YAML::Node value = node["value"];
    if (static_cast<bool>(from) == static_cast<bool>(value)) {
      file.error(node, target.what + ": give either 'from' (source paths) or 'value' (a constant)");
      return std::nullopt;
    }
    if (const auto each = node["each"]) {
      if (value) {
        file.error(each, target.what + ": 'each' reads the value from every match of a path: give 'from', not 'value'");
        return std::nullopt;
      }
      expr.each = compile_path(each, file);
      if (!expr.each) return std::nullopt;
      if (expr.each->type == SourceType::current) {
        file.error(each, target.what + ": 'each' needs a path that repeats (PID-5[*]), not '.'");
        return std::nullopt;
      }
    }
    // The value's own names and its each: scope its `let`, `when` and `from`, and nothing else.
    struct Scope {
      Compiler& compiler;
      bool each;
      Scope(Compiler& c, bool e) : compiler(c), each(e) {
        compiler.push_scope();
        if (each) ++compiler.each_depth_;
      }
      ~Scope() {
        compiler.pop_scope();
        if (each) --compiler.each_depth_;
      }
    } scope(*this, expr.each.has_value());
    compile_lets(node["let"], file, expr.lets);
    if (const auto t = node["then"]) {
      if (t.IsSequence()) {
        for (const YAML::Node& step : t) steps.push_back(step);
      } else {
        steps.push_back(t);  // a single step need not be wrapped in a list
      }
    }
    if (value) {
      auto text = file.scalar(value, "value");
      if (!text) return std::nullopt;
      // With steps the constant is text that the steps work on; without (`then: []` too), it is
      // the final value, converted for its target here once.
      auto constant = steps.empty() ? constant_for(value, file, target, *text) : std::optional<Value>(Value(*text, ""));
      if (!constant) return std::nullopt;
      expr.constant = std::move(constant);
    } else if (from.IsSequence()) {
      if (from.size() == 0) file.error(from, target.what + ": 'from' lists no source");
      for (const YAML::Node& item : from) {
        if (auto source = compile_source_ref(item, file, true)) expr.sources.push_back(std::move(*source));
      }
      if (expr.sources.size() != from.size()) return std::nullopt;
    } else {
      auto source = compile_source_ref(from, file, true);
      if (!source) return std::nullopt;
      expr.sources.push_back(std::move(*source));
    }
    if (const auto when = node["when"]) {
      expr.when = compile_condition(when, file, true);
      if (!expr.when) return std::nullopt;
    }
  } else {
    file.error(node, target.what + ": expected a constant, a $name or {from: …, then: […]}");
    return std::nullopt;
  }

  const bool combines = std::any_of(steps.begin(), steps.end(), [](const YAML::Node& s) { return is_step_named(s, "join"); });
  expr.first_only = !target.list && !combines;
  expr.first_match = target.field && !target.list;
  // A let keeps every value of its source (a repeated field), but of several sources only the
  // first that has a value, as a field does: {from: [$sender_org, MSH-4.1]} is one hospital.
  expr.first_source = target.let ? !combines : expr.first_only;
  Shape shape;
  if (expr.constant) {
    shape.kind = expr.constant->kind();
    expr.from_document = false;
  } else {
    shape = shape_of(expr.sources.front());
    expr.from_document = false;
    for (const Source& s : expr.sources) {
      const Shape other = shape_of(s);
      if (other.kind != shape.kind) {
        file.error(node, target.what + ": the sources give different kinds of value (" +
                             std::string(kind_name(shape.kind)) + " and " + std::string(kind_name(other.kind)) + ")");
        return std::nullopt;
      }
      expr.from_document = expr.from_document || s.from_document;
    }
  }
  if (expr.each) expr.from_document = true;  // read per match of a path of the document
  for (const Source& s : expr.sources) {
    if (s.type == SourceType::record && s.multi && target.field && !target.list) {
      file.error(node, target.what + ": " + s.text + " may be several records here (its rule, or a group around "
                                                     "it, has each:); to refer to the one made from the same "
                                                     "repetition, put both rules in one group with that each:");
      return std::nullopt;
    }
  }
  shape.list = !expr.first_only;
  StepCompiler step_compiler{file, options_.value_sets.get(), [this](std::shared_ptr<const ValueSet> set) {
                               auto& sets = plan_->value_sets;
                               if (std::find(sets.begin(), sets.end(), set) == sets.end()) sets.push_back(std::move(set));
                             }};
  std::string last;
  bool ok = true;
  for (const YAML::Node& step : steps) {
    auto compiled = compile_step(step, shape, step_compiler);
    if (!compiled) {
      ok = false;
      break;  // the shape after a failed step is unknown: later steps would only add noise
    }
    expr.steps.push_back(std::move(compiled));
    last = step_name(step);
  }
  if (!ok) return std::nullopt;
  if (target.field && !target.list && shape.list) {
    file.error(node, target.what + ": gives several values here (after '" + last +
                         "'); join them ({join: \", \"}) or map into a list field");
    return std::nullopt;
  }
  if (target.field && !check_assignable(node, file, target, shape, last)) return std::nullopt;
  expr.shape = shape;
  expr.rule = add_rule_info(target.what, file.at(node));
  return expr;
}

bool Compiler::check_assignable(const YAML::Node& node, YamlFile& file, const Target& target, const Shape& shape,
                                const std::string& last_step) {
  const TargetField& field = *target.field;
  const std::string after = last_step.empty() ? "" : " (after '" + last_step + "')";
  if (field.object) {
    if (field.object == &coding_type() && shape.kind == Kind::coding) return true;
    file.error(node, target.what + " is " + article(field.object->name) + "; map its fields (" + target.what +
                         "." + std::string(field.object->fields.front().key) + ")" +
                         (field.object == &coding_type() ? " or give it a lookup" : "") + ", not " +
                         article(kind_name(shape.kind)) + after);
    return false;
  }
  if (assignable(field.leaf, shape.kind)) return true;
  file.error(node, target.what + " is " + article(leaf_type_name(field.leaf)) + "; " + article(kind_name(shape.kind)) +
                       " cannot go there" + after);
  return false;
}

std::optional<Value> Compiler::constant_for(const YAML::Node& node, YamlFile& file, const Target& target,
                                            const std::string& text) {
  Value v(text, "");
  if (!target.field || target.field->object) return v;
  std::string error;
  switch (target.field->leaf) {
    case LeafType::text:
    case LeafType::code:
    case LeafType::id: return v;
    case LeafType::identifier_system:
    case LeafType::code_system: {
      auto uri = resolve_system(target.field->leaf == LeafType::identifier_system, text, error);
      if (!uri) break;
      v.payload = std::move(*uri);
      return v;
    }
    case LeafType::number:
    case LeafType::integer: {
      double n = 0;
      if (!text_to_number(text, n, error)) break;
      if (target.field->leaf == LeafType::integer && n != static_cast<double>(static_cast<long long>(n))) {
        error = "'" + text + "' is not a whole number";
        break;
      }
      v.payload = n;
      v.integral = target.field->leaf == LeafType::integer;
      return v;
    }
    case LeafType::boolean: {
      bool b = false;
      if (!text_to_boolean(text, b, error)) break;
      v.payload = b;
      return v;
    }
    case LeafType::date: {
      auto d = core::PartialDate::parse(text);
      if (!d) {
        error = d.error();
        break;
      }
      v.payload = *d;
      return v;
    }
    case LeafType::datetime: {
      auto d = core::DateTime::parse(text);
      if (!d) {
        error = d.error();
        break;
      }
      v.payload = *d;
      return v;
    }
  }
  file.error(node, target.what + ": " + error);
  return std::nullopt;
}

Shape Compiler::shape_of(const Source& source) const {
  switch (source.type) {
    case SourceType::path: return {Kind::text, true};
    case SourceType::current: return {Kind::text, false};
    case SourceType::variable: return variables_[static_cast<std::size_t>(source.index)].shape;
    case SourceType::record: return {Kind::text, source.multi};
    case SourceType::sender_org:
    case SourceType::mapping_variable: return {Kind::text, false};
    case SourceType::received_at: return {Kind::datetime, false};
  }
  return {};
}

std::optional<Source> Compiler::compile_source_ref(const YAML::Node& node, YamlFile& file, bool allow_variables) {
  if (!is_name_ref(node)) return compile_path(node, file);
  const std::string name = node.Scalar().substr(1);
  if (!allow_variables) {
    file.error(node, "$" + name + ": source.match sees only the document; use a path here");
    return std::nullopt;
  }
  Source source;
  source.text = node.Scalar();
  if (name == "sender_org" || name == "received_at") {
    source.type = name == "sender_org" ? SourceType::sender_org : SourceType::received_at;
    source.from_document = false;
    return source;
  }
  int slot = -1;
  if (const Variable* variable = find_variable(name, slot)) {
    source.type = SourceType::variable;
    source.index = slot;
    // Only a path of the record's own makes it "from the document": a record made of context
    // values alone ($hospital, $patient) is not made (see ObjectSpec in plan.hpp).
    source.from_document = false;
    source.multi = variable->shape.list;
    return source;
  }
  if (auto it = rule_names_.find(name); it != rule_names_.end()) {
    const int r = it->second;
    const RecordRule& referred = plan_->rules[static_cast<std::size_t>(r)];
    if (current_rule_ < 0 || r >= current_rule_) {
      file.error(node, "$" + name + ": record '" + name + "' is made after this point; a $record can only refer to "
                                   "records listed above it");
      return std::nullopt;
    }
    if (referred.group) {
      file.error(node, "$" + name + " is a group of records, not a record; refer to a record inside it");
      return std::nullopt;
    }
    auto ancestors = [this](int rule) {
      std::vector<int> chain;
      for (int p = plan_->rules[static_cast<std::size_t>(rule)].parent; p >= 0;
           p = plan_->rules[static_cast<std::size_t>(p)].parent) {
        chain.insert(chain.begin(), p);
      }
      return chain;
    };
    const std::vector<int> mine = ancestors(current_rule_);
    const std::vector<int> theirs = ancestors(r);
    std::size_t shared = 0;
    while (shared < mine.size() && shared < theirs.size() && mine[shared] == theirs[shared]) ++shared;
    bool multi = referred.spec.each.has_value();
    for (std::size_t i = shared; i < theirs.size(); ++i) {
      multi = multi || plan_->rules[static_cast<std::size_t>(theirs[i])].spec.each.has_value();
    }
    plan_->rules[static_cast<std::size_t>(r)].referenced = true;
    source.type = SourceType::record;
    source.index = r;
    source.shared_depth = static_cast<int>(shared);
    source.multi = multi;
    source.from_document = false;
    return source;
  }
  if (const int v = find_mapping_variable(name); v >= 0) {
    source.type = SourceType::mapping_variable;
    source.index = v;
    source.from_document = false;
    return source;
  }
  std::vector<std::string_view> names = {"sender_org", "received_at"};
  for (const auto& scope : scopes_) {
    for (const auto& [n, s] : scope) names.push_back(n);
  }
  for (const auto& [n, r] : rule_names_) names.push_back(n);
  for (const MappingVariable& v : plan_->variables) names.push_back(v.name);
  file.error(node, unknown_name_message("name", name, names) + " ($name is a let value, a record above, a "
                                                              "variable of the mapping, $sender_org or $received_at)");
  return std::nullopt;
}

std::optional<Source> Compiler::compile_path(const YAML::Node& node, YamlFile& file) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    file.error(node, "expected a source path of format " + source_format_);
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  if (text[0] == '$') {
    file.error(node, text + ": a source path is needed here, not a $name");
    return std::nullopt;
  }
  Source source;
  source.text = text;
  source.multi = true;
  if (text == ".") {
    if (each_depth_ == 0) {
      // Outside an each: there is no current match, so `.` would never give a value.
      file.error(node, "'.' is the current match of an each:, and there is no each: around it here; give a path");
      return std::nullopt;
    }
    source.type = SourceType::current;
    source.multi = false;
    return source;
  }
  if (auto it = paths_.find(text); it != paths_.end()) {
    source.path = it->second;
    return source;
  }
  // Fixed-width fields are declared by the mapping itself, so their names can be checked here.
  if (source_format_ == "fixed" && text.find_first_of("[]/.*@ ") == std::string::npos && text != "records") {
    const auto& fields = plan_->parse_options.fixed_fields;
    const bool declared = std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.name == text; });
    if (!declared) {
      std::vector<std::string_view> names;
      for (const auto& f : fields) names.push_back(f.name);
      file.error(node, unknown_name_message("layout field", text, names));
      return std::nullopt;
    }
  }
  std::string error;
  std::unique_ptr<formats::Path> path = plan_->format->compile_path(text, error);
  if (!path) {
    file.error(node, text + ": " + (error.empty() ? "not a valid " + source_format_ + " path" : error));
    return std::nullopt;
  }
  source.path = std::shared_ptr<const formats::Path>(std::move(path));
  paths_.emplace(text, source.path);
  plan_->paths.push_back(source.path);
  return source;
}

std::optional<Condition> Compiler::compile_condition(const YAML::Node& node, YamlFile& file, bool allow_variables) {
  if (!node.IsMap() || node.size() == 0) {
    file.error(node, "a condition is a mapping of path: value (MSH-9.1: ADT), with any:, all: or not: to combine");
    return std::nullopt;
  }
  if (++depth_ > 32) {
    file.error(node, "conditions are nested too deeply");
    --depth_;
    return std::nullopt;
  }
  Condition all;
  all.op = Condition::Op::all;
  bool ok = true;
  for (const auto& [key, value] : file.entries(node, "condition")) {
    const std::string& k = key.Scalar();
    if (k == "any" || k == "all") {
      Condition group;
      group.op = k == "any" ? Condition::Op::any : Condition::Op::all;
      if (!value.IsSequence() || value.size() == 0) {
        file.error(value, k + ": expected a list of conditions");
        ok = false;
        continue;
      }
      for (const YAML::Node& item : value) {
        auto child = compile_condition(item, file, allow_variables);
        if (child) group.children.push_back(std::move(*child));
        ok = ok && child.has_value();
      }
      all.children.push_back(std::move(group));
    } else if (k == "not") {
      auto child = compile_condition(value, file, allow_variables);
      if (!child) {
        ok = false;
        continue;
      }
      Condition negate;
      negate.op = Condition::Op::negate;
      negate.children.push_back(std::move(*child));
      all.children.push_back(std::move(negate));
    } else {
      auto test = compile_test(key, value, file, allow_variables);
      if (test) all.children.push_back(std::move(*test));
      ok = ok && test.has_value();
    }
  }
  --depth_;
  if (!ok) return std::nullopt;
  if (all.children.size() == 1) return std::move(all.children.front());
  return all;
}

std::optional<Condition> Compiler::compile_test(const YAML::Node& key, const YAML::Node& test, YamlFile& file,
                                                bool allow_variables) {
  Condition c;
  auto source = compile_source_ref(key, file, allow_variables);
  if (!source) return std::nullopt;
  c.source = std::move(*source);
  const std::string what = key.Scalar();
  if (test.IsNull()) {
    file.error(key, what + ": give the value to compare with, a list of values, or {exists: true}");
    return std::nullopt;
  }
  if (test.IsScalar() || test.IsSequence()) {
    auto values = file.scalars(test, what);
    if (!values) return std::nullopt;
    c.op = Condition::Op::equals;
    c.values = std::move(*values);
    return c;
  }
  if (!file.check_keys(test, what, {"exists", "not", "matches", "script"})) return std::nullopt;
  if (test.size() != 1) {
    file.error(test, what + ": give one test (exists, not, matches or script); combine tests with all:");
    return std::nullopt;
  }
  if (const auto exists = test["exists"]) {
    auto flag = file.boolean(exists, "exists");
    if (!flag) return std::nullopt;
    c.op = Condition::Op::exists;
    c.expect = *flag;
  } else if (const auto negated = test["not"]) {
    auto values = file.scalars(negated, what);
    if (!values) return std::nullopt;
    c.op = Condition::Op::equals;
    c.values = std::move(*values);
    c.expect = false;
  } else if (const auto matches = test["matches"]) {
    auto pattern = file.scalar(matches, "matches");
    if (!pattern) return std::nullopt;
    try {
      if (pattern->size() > 1000) throw std::regex_error(std::regex_constants::error_complexity);
      c.regex = std::make_shared<const std::regex>(*pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      file.error(matches, what + ": invalid regular expression '" + *pattern + "': " + e.what());
      return std::nullopt;
    }
    c.op = Condition::Op::matches;
    c.pattern = *pattern;
  } else if (const auto script = test["script"]) {
    auto names = file.scalars(script, "script");
    if (!names || names->empty()) {
      file.error(script, what + ": script names han or latin (or a list of them)");
      return std::nullopt;
    }
    for (const std::string& name : *names) {
      const std::optional<Script> parsed = parse_script(name);
      if (!parsed) {
        file.error(script, what + ": " + unknown_name_message("script", name, script_names()));
        return std::nullopt;
      }
      c.scripts |= script_bit(*parsed);
    }
    c.op = Condition::Op::script;
    c.values = std::move(*names);
  }
  return c;
}

}  // namespace kq::mapping::detail
