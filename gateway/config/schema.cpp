#include "gateway/config/schema.hpp"

#include <algorithm>
#include <cstddef>
#include <system_error>

#include "gateway/config/values.hpp"

namespace kq::config {

namespace {

std::string describe_node(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "an empty value";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return quote_found(node.Scalar());
}

// "an integer", "a duration such as ...": the phrase after "expected".
std::string expectation(const Field& field) {
  switch (field.type) {
    case FieldType::string: return "a string";
    case FieldType::integer: return "an integer";
    case FieldType::boolean: return "true or false";
    case FieldType::duration: return "a duration such as 250ms, 5s, 2m or 1h";
    case FieldType::bytes: return "a size such as 512, 64KiB, 16MiB or 1GiB";
    case FieldType::path: return "a path";
    case FieldType::enumeration: {
      std::string out = "one of ";
      for (std::size_t i = 0; i < field.enum_values.size(); ++i) {
        out += (i == 0 ? "" : ", ") + field.enum_values[i];
      }
      return out;
    }
    case FieldType::string_list: return "a list of strings";
    case FieldType::object: return "a mapping";
    case FieldType::object_list: return "a list of mappings";
    case FieldType::any: return "a value";
  }
  return "a value";
}

std::string join_path(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}

std::string format_bound(FieldType type, std::int64_t v) {
  if (type == FieldType::duration) return format_duration_ms(v);
  if (type == FieldType::bytes) return format_bytes(v);
  return std::to_string(v);
}

class Validator {
 public:
  Validator(const BlockContext& context, std::vector<ConfigError>& errors) : context_(context), errors_(errors) {}

  // `report_missing` is false when building the defaults of an object that was not written, so
  // that an absent optional `tls:` does not complain about its required `certificate`.
  Block mapping(const YAML::Node& node, const std::vector<Field>& fields, const SourceLocation& where,
                const std::string& path, bool report_missing) {
    Block block(where);
    for (const Field& f : fields) block.declare(f.name, f.type);
    const bool usable = !node.IsDefined() || node.IsNull() || node.IsMap();
    if (!usable) {
      error(where, "expected a mapping, found " + describe_node(node));
      report_missing = false;  // one error for the block is enough
    }
    std::map<std::string, SourceLocation, std::less<>> seen;
    if (node.IsMap()) {
      for (const auto& entry : node) {
        const SourceLocation key_where = here(entry.first);
        if (!entry.first.IsScalar()) {
          error(key_where, "expected a key name, found " + describe_node(entry.first));
          continue;
        }
        const std::string& key = entry.first.Scalar();
        if (auto [it, inserted] = seen.emplace(key, key_where); !inserted) {
          error(key_where, "duplicate key '" + key + "' (first at line " + std::to_string(it->second.line) + ")");
          continue;
        }
        auto field = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.name == key; });
        if (field == fields.end()) {
          unknown_key(key, key_where, fields);
          continue;
        }
        block.mark_present(key);
        // An empty value ("port:") has a mark past the key, often on the next line: report it at
        // the key. A written null ("port: ~") has a proper mark on the key's line.
        SourceLocation value_where = here(entry.second);
        if (entry.second.IsNull() && value_where.line != key_where.line) value_where = key_where;
        if (std::optional<BlockValue> v = value(*field, entry.second, value_where, join_path(path, key))) {
          v->written = true;
          v->key_where = key_where;
          block.set(key, std::move(*v));
        }
      }
    }
    for (const Field& f : fields) {
      if (seen.count(f.name) && block.written(f.name)) continue;
      if (f.required && report_missing && !seen.count(f.name)) {
        error(where, "missing required key '" + f.name + "'" + (path.empty() ? "" : " in " + path));
      }
      absent(block, f, where, join_path(path, f.name));
    }
    return block;
  }

 private:
  SourceLocation here(const YAML::Node& node) const { return location_of(node, context_.file); }

  void error(SourceLocation where, std::string message) { errors_.push_back({std::move(where), std::move(message)}); }

