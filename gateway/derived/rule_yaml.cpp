#include "gateway/derived/rule_yaml.hpp"

#include <algorithm>
#include <cmath>

namespace kq::derived::rule_yaml {

YAML::Node load(const std::filesystem::path& path, YamlFile& file) {
  const YAML::Node root = mapping::detail::load_yaml(path, file, config::SourceLocation{path.string(), 0, 0});
  if (root.IsDefined() && !root.IsNull()) return root;
  if (file.errors().empty() || file.errors().back().where.file != path.string()) {
    file.error(config::SourceLocation{path.string(), 0, 0}, "the file is empty");
  }
  return YAML::Node();
}

std::optional<Header> read_header(YamlFile& file, const YAML::Node& root) {
  Header header;
  const YAML::Node set = required(file, root, "set", "rule file");
  const YAML::Node version = required(file, root, "version", "rule file");
  auto set_text = scalar(file, set, "set");
  auto version_text = scalar(file, version, "version");
  if (!set_text || !version_text) return std::nullopt;
  const bool plain = !set_text->empty() && std::all_of(set_text->begin(), set_text->end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (!plain) {
    file.error(set, "set: '" + *set_text + "' must be lower-case letters, digits and '-' (it is written into records)");
    return std::nullopt;
  }
  if (version_text->empty() || version_text->find('@') != std::string::npos) {
    file.error(version, "version: must be non-empty and must not contain '@'");
    return std::nullopt;
  }
  header.set = *set_text;
  header.version = *version_text;
  return header;
}

std::optional<TableSource> read_source(YamlFile& file, const YAML::Node& entry) {
  TableSource source;
  source.where = file.at(entry);
  const YAML::Node tag = required(file, entry, "confidence", "table");
  auto text = scalar(file, tag, "confidence");
  if (!text) return std::nullopt;
  auto confidence = parse_confidence(*text);
  if (!confidence) {
    file.error(tag, "confidence: '" + *text +
                        "' is not V (verified against the official text), S (one secondary source) or U (unverified)");
    return std::nullopt;
  }
  source.confidence = *confidence;
  if (const YAML::Node note = entry["note"]) source.note = file.scalar(note, "note").value_or("");
  return source;
}

std::vector<std::size_t> read_grades(YamlFile& file, const YAML::Node& node) {
  std::vector<std::size_t> out;
  auto texts = scalars(file, node, "grades");
  if (!texts) return out;
  std::size_t i = 0;
  for (const std::string& text : *texts) {
    const YAML::Node at = node.IsSequence() ? node[i] : node;
    ++i;
    auto index = grade_index(text);
    if (!index) {
      file.error(at, "grades: '" + text + "' is not a grade number (11–16, 21–23, 31–33, 41–44)");
      continue;
    }
    if (std::find(out.begin(), out.end(), *index) != out.end()) {
      file.error(at, "grades: " + text + " is listed twice");
      continue;
    }
    out.push_back(*index);
  }
  if (texts->empty()) file.error(node, "grades: the list is empty");
  return out;
}

std::vector<Sex> read_sexes(YamlFile& file, const YAML::Node& node) {
  std::vector<Sex> out;
  auto texts = scalars(file, node, "sex");
  if (!texts) return out;
  for (const std::string& text : *texts) {
    if (text == "male") {
      out.push_back(Sex::male);
    } else if (text == "female") {
      out.push_back(Sex::female);
    } else {
      file.error(node, "sex: '" + text + "' is not male or female");
    }
  }
  return out;
}

YAML::Node required(YamlFile& file, const YAML::Node& parent, std::string_view key, std::string_view what) {
  // yaml-cpp's node for an absent key throws on most calls; an Undefined node does not.
  if (!parent.IsDefined() || !parent.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node node = parent[std::string(key)];
  if (node) return node;
  file.error(parent, std::string(what) + ": '" + std::string(key) + "' is required");
  return YAML::Node(YAML::NodeType::Undefined);
}

std::optional<std::string> scalar(YamlFile& file, const YAML::Node& node, std::string_view what) {
  if (!node.IsDefined()) return std::nullopt;
  return file.scalar(node, what);
}

std::optional<std::vector<std::string>> scalars(YamlFile& file, const YAML::Node& node, std::string_view what) {
  if (!node.IsDefined()) return std::nullopt;
  return file.scalars(node, what);
}

std::optional<std::int64_t> integer(YamlFile& file, const YAML::Node& node, std::string_view what) {
  if (!node.IsDefined()) return std::nullopt;
  return file.integer(node, what);
}

std::optional<double> number(YamlFile& file, const YAML::Node& node, std::string_view what) {
  if (!node.IsDefined()) return std::nullopt;
  auto value = file.number(node, what);
  if (value && !std::isfinite(*value)) {
    file.error(node, std::string(what) + ": expected a finite number");
    return std::nullopt;
  }
  return value;
}

bool on_grid(double value, double step) {
  const double steps = value / step;
  return std::fabs(steps - std::round(steps)) < 1e-6;
}

}  // namespace kq::derived::rule_yaml
