// Targets: `fields:` keys checked against the canonical model, nested objects, list entries.
#include <algorithm>

#include "gateway/mapping/compiler/compiler.hpp"

namespace kq::mapping::detail {

namespace {

std::vector<std::string> split_path(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t dot = text.find('.', begin);
    parts.push_back(text.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin));
    if (dot == std::string::npos) break;
    begin = dot + 1;
  }
  return parts;
}

bool strip_list_suffix(std::string& key) {
  if (key.size() > 2 && key.compare(key.size() - 2, 2, "[]") == 0) {
    key.resize(key.size() - 2);
    return true;
  }
  return false;
}

FieldPlan* find_field(std::vector<FieldPlan>& fields, const std::string& key) {
  for (FieldPlan& f : fields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::string unknown_field(const ObjectType& type, const std::string& key) {
  return unknown_name_message("field", key, type.keys()) + " (" + std::string(type.name) + " has " +
         [&type] {
           std::string keys;
           for (std::string_view k : type.keys()) keys += (keys.empty() ? "" : ", ") + std::string(k);
           return keys;
         }() +
         ")";
}

// The source paths feeding a field, for "is required but PID-7 has no value".
void collect_sources(const FieldPlan& field, std::vector<std::string>& out) {
  for (const ValueExpr& e : field.values) {
    // A value read per match names its path of matches: "PID-5[*]", not "$family".
    if (e.each) {
      if (std::find(out.begin(), out.end(), e.each->text) == out.end()) out.push_back(e.each->text);
      continue;
    }
    for (const Source& s : e.sources) {
      if (std::find(out.begin(), out.end(), s.text) == out.end()) out.push_back(s.text);
    }
  }
  for (const ObjectSpec& o : field.objects) {
    if (o.each) {
      out.push_back(o.each->text);
      continue;
    }
    for (const FieldPlan& f : o.fields) collect_sources(f, out);
  }
}

bool any_document_source(const std::vector<FieldPlan>& fields) {
  for (const FieldPlan& f : fields) {
    for (const ValueExpr& e : f.values) {
      if (e.from_document) return true;
    }
    for (const ObjectSpec& o : f.objects) {
      if (o.document_sources) return true;
    }
  }
  return false;
}

}  // namespace

void Compiler::compile_fields(const YAML::Node& node, YamlFile& file, const ObjectType& type, const std::string& what,
                              bool record_root, ObjectSpec& spec) {
  const auto entries = file.entries(node, what + ".fields");
  if (entries.empty() && (node.IsNull() || node.IsMap())) file.error(node, what + ": 'fields' maps nothing");
  std::map<std::string, bool> implicit;
  for (const auto& [key, value] : entries) {
    if (record_root && key.Scalar() == "id") {
      file.error(key, what + ": the record id is not mapped: give the record a 'key:' (the source values that "
                             "identify it) and the id is derived from it; persons get a message-local id");
      continue;
    }
    compile_field(key, value, file, type, what, spec.fields, implicit);
  }
  // Objects made implicitly by dotted keys (name.text) take the flag of their own fields.
  for (FieldPlan& f : spec.fields) {
    for (ObjectSpec& o : f.objects) {
      if (o.rule < 0) o.document_sources = any_document_source(o.fields);
    }
  }
  spec.document_sources = any_document_source(spec.fields);
}

void Compiler::compile_field(const YAML::Node& key, const YAML::Node& value, YamlFile& file, const ObjectType& type,
                             const std::string& what, std::vector<FieldPlan>& fields,
                             std::map<std::string, bool>& implicit) {
  const std::vector<std::string> segments = split_path(key.Scalar());
  const ObjectType* current = &type;
  std::vector<FieldPlan>* into = &fields;
  std::string prefix;
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
    std::string segment = segments[i];
    const std::string shown = prefix.empty() ? segment : prefix + "." + segment;
    if (strip_list_suffix(segment)) {
      file.error(key, what + ": " + shown + " is a list; give its entries as " + segment +
                          "[]: {fields: {…}} instead of a path into it");
      return;
    }
    const TargetField* field = current->find(segment);
    if (!field) {
      file.error(key, what + ": " + unknown_field(*current, segment));
      check_unplaced_value(value, file, what + "." + key.Scalar());
      return;
    }
    if (field->list) {
      file.error(key, what + ": " + shown + " is a list; give its entries as " + shown + "[]: {fields: {…}}");
      return;
    }
    if (!field->object) {
      file.error(key, what + ": " + shown + " is " + std::string(leaf_type_name(field->leaf)) + ", not an object");
      return;
    }
    if (!field->object->discriminator.empty()) {
      file.error(key, what + ": " + shown + " has several forms; map it whole: " + shown + ": {fields: {" +
                          std::string(field->object->discriminator) + ": …, …}}");
      return;
    }
    prefix = shown;
    FieldPlan* plan = find_field(*into, segment);
    if (plan && !implicit[prefix]) {
      file.error(key, what + ": " + prefix + " is already mapped as a whole; map " + key.Scalar() + " inside it");
      return;
    }
    if (!plan) {
      FieldPlan created;
      created.key = segment;
      created.target = field;
      created.objects.emplace_back();
      into->push_back(std::move(created));
      plan = &into->back();
      implicit[prefix] = true;
    }
    into = &plan->objects.front().fields;
    current = field->object;
  }
  std::string last = segments.back();
  const bool list_syntax = strip_list_suffix(last);
  const std::string full = prefix.empty() ? last : prefix + "." + last;
  const TargetField* field = current->find(last);
  if (!field) {
    file.error(key, what + ": " + unknown_field(*current, last));
    check_unplaced_value(value, file, what + "." + full);
    return;
  }
  if (field->list && !list_syntax) {
    file.error(key, what + ": " + full + " is a list: write " + full + "[] (each entry below appends to it)");
    return;
  }
  if (!field->list && list_syntax) {
    file.error(key, what + ": " + full + " is not a list: write " + full);
    return;
  }
  if (find_field(*into, last)) {
    file.error(key, what + ": " + full + " is mapped twice");
    return;
  }
  FieldPlan plan;
  plan.key = last;
  plan.target = field;
  // Kept even when its value did not compile (the plan is discarded then anyway), so that
  // `required:` does not add "nothing maps it" to the real error.
  (void)compile_field_value(value, file, *field, what + "." + full + (field->list ? "[]" : ""), plan);
  into->push_back(std::move(plan));
  implicit[full] = false;
}

