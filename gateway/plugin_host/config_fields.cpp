#include "gateway/plugin_host/config_fields.hpp"

namespace kq::plugin_host {

namespace {

config::FieldType to_config_type(kq_field_type type) {
  switch (type) {
    case KQ_FIELD_STRING: return config::FieldType::string;
    case KQ_FIELD_INT: return config::FieldType::integer;
    case KQ_FIELD_BOOL: return config::FieldType::boolean;
    case KQ_FIELD_DURATION: return config::FieldType::duration;
    case KQ_FIELD_BYTES: return config::FieldType::bytes;
    case KQ_FIELD_PATH: return config::FieldType::path;
    case KQ_FIELD_ENUM: return config::FieldType::enumeration;
    case KQ_FIELD_STRING_LIST: return config::FieldType::string_list;
  }
  return config::FieldType::string;
}

}  // namespace

std::vector<config::Field> to_config_fields(const std::vector<FieldSpec>& specs) {
  std::vector<config::Field> fields;
  fields.reserve(specs.size());
  for (const FieldSpec& s : specs) {
    config::Field f;
    f.name = s.name;
    f.type = to_config_type(s.type);
    f.required = s.required;
    if (s.has_default) f.default_value = s.default_value;
    f.description = s.description;
    if (s.has_range) {
      f.min = s.min;
      f.max = s.max;
    }
    f.enum_values = s.enum_values;
    fields.push_back(std::move(f));
  }
  return fields;
}

}  // namespace kq::plugin_host
