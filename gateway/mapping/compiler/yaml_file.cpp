#include "gateway/mapping/compiler/yaml_file.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "gateway/config/schema.hpp"
#include "gateway/config/values.hpp"

namespace kq::mapping::detail {

config::SourceLocation YamlFile::at(const YAML::Node& node) const { return config::location_of(node, file_); }

void YamlFile::error(const YAML::Node& node, std::string message) { error(at(node), std::move(message)); }

void YamlFile::error(config::SourceLocation where, std::string message) {
  errors_.push_back({std::move(where), std::move(message)});
}

std::vector<std::pair<YAML::Node, YAML::Node>> YamlFile::entries(const YAML::Node& node, std::string_view what) {
  std::vector<std::pair<YAML::Node, YAML::Node>> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) {
    error(node, std::string(what) + ": expected a mapping of key: value");
    return out;
  }
  std::set<std::string, std::less<>> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      error(key, std::string(what) + ": a key must be a plain name");
      continue;
    }
    if (!seen.insert(key.Scalar()).second) {
      error(key, std::string(what) + ": duplicate key '" + key.Scalar() + "'");
      continue;
    }
    out.emplace_back(key, it->second);
  }
  return out;
}

bool YamlFile::check_keys(const YAML::Node& node, std::string_view what, const std::vector<std::string_view>& allowed) {
  if (!node.IsMap()) {
    error(node, std::string(what) + ": expected a mapping of key: value");
    return false;
  }
  for (const auto& [key, value] : entries(node, what)) {
    bool known = false;
    for (std::string_view a : allowed) known = known || key.Scalar() == a;
    if (!known) error(key, std::string(what) + ": " + unknown_name_message("key", key.Scalar(), allowed));
  }
  return true;
}

std::optional<std::string> YamlFile::scalar(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    error(node, std::string(what) + ": expected a single value");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> YamlFile::boolean(const YAML::Node& node, std::string_view what) {
  auto text = scalar(node, what);
  if (!text) return std::nullopt;
  std::string why;
  auto value = config::parse_boolean(*text, why);
  if (!value) error(node, std::string(what) + ": " + why);
  return value;
}

std::optional<double> YamlFile::number(const YAML::Node& node, std::string_view what) {
  auto text = scalar(node, what);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  in.imbue(std::locale::classic());
  double value = 0;
  in >> value;
  if (in.fail() || !in.eof() || text->empty()) {
    error(node, std::string(what) + ": expected a number, found " + config::quote_found(*text));
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> YamlFile::integer(const YAML::Node& node, std::string_view what) {
  auto text = scalar(node, what);
  if (!text) return std::nullopt;
  std::string why;
  auto value = config::parse_integer(*text, why);
  if (!value) error(node, std::string(what) + ": " + why);
  return value;
}

std::optional<std::vector<std::string>> YamlFile::scalars(const YAML::Node& node, std::string_view what) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    error(node, std::string(what) + ": expected a value or a list of values");
    return std::nullopt;
  }
  bool ok = true;
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) {
      error(item, std::string(what) + ": expected a single value in the list");
      ok = false;
      continue;
    }
    out.push_back(item.Scalar());
  }
  if (!ok) return std::nullopt;
  return out;
}

YAML::Node parse_yaml(std::string_view text, YamlFile& file) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based; -1 when it has no position.
    config::SourceLocation where{file.file(), e.mark.line >= 0 ? e.mark.line + 1 : 0,
                                 e.mark.column >= 0 ? e.mark.column + 1 : 0};
    file.error(where, "invalid YAML: " + e.msg);
  }
  return YAML::Node();
}

YAML::Node load_yaml(const std::filesystem::path& path, YamlFile& file, const config::SourceLocation& from) {
  std::string text;
  std::string why;
  if (!read_file(path, text, why)) {
    file.error(from, "cannot read " + path.string() + ": " + why);
    return YAML::Node();
  }
  return parse_yaml(text, file);
}

std::string unknown_name_message(std::string_view what, std::string_view name,
                                 const std::vector<std::string_view>& candidates) {
  std::string message = "unknown " + std::string(what) + " '" + std::string(name) + "'";
  std::vector<std::string> names(candidates.begin(), candidates.end());
  if (auto near = config::nearest_name(name, names)) {
    message += "; did you mean '" + *near + "'?";
  } else if (!names.empty() && names.size() <= 24) {
    message += "; expected one of ";
    for (std::size_t i = 0; i < names.size(); ++i) message += (i == 0 ? "" : ", ") + names[i];
  }
  return message;
}

bool read_file(const std::filesystem::path& path, std::string& out, std::string& error) {
  // Only regular files, and not huge ones: an `include: /dev/zero` must fail, not hang.
  constexpr std::uintmax_t kMaxBytes = 64 * 1024 * 1024;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "it is a folder";
    return false;
  }
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    error = "it is not a regular file";
    return false;
  }
  if (const auto size = std::filesystem::file_size(path, ec); !ec && size > kMaxBytes) {
    error = "it is larger than 64 MiB";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::filesystem::exists(path, ec) ? "permission denied" : "no such file";
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = std::move(buffer).str();
  return true;
}

}  // namespace kq::mapping::detail
