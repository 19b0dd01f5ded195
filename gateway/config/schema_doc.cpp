// Markdown rendering of Field tables. The gateway's reference documentation and plugin READMEs
// are generated from the same tables the validator uses, so they cannot disagree.
#include <string>

#include "gateway/config/schema.hpp"
#include "gateway/config/values.hpp"

namespace kq::config {

namespace {

std::string escape_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    if (c == '\n') {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

std::string bound(FieldType type, std::int64_t v) {
  if (type == FieldType::duration) return format_duration_ms(v);
  if (type == FieldType::bytes) return format_bytes(v);
  return std::to_string(v);
}

std::string range_text(const Field& f) {
  if (!f.min && !f.max) return "";
  const bool counts = f.type == FieldType::string_list || f.type == FieldType::object_list;
  // Lists are bounded by their number of items: "at least 1 item", "1 to 3 items".
  auto items = [&](std::int64_t last) { return counts ? (last == 1 ? " item" : " items") : ""; };
  if (f.min && f.max) return bound(f.type, *f.min) + " to " + bound(f.type, *f.max) + items(*f.max);
  if (f.min) return "at least " + bound(f.type, *f.min) + items(*f.min);
  return "at most " + bound(f.type, *f.max) + items(*f.max);
}

std::string child_path(const std::string& path, const Field& f) {
  const std::string name = f.type == FieldType::object_list ? f.name + "[]" : f.name;
  return path.empty() ? name : path + "." + name;
}

std::string type_cell(const Field& f, const std::string& path) {
  std::string out;
  if (f.type == FieldType::enumeration) {
    out = "one of ";
    for (std::size_t i = 0; i < f.enum_values.size(); ++i) {
      out += (i == 0 ? "`" : ", `") + f.enum_values[i] + "`";
    }
  } else {
    out = std::string(to_string(f.type));
  }
  if (const std::string range = range_text(f); !range.empty()) out += ", " + range;
  if (f.must_exist) out += ", must exist";
  if (f.type == FieldType::object || f.type == FieldType::object_list) {
    out += ", see `" + child_path(path, f) + "`";
  }
  return out;
}

std::string default_cell(const Field& f) {
  if (f.required) return "**required**";
  if (f.default_value) return f.default_value->empty() ? "`\"\"`" : "`" + *f.default_value + "`";
  return "";
}

void render(const std::vector<Field>& fields, const std::string& path, std::string& out) {
  out += "### " + (path.empty() ? std::string("Top level") : "`" + path + "`") + "\n\n";
  out += "| Key | Type | Default | Description |\n";
  out += "|---|---|---|---|\n";
  for (const Field& f : fields) {
    out += "| `" + f.name + "` | " + escape_cell(type_cell(f, path)) + " | " + escape_cell(default_cell(f)) + " | " +
           escape_cell(f.description) + " |\n";
  }
  out += "\n";
  for (const Field& f : fields) {
    if ((f.type == FieldType::object || f.type == FieldType::object_list) && !f.fields.empty()) {
      render(f.fields, child_path(path, f), out);
    }
  }
}

}  // namespace

std::string describe_fields_markdown(const std::vector<Field>& fields, const std::string& path) {
  std::string out;
  render(fields, path, out);
  return out;
}

}  // namespace kq::config