  void unknown_key(const std::string& key, const SourceLocation& where, const std::vector<Field>& fields) {
    std::vector<std::string> names;
    for (const Field& f : fields) names.push_back(f.name);
    std::string message = "unknown key '" + key + "'";
    if (std::optional<std::string> near = nearest_name(key, names)) {
      message += "; did you mean '" + *near + "'?";
    } else if (!names.empty()) {
      message += "; expected one of ";
      for (std::size_t i = 0; i < names.size(); ++i) message += (i == 0 ? "" : ", ") + names[i];
    }
    error(where, std::move(message));
  }

  // Fills in a field that was not written (or whose written value was invalid): its default,
  // a block of defaults for objects, an empty list for lists.
  void absent(Block& block, const Field& f, const SourceLocation& where, const std::string& path) {
    BlockValue v;
    v.type = f.type;
    v.where = where;
    v.key_where = where;
    if (f.type == FieldType::object) {
      v.blocks.push_back(mapping(YAML::Node(), f.fields, where, path, false));
    } else if (f.default_value) {
      // Defaults go through the same parser as written values so the tables cannot drift from
      // what a user could write. A failure here is a schema bug and is reported as such.
      const YAML::Node node(*f.default_value);
      std::optional<BlockValue> parsed = value(f, node, where, path);
      if (!parsed) return;
      v = std::move(*parsed);
      v.key_where = where;
    } else if (f.type != FieldType::object_list && f.type != FieldType::string_list) {
      return;  // no value at all: has() is false
    }
    block.set(f.name, std::move(v));
  }

  bool check_range(const Field& f, std::int64_t v, const std::string& written, const SourceLocation& where) {
    const bool low = f.min && v < *f.min;
    const bool high = f.max && v > *f.max;
    if (!low && !high) return true;
    std::string message = "'" + f.name + "' must be ";
    if (f.min && f.max) {
      message += "between " + format_bound(f.type, *f.min) + " and " + format_bound(f.type, *f.max);
    } else if (f.min) {
      message += "at least " + format_bound(f.type, *f.min);
    } else {
      message += "at most " + format_bound(f.type, *f.max);
    }
    error(where, message + ", found " + written);
    return false;
  }

  bool check_count(const Field& f, std::size_t count, const SourceLocation& where) {
    const auto n = static_cast<std::int64_t>(count);
    if (f.min && n < *f.min) {
      error(where, "'" + f.name + "' needs at least " + std::to_string(*f.min) + (*f.min == 1 ? " item" : " items") +
                       ", found " + std::to_string(count));
      return false;
    }
    if (f.max && n > *f.max) {
      error(where, "'" + f.name + "' takes at most " + std::to_string(*f.max) + (*f.max == 1 ? " item" : " items") +
                       ", found " + std::to_string(count));
      return false;
    }
    return true;
  }

  std::optional<BlockValue> value(const Field& f, const YAML::Node& node, const SourceLocation& where,
                                  const std::string& path) {
    BlockValue v;
    v.type = f.type;
    v.where = where;
    switch (f.type) {
      case FieldType::any:
        v.node = node;
        return v;
      case FieldType::object:
        if (!(node.IsNull() || node.IsMap())) break;
        v.blocks.push_back(mapping(node, f.fields, where, path, true));
        return v;
      case FieldType::object_list: {
        if (!(node.IsNull() || node.IsSequence())) break;
        std::size_t index = 0;
        for (const auto& item : node) {
          const std::string item_path = path + "[" + std::to_string(index++) + "]";
          const SourceLocation item_where = item.IsNull() ? where : here(item);
          if (!(item.IsNull() || item.IsMap())) {
            error(item_where, "expected a mapping for each item of '" + f.name + "', found " + describe_node(item));
            continue;
          }
          v.blocks.push_back(mapping(item, f.fields, item_where, item_path, true));
        }
        if (!check_count(f, v.blocks.size(), where)) return std::nullopt;
        return v;
      }
      case FieldType::string_list: {
        if (!(node.IsNull() || node.IsSequence())) {
          error(where, "expected a list of strings, found " + describe_node(node) +
                           (node.IsScalar() ? "; write [" + node.Scalar() + "] for a single item" : ""));
          return std::nullopt;
        }
        bool ok = true;
        for (const auto& item : node) {
          if (!item.IsScalar()) {
            error(item.IsNull() ? where : here(item), "expected a string, found " + describe_node(item));
            ok = false;
            continue;
          }
          v.list.push_back(item.Scalar());
          v.list_where.push_back(here(item));
        }
        if (!ok || !check_count(f, v.list.size(), where)) return std::nullopt;
        return v;
      }
      default:
        if (node.IsScalar() && scalar(f, node.Scalar(), where, v)) return v;
        if (node.IsScalar()) return std::nullopt;  // scalar() reported it
        break;
    }
    error(where, "expected " + expectation(f) + ", found " + describe_node(node));
    return std::nullopt;
  }

