#include "gateway/config/schema.hpp"

#include <stdexcept>

namespace kq::config {

std::string_view to_string(FieldType type) {
  switch (type) {
    case FieldType::string: return "string";
    case FieldType::integer: return "integer";
    case FieldType::boolean: return "boolean";
    case FieldType::duration: return "duration";
    case FieldType::bytes: return "size";
    case FieldType::path: return "path";
    case FieldType::enumeration: return "enumeration";
    case FieldType::string_list: return "list of strings";
    case FieldType::object: return "mapping";
    case FieldType::object_list: return "list of mappings";
    case FieldType::any: return "any";
  }
  return "unknown";
}

FieldBuilder::FieldBuilder(std::string name, FieldType type, std::string description) {
  field_.name = std::move(name);
  field_.type = type;
  field_.description = std::move(description);
}

FieldBuilder& FieldBuilder::required() {
  field_.required = true;
  return *this;
}

FieldBuilder& FieldBuilder::by_default(std::string yaml_text) {
  field_.default_value = std::move(yaml_text);
  return *this;
}

FieldBuilder& FieldBuilder::range(std::int64_t min, std::int64_t max) {
  field_.min = min;
  field_.max = max;
  return *this;
}

FieldBuilder& FieldBuilder::at_least(std::int64_t min) {
  field_.min = min;
  return *this;
}

FieldBuilder& FieldBuilder::at_most(std::int64_t max) {
  field_.max = max;
  return *this;
}

FieldBuilder& FieldBuilder::one_of(std::vector<std::string> values) {
  field_.enum_values = std::move(values);
  return *this;
}

FieldBuilder& FieldBuilder::members(std::vector<Field> fields) {
  field_.fields = std::move(fields);
  return *this;
}

FieldBuilder& FieldBuilder::must_exist() {
  field_.must_exist = true;
  return *this;
}

SourceLocation location_of(const YAML::Node& node, const std::string& file) {
  SourceLocation where;
  where.file = file;
  if (!node.IsDefined()) return where;
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0 || mark.column < 0) return where;
  where.line = mark.line + 1;
  where.column = mark.column + 1;
  return where;
}

void Block::declare(const std::string& name, FieldType type) { declared_[name] = type; }

void Block::set(const std::string& name, BlockValue value) { values_[name] = std::move(value); }

const BlockValue* Block::find(std::string_view name, std::initializer_list<FieldType> types) const {
  auto declared = declared_.find(name);
  if (declared == declared_.end()) {
    throw std::logic_error("config: the schema has no field '" + std::string(name) + "'");
  }
  bool type_ok = types.size() == 0;
  for (FieldType t : types) type_ok = type_ok || t == declared->second;
  if (!type_ok) {
    throw std::logic_error("config: field '" + std::string(name) + "' is a " +
                           std::string(to_string(declared->second)) + ", read with the wrong getter");
  }
  auto value = values_.find(name);
  return value == values_.end() ? nullptr : &value->second;
}

std::optional<FieldType> Block::type_of(std::string_view name) const {
  auto declared = declared_.find(name);
  if (declared == declared_.end()) return std::nullopt;
  return declared->second;
}

bool Block::has(std::string_view name) const {
  auto found = values_.find(name);
  if (found == values_.end()) return false;
  const BlockValue* v = &found->second;
  // Objects always carry a block of defaults; they only count when written.
  return v->type == FieldType::object || v->type == FieldType::object_list ? v->written : true;
}

bool Block::written(std::string_view name) const {
  auto found = values_.find(name);
  return found != values_.end() && found->second.written;
}

const std::string& Block::get_string(std::string_view name) const {
  static const std::string empty;
  const BlockValue* v = find(name, {FieldType::string, FieldType::path, FieldType::enumeration});
  return v ? v->text : empty;
}

std::int64_t Block::get_int(std::string_view name) const {
  const BlockValue* v = find(name, {FieldType::integer});
  return v ? v->number : 0;
}

bool Block::get_bool(std::string_view name) const {
  const BlockValue* v = find(name, {FieldType::boolean});
  return v ? v->flag : false;
}

std::chrono::milliseconds Block::get_duration(std::string_view name) const {
  const BlockValue* v = find(name, {FieldType::duration});
  return std::chrono::milliseconds{v ? v->number : 0};
}

std::int64_t Block::get_bytes(std::string_view name) const {
  const BlockValue* v = find(name, {FieldType::bytes});
  return v ? v->number : 0;
}

const std::vector<std::string>& Block::get_string_list(std::string_view name) const {
  static const std::vector<std::string> empty;
  const BlockValue* v = find(name, {FieldType::string_list});
  return v ? v->list : empty;
}

const Block& Block::get_object(std::string_view name) const {
  static const Block empty;
  const BlockValue* v = find(name, {FieldType::object});
  return v && !v->blocks.empty() ? v->blocks.front() : empty;
}

const std::vector<Block>& Block::get_object_list(std::string_view name) const {
  static const std::vector<Block> empty;
  const BlockValue* v = find(name, {FieldType::object_list});
  return v ? v->blocks : empty;
}

YAML::Node Block::get_node(std::string_view name) const {
  const BlockValue* v = find(name, {FieldType::any});
  return v ? v->node : YAML::Node(YAML::NodeType::Null);
}

SourceLocation Block::location(std::string_view name) const {
  const BlockValue* v = find(name, {});
  return v && v->written ? v->where : where_;
}

SourceLocation Block::key_location(std::string_view name) const {
  const BlockValue* v = find(name, {});
  return v && v->written ? v->key_where : where_;
}

SourceLocation Block::item_location(std::string_view name, std::size_t index) const {
  const BlockValue* v = find(name, {FieldType::string_list});
  if (v == nullptr || index >= v->list_where.size()) return location(name);
  return v->list_where[index];
}

}  // namespace kq::config