void Compiler::check_unplaced_value(const YAML::Node& node, YamlFile& file, const std::string& what) {
  // The field is unknown, so there is nothing to convert to; its sources and steps are still
  // compiled, so that a slip in them is reported now rather than after the name is fixed.
  // Objects ({fields: …}) are left alone: their fields depend on the type the name would have.
  const auto check = [&](const YAML::Node& item) {
    const bool value_spec = item.IsScalar() || (item.IsMap() && !item["fields"]);
    if (value_spec) (void)compile_value(item, file, Target{what, nullptr, true, false});
  };
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) check(item);
  } else {
    check(node);
  }
}

bool Compiler::compile_field_value(const YAML::Node& node, YamlFile& file, const TargetField& field,
                                   const std::string& what, FieldPlan& plan) {
  std::vector<YAML::Node> items;
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) items.push_back(item);
    if (items.empty()) file.error(node, what + ": the list is empty");
  } else {
    items.push_back(node);
  }
  const bool alternatives = items.size() > 1;
  std::size_t n = 0;
  for (const YAML::Node& item : items) {
    ++n;
    const std::string label = alternatives ? what + " #" + std::to_string(n) : what;
    if (!field.object) {
      if (auto expr = compile_value(item, file, Target{label, &field, field.list, false})) plan.values.push_back(std::move(*expr));
      continue;
    }
    const bool object_spec = item.IsMap() && static_cast<bool>(item["fields"]);
    if (object_spec) {
      if (auto spec = compile_object(item, file, *field.object, label, field.list, false)) {
        plan.objects.push_back(std::move(*spec));
      }
      continue;
    }
    const bool value_spec = (item.IsMap() && (item["from"] || item["value"])) ||
                            (item.IsScalar() && !item.Scalar().empty() && item.Scalar()[0] == '$');
    if (value_spec && field.object == &coding_type() && !field.list) {
      if (auto expr = compile_value(item, file, Target{label, &field, false, false})) plan.values.push_back(std::move(*expr));
      continue;
    }
    const std::string first_key(field.object->fields.empty() ? "…" : field.object->fields.front().key);
    file.error(item, what + " is " + std::string(field.object->name) + ": give {fields: {" + first_key + ": …}}" +
                         (field.object == &coding_type() ? ", or {from: …, then: [{lookup: …}]}" : ""));
  }
  return !plan.values.empty() || !plan.objects.empty();
}

