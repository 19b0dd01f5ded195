#include "gateway/mapping/value_set.hpp"

#include <algorithm>

#include "gateway/mapping/compiler/target_schema.hpp"
#include "gateway/mapping/compiler/yaml_file.hpp"

namespace kq::mapping {

namespace {

std::string fold_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A registry name ("loinc") or a URI; an unknown name is an error at `node` (and kept as written,
// so that the rest of the file is still checked).
std::string resolve_system(const YAML::Node& node, detail::YamlFile& file, std::string_view what) {
  const std::string text = file.scalar(node, what).value_or("");
  std::string error;
  auto uri = mapping::resolve_system(false, text, error);
  if (!uri) {
    file.error(node, std::string(what) + ": " + error);
    return text;
  }
  return *uri;
}

std::optional<Coded> read_target(const YAML::Node& node, const std::string& system, detail::YamlFile& file) {
  Coded target;
  target.system = system;
  if (node.IsScalar()) {
    target.code = node.Scalar();
  } else {
    if (!file.check_keys(node, "code entry", {"code", "display", "system"})) return std::nullopt;
    const auto code = node["code"];
    if (!code) {
      file.error(node, "code entry: 'code' is required");
      return std::nullopt;
    }
    auto text = file.scalar(code, "code");
    if (!text) return std::nullopt;
    target.code = *text;
    if (const auto display = node["display"]) target.display = file.scalar(display, "display").value_or("");
    if (const auto sys = node["system"]) target.system = resolve_system(sys, file, "system");
  }
  if (target.code.empty()) {
    file.error(node, "code entry: the target code is empty");
    return std::nullopt;
  }
  return target;
}

}  // namespace

std::optional<UnknownCode> parse_unknown_code(std::string_view text) {
  if (text == "error") return UnknownCode::error;
  if (text == "keep") return UnknownCode::keep;
  if (text == "default") return UnknownCode::default_;
  if (text == "drop") return UnknownCode::drop;
  return std::nullopt;
}

std::shared_ptr<const ValueSet> ValueSet::from_yaml(const YAML::Node& node, std::string name, detail::YamlFile& file,
                                                    bool inline_table, std::string source_system) {
  auto set = std::make_shared<ValueSet>();
  std::string unknown_name;  // an inline table's source_system was checked where it was written
  set->source_system_ = mapping::resolve_system(false, source_system, unknown_name).value_or(source_system);
  set->name_ = std::move(name);
  set->file_ = file.file();
  const std::size_t errors_before = file.errors().size();
  YAML::Node codes = node;
  if (!inline_table) {
    if (!file.check_keys(node, "value set", {"description", "system", "source_system", "unknown", "default", "ignore_case", "codes"})) {
      return nullptr;
    }
    if (const auto system = node["system"]) set->system_ = resolve_system(system, file, "system");
    if (const auto system = node["source_system"]) {
      set->source_system_ = resolve_system(system, file, "source_system");
    }
    if (const auto unknown = node["unknown"]) {
      if (auto text = file.scalar(unknown, "unknown")) {
        if (auto behaviour = parse_unknown_code(*text)) {
          set->unknown_ = *behaviour;
        } else {
          file.error(unknown, "unknown: " + detail::unknown_name_message("behaviour", *text,
                                                                         {"error", "keep", "default", "drop"}));
        }
      }
    }
    if (const auto flag = node["ignore_case"]) set->ignore_case_ = file.boolean(flag, "ignore_case").value_or(false);
    if (const auto c = node["codes"]) {
      codes.reset(c);
    } else {
      file.error(node, "value set: 'codes' is required (a mapping of sender code: target code)");
      return nullptr;
    }
  }
  for (const auto& [key, value] : file.entries(codes, "codes")) {
    auto target = read_target(value, set->system_, file);
    if (!target) continue;
    const std::string folded = set->ignore_case_ ? fold_case(key.Scalar()) : key.Scalar();
    if (!set->index_.emplace(folded, static_cast<int>(set->entries_.size())).second) {
      file.error(key, "codes: '" + key.Scalar() + "' is listed twice (ignoring case)");
      continue;
    }
    set->entries_.push_back({key.Scalar(), std::move(*target), file.at(key)});
  }
  if (!inline_table) {
    if (const auto fallback = node["default"]) {
      if (auto code = file.scalar(fallback, "default")) {
        const Coded* known = set->find_target(*code);
        set->default_ = known ? *known : Coded{set->system_, *code, {}};
      }
    } else if (set->unknown_ == UnknownCode::default_) {
      file.error(node, "value set: 'unknown: default' needs a 'default:' code");
    }
  }
  if (file.errors().size() != errors_before) return nullptr;
  return set;
}

int ValueSet::find(std::string_view code) const {
  const auto it = ignore_case_ ? index_.find(fold_case(code)) : index_.find(std::string(code));
  return it == index_.end() ? -1 : it->second;
}

const Coded* ValueSet::find_target(std::string_view code) const {
  for (const Entry& e : entries_) {
    if (e.target.code == code) return &e.target;
  }
  return nullptr;
}

std::string ValueSet::sample_codes() const {
  std::string out;
  const std::size_t shown = std::min<std::size_t>(entries_.size(), 12);
  for (std::size_t i = 0; i < shown; ++i) out += (i == 0 ? "" : ", ") + entries_[i].source;
  if (entries_.size() > shown) out += ", …";
  return out;
}

std::shared_ptr<const ValueSet> ValueSetCatalog::get(std::string_view name, std::vector<config::ConfigError>& errors) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = sets_.find(name); it != sets_.end()) return it->second;
  if (failed_.count(name) != 0) return nullptr;
  const std::filesystem::path path = dir_ / (std::string(name) + ".yaml");
  std::error_code ec;
  if (dir_.empty() || !std::filesystem::is_regular_file(path, ec)) return nullptr;
  detail::YamlFile file(path.string(), errors);
  const YAML::Node node = detail::load_yaml(path, file, config::SourceLocation{path.string(), 0, 0});
  std::shared_ptr<const ValueSet> set;
  if (node.IsDefined() && !node.IsNull()) {
    set = ValueSet::from_yaml(node, std::string(name), file, false);
  } else if (file.errors().empty()) {
    file.error(config::SourceLocation{path.string(), 0, 0}, "value set file is empty");
  }
  if (!set) {
    failed_.emplace(std::string(name), true);
    return nullptr;
  }
  sets_.emplace(std::string(name), set);
  return set;
}

bool ValueSetCatalog::has_file(std::string_view name) const {
  std::error_code ec;
  return !dir_.empty() && std::filesystem::is_regular_file(dir_ / (std::string(name) + ".yaml"), ec);
}

std::vector<std::string> ValueSetCatalog::names() const {
  std::vector<std::string> out;
  std::error_code ec;
  if (dir_.empty() || !std::filesystem::is_directory(dir_, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path().extension() == ".yaml") out.push_back(entry.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void ValueSetCatalog::load_all(std::vector<config::ConfigError>& errors) {
  for (const std::string& name : names()) (void)get(name, errors);
}

}  // namespace kq::mapping
