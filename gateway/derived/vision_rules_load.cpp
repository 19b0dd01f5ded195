// Loading vision.yaml, with every value checked against what the assessment assumes.
#include <algorithm>
#include <cmath>

#include "gateway/derived/rule_yaml.hpp"
#include "gateway/derived/vision_rules.hpp"

namespace kq::derived {

namespace {

using rule_yaml::YamlFile;

void read_chart(YamlFile& file, const YAML::Node& node, VisionRules& rules) {
  if (!node) return;  // reported as required
  if (!file.check_keys(node, "chart", {"confidence", "note", "lines"})) return;
  if (auto source = rule_yaml::read_source(file, node)) rules.chart_source = *source;
  for (const auto& [key, value] : file.entries(rule_yaml::required(file, node, "lines", "chart"), "lines")) {
    auto line = rule_yaml::number(file, key, "chart line");
    auto decimal = rule_yaml::number(file, value, "decimal acuity");
    if (!line || !decimal) continue;
    if (!rule_yaml::on_grid(*line, 0.1) || *decimal <= 0) {
      file.error(key, "chart: a line is a 5-point value in steps of 0.1 with a positive decimal label");
      continue;
    }
    // The label must be the line's value rounded, or conversions would go one line off.
    if (std::fabs(std::log10(*decimal) + 5 - *line) > 0.05 + 1e-9) {
      file.error(value, "chart: " + format_number(*decimal) + " is not within half a line of 10^(" +
                            format_number(*line, 1) + " − 5)");
    }
    if (!rules.chart.empty() && *line <= rules.chart.back().first) {
      file.error(key, "chart: lines must be listed in ascending order");
      continue;
    }
    rules.chart.emplace_back(*line, *decimal);
  }
}

void read_impairment(YamlFile& file, const YAML::Node& node, VisionRules& rules) {
  if (!node) return;  // reported as required
  if (!file.check_keys(node, "vision_impairment", {"confidence", "note", "below", "grades"})) return;
  if (auto source = rule_yaml::read_source(file, node)) rules.impairment_source = *source;
  rules.impairment_below =
      rule_yaml::number(file, rule_yaml::required(file, node, "below", "vision_impairment"), "below").value_or(5.0);
  const YAML::Node grades = rule_yaml::required(file, node, "grades", "vision_impairment");
  for (const YAML::Node& entry : grades.IsSequence() ? grades : YAML::Node(YAML::NodeType::Sequence)) {
    if (!file.check_keys(entry, "grades", {"grade", "label", "from"})) continue;
    VisionGradeBand band;
    band.grade = rule_yaml::scalar(file, rule_yaml::required(file, entry, "grade", "grades"), "grade").value_or("");
    band.label = rule_yaml::scalar(file, rule_yaml::required(file, entry, "label", "grades"), "label").value_or("");
    band.from = rule_yaml::number(file, rule_yaml::required(file, entry, "from", "grades"), "from").value_or(0);
    if (band.grade != "mild" && band.grade != "moderate" && band.grade != "severe") {
      file.error(entry, "grades: grade '" + band.grade + "' is not mild, moderate or severe");
    }
    const double upper = rules.impairment.empty() ? rules.impairment_below : rules.impairment.back().from;
    if (band.from >= upper) file.error(entry, "grades: each band must start below the one before it");
    rules.impairment.push_back(std::move(band));
  }
  if (rules.impairment.empty() || rules.impairment.back().from != 0) {
    file.error(grades, "grades: expected bands from the mildest down, the last one from 0");
  }
}

void read_myopia(YamlFile& file, const YAML::Node& node, VisionRules& rules) {
  if (!node) return;  // reported as required
  if (!file.check_keys(node, "screening_myopia",
                       {"confidence", "note", "ucva_below", "se_threshold", "se_comparison", "missing_cylinder"})) {
    return;
  }
  if (auto source = rule_yaml::read_source(file, node)) rules.myopia_source = *source;
  rules.myopia_ucva_below =
      rule_yaml::number(file, rule_yaml::required(file, node, "ucva_below", "screening_myopia"), "ucva_below")
          .value_or(5.0);
  rules.myopia_se_threshold =
      rule_yaml::number(file, rule_yaml::required(file, node, "se_threshold", "screening_myopia"), "se_threshold")
          .value_or(-0.5);
  if (rules.myopia_se_threshold >= 0) file.error(node["se_threshold"], "se_threshold: myopia is a negative SE");
  const YAML::Node comparison = rule_yaml::required(file, node, "se_comparison", "screening_myopia");
  const std::string text = comparison ? file.scalar(comparison, "se_comparison").value_or("") : "at_or_below";
  if (text == "below") {
    rules.myopia_se_inclusive = false;
  } else if (text != "at_or_below") {
    file.error(comparison, "se_comparison: '" + text + "' is not at_or_below or below");
  }
  if (const YAML::Node cylinder = node["missing_cylinder"]) {
    const std::string policy = file.scalar(cylinder, "missing_cylinder").value_or("");
    if (policy == "sphere_as_se") {
      rules.sphere_as_se = true;
    } else if (policy != "unknown") {
      file.error(cylinder, "missing_cylinder: '" + policy + "' is not unknown or sphere_as_se");
    }
  }
}

void read_degrees(YamlFile& file, const YAML::Node& node, VisionRules& rules) {
  if (!node) return;  // reported as required
  if (!file.check_keys(node, "myopia_degree", {"confidence", "note", "bands"})) return;
  if (auto source = rule_yaml::read_source(file, node)) rules.degree_source = *source;
  const YAML::Node bands = rule_yaml::required(file, node, "bands", "myopia_degree");
  for (const YAML::Node& entry : bands.IsSequence() ? bands : YAML::Node(YAML::NodeType::Sequence)) {
    if (!file.check_keys(entry, "bands", {"degree", "label", "se_from"})) continue;
    MyopiaDegreeBand band;
    band.degree = rule_yaml::scalar(file, rule_yaml::required(file, entry, "degree", "bands"), "degree").value_or("");
    band.label = rule_yaml::scalar(file, rule_yaml::required(file, entry, "label", "bands"), "label").value_or("");
    if (const YAML::Node from = entry["se_from"]) band.se_from = rule_yaml::number(file, from, "se_from");
    if (band.degree != "low" && band.degree != "moderate" && band.degree != "high") {
      file.error(entry, "bands: degree '" + band.degree + "' is not low, moderate or high");
    }
    if (!rules.degrees.empty() && !rules.degrees.back().se_from) {
      file.error(entry, "bands: a band after one without se_from can never apply");
    } else if (!rules.degrees.empty() && band.se_from && *band.se_from >= *rules.degrees.back().se_from) {
      file.error(entry, "bands: se_from must go down from the mildest band to the most severe");
    }
    rules.degrees.push_back(std::move(band));
  }
  if (rules.degrees.empty() || rules.degrees.back().se_from) {
    file.error(bands, "bands: expected bands from the mildest down, the last one without se_from");
  }
}

}  // namespace

std::optional<double> VisionRules::decimal_of(double five_point) const {
  for (const auto& [line, decimal] : chart) {
    if (std::fabs(line - five_point) < 1e-6) return decimal;
  }
  return std::nullopt;
}

std::shared_ptr<const VisionRules> load_vision_rules(const std::filesystem::path& path,
                                                     std::vector<config::ConfigError>& errors) {
  const std::size_t before = errors.size();
  YamlFile file(path.string(), errors);
  const YAML::Node root = rule_yaml::load(path, file);
  if (!root || root.IsNull()) return nullptr;
  if (!file.check_keys(root, "vision rules",
                       {"set", "version", "chart", "applies_from_age", "vision_impairment", "screening_myopia",
                        "myopia_degree", "rate_exclusion"})) {
    return nullptr;
  }
  auto rules = std::make_shared<VisionRules>();
  if (auto header = rule_yaml::read_header(file, root)) {
    rules->set = header->set;
    rules->version = header->version;
  }
  read_chart(file, rule_yaml::required(file, root, "chart", "vision rules"), *rules);
  if (const YAML::Node age = rule_yaml::required(file, root, "applies_from_age", "vision rules")) {
    if (file.check_keys(age, "applies_from_age", {"confidence", "note", "years"})) {
      if (auto source = rule_yaml::read_source(file, age)) rules->age_source = *source;
      auto years = rule_yaml::integer(file, rule_yaml::required(file, age, "years", "applies_from_age"), "years");
      if (years && (*years < 0 || *years > 18)) file.error(age["years"], "years: expected 0 to 18");
      rules->applies_from_age = static_cast<int>(years.value_or(6));
    }
  }
  read_impairment(file, rule_yaml::required(file, root, "vision_impairment", "vision rules"), *rules);
  read_myopia(file, rule_yaml::required(file, root, "screening_myopia", "vision rules"), *rules);
  read_degrees(file, rule_yaml::required(file, root, "myopia_degree", "vision rules"), *rules);
  if (const YAML::Node exclusion = rule_yaml::required(file, root, "rate_exclusion", "vision rules")) {
    if (file.check_keys(exclusion, "rate_exclusion", {"confidence", "note", "corrections"})) {
      if (auto source = rule_yaml::read_source(file, exclusion)) rules->exclusion_source = *source;
      rules->excluded_corrections =
          rule_yaml::scalars(file, rule_yaml::required(file, exclusion, "corrections", "rate_exclusion"), "corrections")
              .value_or(std::vector<std::string>{});
    }
  }
  if (errors.size() != before) return nullptr;
  return rules;
}

}  // namespace kq::derived
