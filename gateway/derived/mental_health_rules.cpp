// Loading mental_health.yaml, and assessing one screening with it.
#include "gateway/derived/mental_health_rules.hpp"

#include <algorithm>

#include "gateway/derived/rule_yaml.hpp"

namespace kq::derived {

namespace {

using rule_yaml::YamlFile;

std::optional<MentalHealthCriterion> read_criterion(YamlFile& file, const YAML::Node& entry) {
  if (!file.check_keys(entry, "rule", {"id", "score", "at_least", "above", "level"})) return std::nullopt;
  MentalHealthCriterion c;
  c.id = rule_yaml::scalar(file, rule_yaml::required(file, entry, "id", "rule"), "id").value_or("");
  c.level = rule_yaml::scalar(file, rule_yaml::required(file, entry, "level", "rule"), "level").value_or("");
  const std::string score = rule_yaml::scalar(file, rule_yaml::required(file, entry, "score", "rule"), "score").value_or("");
  if (score == "total") {
    c.score = MentalHealthCriterion::Score::total;
  } else if (score == "any_scale") {
    c.score = MentalHealthCriterion::Score::any_scale;
  } else if (score.rfind("scale:", 0) == 0 && score.size() > 6) {
    c.score = MentalHealthCriterion::Score::scale;
    c.scale_code = score.substr(6);
  } else {
    file.error(entry["score"], "score: '" + score + "' is not total, any_scale or scale:<code>");
    return std::nullopt;
  }
  if (static_cast<bool>(entry["at_least"]) == static_cast<bool>(entry["above"])) {
    file.error(entry, "rule: give one of at_least (≥) or above (>)");
    return std::nullopt;
  }
  c.inclusive = static_cast<bool>(entry["at_least"]);
  auto threshold = rule_yaml::number(file, c.inclusive ? entry["at_least"] : entry["above"], "threshold");
  if (!threshold || c.id.empty() || c.level.empty()) return std::nullopt;
  c.threshold = *threshold;
  return c;
}

std::string scale_name(const MentalHealthCriterion& c) {
  switch (c.score) {
    case MentalHealthCriterion::Score::total: return "total_score";
    case MentalHealthCriterion::Score::any_scale: return "scale";
    case MentalHealthCriterion::Score::scale: return "scale " + c.scale_code;
  }
  return "score";
}

}  // namespace

std::string normalise_instrument(const std::string& code) {
  std::string out;
  for (char c : code) {
    if (c == '-' || c == '_' || c == ' ') continue;
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

const MentalHealthInstrument* MentalHealthRules::instrument(const std::string& code) const {
  const std::string name = normalise_instrument(code);
  for (const MentalHealthInstrument& each : instruments) {
    if (std::find(each.names.begin(), each.names.end(), name) != each.names.end()) return &each;
  }
  return nullptr;
}

std::shared_ptr<const MentalHealthRules> load_mental_health_rules(const std::filesystem::path& path,
                                                                  std::vector<config::ConfigError>& errors) {
  const std::size_t before = errors.size();
  YamlFile file(path.string(), errors);
  const YAML::Node root = rule_yaml::load(path, file);
  if (!root || root.IsNull()) return nullptr;
  if (!file.check_keys(root, "mental-health rules", {"set", "version", "instruments", "self_harm", "sender_levels"})) {
    return nullptr;
  }
  auto rules = std::make_shared<MentalHealthRules>();
  if (auto header = rule_yaml::read_header(file, root)) {
    rules->set = header->set;
    rules->version = header->version;
  }
  std::vector<std::string> ids;
  const YAML::Node instruments = rule_yaml::required(file, root, "instruments", "mental-health rules");
  for (const YAML::Node& entry : instruments.IsSequence() ? instruments : YAML::Node(YAML::NodeType::Sequence)) {
    if (!file.check_keys(entry, "instrument", {"names", "confidence", "note", "rules"})) continue;
    MentalHealthInstrument instrument;
    if (auto source = rule_yaml::read_source(file, entry)) instrument.source = *source;
    for (const std::string& name : rule_yaml::scalars(file, rule_yaml::required(file, entry, "names", "instrument"), "names")
                                       .value_or(std::vector<std::string>{})) {
      instrument.names.push_back(normalise_instrument(name));
      if (rules->instrument(name) != nullptr) file.error(entry["names"], "names: " + name + " is listed twice");
    }
    const YAML::Node criteria = rule_yaml::required(file, entry, "rules", "instrument");
    for (const YAML::Node& c : criteria.IsSequence() ? criteria : YAML::Node(YAML::NodeType::Sequence)) {
      auto criterion = read_criterion(file, c);
      if (!criterion) continue;
      if (std::find(ids.begin(), ids.end(), criterion->id) != ids.end()) {
        file.error(c, "rule: id " + criterion->id + " is used twice");
      }
      ids.push_back(criterion->id);
      instrument.criteria.push_back(std::move(*criterion));
    }
    rules->instruments.push_back(std::move(instrument));
  }
  if (const YAML::Node self_harm = root["self_harm"]) {
    if (file.check_keys(self_harm, "self_harm", {"id", "confidence", "note", "level"})) {
      if (auto source = rule_yaml::read_source(file, self_harm)) rules->self_harm_source = *source;
      rules->self_harm_id = rule_yaml::scalar(file, rule_yaml::required(file, self_harm, "id", "self_harm"), "id").value_or("");
      rules->self_harm_level =
          rule_yaml::scalar(file, rule_yaml::required(file, self_harm, "level", "self_harm"), "level").value_or("");
    }
  }
  if (const YAML::Node sender = root["sender_levels"]) {
    if (file.check_keys(sender, "sender_levels", {"confidence", "note", "positive"})) {
      if (auto source = rule_yaml::read_source(file, sender)) rules->sender_source = *source;
      rules->sender_positive_levels =
          rule_yaml::scalars(file, rule_yaml::required(file, sender, "positive", "sender_levels"), "positive")
              .value_or(std::vector<std::string>{});
    }
  }
  if (errors.size() != before) return nullptr;
  return rules;
}

MentalHealthFindings assess_mental_health(const MentalHealthRules& rules, const core::MentalHealthScreening& screening) {
  MentalHealthFindings out;
  out.rule = rules.id();
  // Self-harm first and regardless of validity: an invalid questionnaire with item 9 answered
  // still needs someone to ask.
  if (!rules.self_harm_id.empty() && screening.item9_selfharm_positive.value_or(false)) {
    out.positives.push_back({rules.self_harm_id, rules.self_harm_level, "PHQ-9 item 9 (self-harm) answered above 0",
                             {{"item9_selfharm_positive", "true"}}, true, false});
  }
  for (const core::RiskFlag& flag : screening.flags) {
    if (flag.rule_id) continue;  // the gateway's own flag from an earlier run
    if (std::find(rules.sender_positive_levels.begin(), rules.sender_positive_levels.end(), flag.level) !=
        rules.sender_positive_levels.end()) {
      out.positives.push_back({"sender-level", flag.level, "the sender's risk level is " + flag.level,
                               {{"flags.level", flag.level}}, false, true});
    }
  }
  if (screening.valid && !*screening.valid) {
    out.refusals.push_back({"valid", "the answers were judged invalid: scores are not assessed"});
    return out;
  }
  const MentalHealthInstrument* instrument = rules.instrument(screening.instrument.code);
  if (instrument == nullptr) {
    out.refusals.push_back({"instrument.code", "no cut-offs for instrument '" + screening.instrument.code + "' in " +
                                                   rules.id()});
    return out;
  }
  auto fires = [](const MentalHealthCriterion& c, double value) {
    return c.inclusive ? value >= c.threshold : value > c.threshold;
  };
  for (const MentalHealthCriterion& c : instrument->criteria) {
    const std::string comparison = (c.inclusive ? " ≥ " : " > ") + format_number(c.threshold);
    if (c.score == MentalHealthCriterion::Score::total) {
      if (screening.total_score && fires(c, *screening.total_score)) {
        const std::string value = format_number(*screening.total_score);
        out.positives.push_back({c.id, c.level, "total_score " + value + comparison, {{"total_score", value}}});
      }
      continue;
    }
    for (const core::ScaleScore& scale : screening.scale_scores) {
      if (c.score == MentalHealthCriterion::Score::scale && scale.scale_code != c.scale_code) continue;
      if (scale.raw_score && fires(c, *scale.raw_score)) {
        const std::string value = format_number(*scale.raw_score);
        out.positives.push_back({c.id, c.level, scale_name(c) + " " + scale.scale_code + " " + value + comparison,
                                 {{"scale_scores." + scale.scale_code, value}}});
        break;  // one flag per rule
      }
    }
  }
  return out;
}

void apply_mental_health(core::MentalHealthScreening& screening, const MentalHealthFindings& findings) {
  // Earlier gateway flags go: the findings are the whole of what the current rules say.
  std::erase_if(screening.flags, [](const core::RiskFlag& flag) { return flag.rule_id.has_value(); });
  for (const MentalHealthFinding& finding : findings.positives) {
    if (finding.from_sender) continue;
    screening.flags.push_back({finding.level, {finding.reason}, finding.rule_id, findings.rule});
  }
}

}  // namespace kq::derived