std::optional<ObjectSpec> Compiler::compile_object(const YAML::Node& node, YamlFile& file, const ObjectType& type,
                                                   const std::string& what, bool element, bool record_root) {
  if (depth_ > 24) {
    file.error(node, what + ": objects are nested too deeply");
    return std::nullopt;
  }
  if (element) {
    if (!file.check_keys(node, what, {"each", "when", "let", "fields", "required"})) return std::nullopt;
  } else if (!file.check_keys(node, what, {"when", "let", "fields", "required"})) {
    return std::nullopt;
  }
  ++depth_;
  ObjectSpec spec;
  const bool iterates = element && node["each"];
  if (iterates) spec.each = compile_path(node["each"], file);
  if (iterates) ++each_depth_;
  push_scope();
  compile_lets(node["let"], file, spec.lets);
  if (const auto when = node["when"]) spec.when = compile_condition(when, file, true);
  const ObjectType* actual = &type;
  const YAML::Node fields = node["fields"];
  if (!type.discriminator.empty()) {
    const YAML::Node tag = fields.IsMap() ? fields[std::string(type.discriminator)] : YAML::Node();
    std::vector<std::string_view> tags;
    for (const auto& [name, variant] : type.variants) tags.push_back(name);
    const bool tagged = tag.IsDefined() && tag.IsScalar();
    actual = tagged ? type.variant(tag.Scalar()) : nullptr;
    if (!actual) {
      file.error(tagged ? tag : node, what + ": " +
                     (tagged ? unknown_name_message(std::string(type.discriminator), tag.Scalar(), tags)
                                     : "'" + std::string(type.discriminator) + "' is required, one of quantity, "
                                                                               "coded, string, boolean, integer"));
    }
  }
  if (actual) {
    compile_fields(fields, file, *actual, what, record_root, spec);
    if (const auto required = node["required"]) compile_required(required, file, *actual, spec);
  }
  pop_scope();
  if (iterates) --each_depth_;
  --depth_;
  if (!actual) return std::nullopt;
  spec.rule = add_rule_info(what, file.at(node));
  return spec;
}

void Compiler::compile_required(const YAML::Node& node, YamlFile& file, const ObjectType& type, ObjectSpec& spec) {
  const auto paths = file.scalars(node, "required");
  if (!paths) return;
  for (std::size_t i = 0; i < paths->size(); ++i) {
    const YAML::Node at = node.IsSequence() ? node[i] : node;
    std::string text = (*paths)[i];
    std::string plain = text;
    strip_list_suffix(plain);
    RequiredPlan required;
    required.path = plain;
    required.keys = split_path(plain);
    const ObjectType* current = &type;
    std::vector<FieldPlan>* fields = &spec.fields;
    FieldPlan* mapped = nullptr;
    bool ok = true;
    for (std::size_t k = 0; k < required.keys.size() && ok; ++k) {
      const TargetField* field = current ? current->find(required.keys[k]) : nullptr;
      if (!field) {
        file.error(at, "required: " + (current ? unknown_field(*current, required.keys[k]) : text + " is not an object"));
        ok = false;
        break;
      }
      const bool last = k + 1 == required.keys.size();
      if (!last && (field->list || !field->object)) {
        file.error(at, "required: " + text + " does not name a field inside an object");
        ok = false;
        break;
      }
      current = field->object;
      if (!fields) continue;  // inside alternatives: checked when the record is made
      FieldPlan* plan = find_field(*fields, required.keys[k]);
      if (!plan) {
        file.error(at, "required: " + text + " is required but nothing in fields maps it");
        ok = false;
        break;
      }
      mapped = plan;
      fields = mapped->objects.size() == 1 ? &mapped->objects.front().fields : nullptr;
    }
    if (!ok) continue;
    std::vector<std::string> sources;
    if (mapped) collect_sources(*mapped, sources);
    for (std::size_t s = 0; s < sources.size() && s < 3; ++s) {
      required.sources += (s == 0 ? "" : " or ") + sources[s];
    }
    spec.required.push_back(std::move(required));
  }
}

}  // namespace kq::mapping::detail
