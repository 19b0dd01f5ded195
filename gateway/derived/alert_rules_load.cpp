// Loading alerts.yaml.
#include <algorithm>
#include <array>

#include "gateway/derived/alert_rules.hpp"
#include "gateway/derived/rule_yaml.hpp"

namespace kq::derived {

namespace {

using rule_yaml::YamlFile;

struct KindName {
  AlertKind kind;
  std::string_view name;
};

constexpr std::array<KindName, 6> kKinds = {{
    {AlertKind::new_screening_myopia, "new_screening_myopia"},
    {AlertKind::acuity_drop, "acuity_drop"},
    {AlertKind::bmi_category, "bmi_category"},
    {AlertKind::overall_level, "overall_level"},
    {AlertKind::mental_health_positive, "mental_health_positive"},
    {AlertKind::self_harm, "self_harm"},
}};

std::optional<AlertRule> read_rule(YamlFile& file, const YAML::Node& entry) {
  if (!file.check_keys(entry, "alert rule",
                       {"id", "kind", "severity", "enabled", "first_screening", "lines", "levels", "note"})) {
    return std::nullopt;
  }
  AlertRule rule;
  rule.where = file.at(entry);
  rule.id = rule_yaml::scalar(file, rule_yaml::required(file, entry, "id", "alert rule"), "id").value_or("");
  const YAML::Node kind_node = rule_yaml::required(file, entry, "kind", "alert rule");
  const std::string kind = rule_yaml::scalar(file, kind_node, "kind").value_or("");
  auto it = std::find_if(kKinds.begin(), kKinds.end(), [&](const KindName& k) { return k.name == kind; });
  if (it == kKinds.end()) {
    std::vector<std::string_view> names;
    for (const KindName& k : kKinds) names.push_back(k.name);
    if (kind_node) file.error(kind_node, "kind: " + mapping::detail::unknown_name_message("alert kind", kind, names));
    return std::nullopt;
  }
  rule.kind = it->kind;
  const YAML::Node severity = rule_yaml::required(file, entry, "severity", "alert rule");
  rule.severity = rule_yaml::scalar(file, severity, "severity").value_or("");
  if (severity && rule.severity != "info" && rule.severity != "warning" && rule.severity != "urgent") {
    file.error(severity, "severity: '" + rule.severity + "' is not info, warning or urgent");
  }
  if (const YAML::Node enabled = entry["enabled"]) rule.enabled = file.boolean(enabled, "enabled").value_or(true);
  // Parameters belong to one kind each: a parameter on another kind is a mistake worth saying.
  auto only_for = [&](const char* key, AlertKind a, AlertKind b) {
    if (entry[key] && rule.kind != a && rule.kind != b) {
      file.error(entry[key], std::string(key) + ": does not apply to kind " + kind);
    }
  };
  only_for("first_screening", AlertKind::new_screening_myopia, AlertKind::new_screening_myopia);
  only_for("lines", AlertKind::acuity_drop, AlertKind::acuity_drop);
  only_for("levels", AlertKind::bmi_category, AlertKind::overall_level);
  if (const YAML::Node first = entry["first_screening"]) {
    const std::string text = file.scalar(first, "first_screening").value_or("");
    if (text != "raise" && text != "skip") file.error(first, "first_screening: '" + text + "' is not raise or skip");
    rule.first_screening_counts = text != "skip";
  }
  if (rule.kind == AlertKind::acuity_drop) {
    auto lines = rule_yaml::integer(file, rule_yaml::required(file, entry, "lines", "alert rule"), "lines");
    if (lines && (*lines < 1 || *lines > 13)) file.error(entry["lines"], "lines: expected 1 to 13 chart lines");
    rule.lines = static_cast<int>(lines.value_or(2));
  }
  if (rule.kind == AlertKind::bmi_category || rule.kind == AlertKind::overall_level) {
    rule.levels = rule_yaml::scalars(file, rule_yaml::required(file, entry, "levels", "alert rule"), "levels")
                      .value_or(std::vector<std::string>{});
  }
  if (rule.id.empty()) return std::nullopt;
  return rule;
}

}  // namespace

std::shared_ptr<const AlertRules> load_alert_rules(const std::filesystem::path& path,
                                                   std::vector<config::ConfigError>& errors) {
  const std::size_t before = errors.size();
  YamlFile file(path.string(), errors);
  const YAML::Node root = rule_yaml::load(path, file);
  if (!root || root.IsNull()) return nullptr;
  if (!file.check_keys(root, "alert rules", {"set", "version", "rules"})) return nullptr;
  auto rules = std::make_shared<AlertRules>();
  if (auto header = rule_yaml::read_header(file, root)) {
    rules->set = header->set;
    rules->version = header->version;
  }
  const YAML::Node list = rule_yaml::required(file, root, "rules", "alert rules");
  for (const YAML::Node& entry : list.IsSequence() ? list : YAML::Node(YAML::NodeType::Sequence)) {
    auto rule = read_rule(file, entry);
    if (!rule) continue;
    for (const AlertRule& other : rules->rules) {
      if (other.id == rule->id) file.error(entry, "alert rule: id " + rule->id + " is also used at " + other.where.str());
    }
    rules->rules.push_back(std::move(*rule));
  }
  if (errors.size() != before) return nullptr;
  return rules;
}

}  // namespace kq::derived