  bool scalar(const Field& f, const std::string& text, const SourceLocation& where, BlockValue& v) {
    std::string problem;
    switch (f.type) {
      case FieldType::string:
        v.text = text;
        return true;
      case FieldType::integer:
      case FieldType::duration:
      case FieldType::bytes: {
        std::optional<std::int64_t> n = f.type == FieldType::integer    ? parse_integer(text, problem)
                                        : f.type == FieldType::duration ? parse_duration_ms(text, problem)
                                                                        : parse_bytes(text, problem);
        if (!n) break;
        if (!check_range(f, *n, text, where)) return false;
        v.number = *n;
        return true;
      }
      case FieldType::boolean: {
        std::optional<bool> b = parse_boolean(text, problem);
        if (!b) break;
        v.flag = *b;
        return true;
      }
      case FieldType::enumeration: {
        if (std::find(f.enum_values.begin(), f.enum_values.end(), text) != f.enum_values.end()) {
          v.text = text;
          return true;
        }
        problem = "expected " + expectation(f) + "; found " + quote_found(text);
        if (std::optional<std::string> near = nearest_name(text, f.enum_values)) {
          problem += "; did you mean '" + *near + "'?";
        }
        break;
      }
      case FieldType::path:
        return resolve_path(f, text, where, v);
      default:
        problem = "expected " + expectation(f) + ", found " + quote_found(text);
        break;
    }
    error(where, std::move(problem));
    return false;
  }

  bool resolve_path(const Field& f, const std::string& text, const SourceLocation& where, BlockValue& v) {
    if (text.empty()) {
      error(where, "expected a path, found an empty value");
      return false;
    }
    std::filesystem::path p(text);
    if (p.is_relative()) p = context_.base_dir / p;
    p = p.lexically_normal();
    v.text = p.string();
    if (f.must_exist) {
      std::error_code ec;
      if (!std::filesystem::exists(p, ec)) {
        error(where, "'" + text + "' does not exist (looked for " + v.text + ")");
        return false;
      }
    }
    return true;
  }

  const BlockContext& context_;
  std::vector<ConfigError>& errors_;
};

}  // namespace

Block validate_block(const YAML::Node& node, const std::vector<Field>& fields, const SourceLocation& block_where,
                     const BlockContext& context, std::vector<ConfigError>& errors) {
  const std::size_t first = errors.size();
  Block block = Validator(context, errors).mapping(node, fields, block_where, context.path, true);
  // Nested blocks report before their parents' missing keys; present the errors in file order.
  std::stable_sort(errors.begin() + static_cast<std::ptrdiff_t>(first), errors.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return a.where.line != b.where.line ? a.where.line < b.where.line : a.where.column < b.where.column;
                   });
  return block;
}

Block validate_block(const YAML::Node& node, const std::vector<Field>& fields, const SourceLocation& block_where,
                     const std::string& file, std::vector<ConfigError>& errors) {
  BlockContext context;
  context.file = file;
  std::error_code ec;
  context.base_dir = std::filesystem::absolute(std::filesystem::path(file), ec).parent_path();
  return validate_block(node, fields, block_where, context, errors);
}

}  // namespace kq::config
