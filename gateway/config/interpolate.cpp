#include "gateway/config/interpolate.hpp"

#include <algorithm>
#include <cstdlib>

#include "gateway/config/schema.hpp"
#include "gateway/config/values.hpp"

namespace kq::config {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!alpha(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alpha(c) || digit(c); });
}

class Interpolator {
 public:
  Interpolator(const std::string& file, std::vector<ConfigError>& errors, const EnvLookup& lookup)
      : file_(file), errors_(errors), lookup_(lookup) {}

  void walk(YAML::Node node) {
    if (node.IsMap()) {
      for (auto entry : node) walk(entry.second);
    } else if (node.IsSequence()) {
      for (auto item : node) walk(item);
    } else if (node.IsScalar()) {
      scalar(node);
    }
  }

 private:
  void scalar(YAML::Node node) {
    const std::string text = node.Scalar();
    if (text.find('$') == std::string::npos) return;
    // An anchored scalar reached again through an alias is the same node: expanding it twice
    // would turn an escaped "$${" into a live "${" and repeat its errors.
    for (const YAML::Node& done : done_) {
      if (done.is(node)) return;
    }
    done_.push_back(node);
    std::vector<std::string> problems;
    std::optional<std::string> expanded = expand_env(text, lookup_, problems);
    for (std::string& p : problems) errors_.push_back({location_of(node, file_), std::move(p)});
    // Assigning through the handle changes the shared node's text and keeps its mark and tag.
    if (expanded && *expanded != text) node = *expanded;
  }

  const std::string& file_;
  std::vector<ConfigError>& errors_;
  const EnvLookup& lookup_;
  std::vector<YAML::Node> done_;
};

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::optional<std::string> expand_env(std::string_view text, const EnvLookup& lookup,
                                      std::vector<std::string>& problems) {
  std::string out;
  out.reserve(text.size());
  const std::size_t problems_before = problems.size();
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      problems.push_back("unterminated '${' in " + quote_found(text) + "; write $${ for a literal ${");
      break;
    }
    const std::string_view inside = text.substr(i + 2, close - i - 2);
    const std::size_t dash = inside.find(":-");
    const std::string name(inside.substr(0, dash));
    i = close + 1;
    if (!valid_name(name)) {
      problems.push_back("invalid environment variable name " + quote_found(name) + " in '${" +
                         std::string(inside) + "}'; names are letters, digits and '_'");
      continue;
    }
    std::optional<std::string> value = lookup(name);
    if (dash != std::string_view::npos) {
      out += value && !value->empty() ? *value : std::string(inside.substr(dash + 2));
    } else if (value) {
      out += *value;
    } else {
      problems.push_back("environment variable '" + name + "' is not set; set it or write ${" + name +
                         ":-default}");
    }
  }
  if (problems.size() != problems_before) return std::nullopt;
  return out;
}

void interpolate_env(YAML::Node& root, const std::string& file, std::vector<ConfigError>& errors,
                     const EnvLookup& lookup) {
  Interpolator(file, errors, lookup).walk(root);
}

}  // namespace kq::config
