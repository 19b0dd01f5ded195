// Loading a fitness table set, part 1: set.yaml (score levels, level bands, weights, bonus
// tables). Every check the scorer relies on is made at load time, once: levels and bands in
// order, weights summing to 100, bonus steps increasing, no slot given twice.
#include <algorithm>

#include "gateway/derived/fitness_loader.hpp"

namespace kq::derived::detail {

namespace fs = std::filesystem;

std::string slot_name(Sex sex, std::size_t grade) {
  return std::string(sex_label(sex)) + " grade " + std::string(grade_code(grade)) + " (" +
         std::string(grade_label(grade)) + ")";
}

void Loader::read_set(const fs::path& path) {
  set_file_ = path.string();
  YamlFile file(path.string(), errors_);
  const YAML::Node root = rule_yaml::load(path, file);
  if (!root || root.IsNull()) return;
  if (!file.check_keys(root, "fitness table set",
                       {"set", "version", "title", "levels", "item_levels", "overall_levels", "weights", "bonus"})) {
    return;
  }
  if (auto header = rule_yaml::read_header(file, root)) {
    t_.set = header->set;
    t_.version = header->version;
  }
  if (const YAML::Node title = root["title"]) t_.title = file.scalar(title, "title").value_or("");
  read_levels(file, rule_yaml::required(file, root, "levels", "fitness table set"));
  read_bands(file, rule_yaml::required(file, root, "item_levels", "fitness table set"), t_.item_levels, "item_levels");
  read_bands(file, rule_yaml::required(file, root, "overall_levels", "fitness table set"), t_.overall_levels,
             "overall_levels");
  read_weights(file, rule_yaml::required(file, root, "weights", "fitness table set"));
  if (const YAML::Node bonus = root["bonus"]) read_bonus(file, bonus);
}

void Loader::read_levels(YamlFile& file, const YAML::Node& node) {
  if (!node) return;
  if (!node.IsSequence() || node.size() == 0) {
    file.error(node, "levels: expected the list of score levels, highest first (100, 95, … 10)");
    return;
  }
  for (const YAML::Node& level : node) {
    auto value = file.integer(level, "levels");
    if (!value) continue;
    if (*value <= 0 || *value > 100 || (!t_.levels.empty() && *value >= t_.levels.back())) {
      file.error(level, "levels: " + std::to_string(*value) + " must lie in 1..100 and below the level before it");
      continue;
    }
    t_.levels.push_back(static_cast<int>(*value));
  }
}

void Loader::read_bands(YamlFile& file, const YAML::Node& node, std::vector<LevelBand>& out, std::string_view what) {
  if (!node) return;
  if (!node.IsSequence() || node.size() == 0) {
    file.error(node, std::string(what) + ": expected a list of {label, from}, highest first");
    return;
  }
  for (const YAML::Node& entry : node) {
    if (!file.check_keys(entry, what, {"label", "from"})) continue;
    const YAML::Node label = rule_yaml::required(file, entry, "label", what);
    const YAML::Node from = rule_yaml::required(file, entry, "from", what);
    if (!label || !from) continue;
    LevelBand band;
    band.label = file.scalar(label, "label").value_or("");
    auto value = rule_yaml::number(file, from, "from");
    if (!value) continue;
    band.from = *value;
    if (!out.empty() && band.from >= out.back().from) {
      file.error(from, std::string(what) + ": 'from' must be below the band before it");
      continue;
    }
    out.push_back(std::move(band));
  }
  if (!out.empty() && out.back().from != 0) {
    file.error(node, std::string(what) + ": the last band must start at 0, so that every value has a level");
  }
}

std::vector<Weight> Loader::read_weight_map(YamlFile& file, const YAML::Node& node) {
  std::vector<Weight> out;
  int sum = 0;
  for (const auto& [key, value] : file.entries(node, "weights")) {
    auto item = parse_item_code(key.Scalar());
    if (!item) {
      file.error(key, "weights: unknown item '" + key.Scalar() + "'");
      continue;
    }
    auto percent = file.integer(value, "weight");
    if (!percent) continue;
    if (*percent <= 0 || *percent > 100) {
      file.error(value, "weight: " + std::to_string(*percent) + " must be a percentage in 1..100");
      continue;
    }
    out.push_back({*item, static_cast<int>(*percent)});
    sum += static_cast<int>(*percent);
  }
  if (sum != 100 && !out.empty()) file.error(node, "weights: they add up to " + std::to_string(sum) + ", not 100");
  return out;
}

void Loader::read_weights(YamlFile& file, const YAML::Node& node) {
  if (!node) return;
  if (!node.IsSequence()) {
    file.error(node, "weights: expected a list of {grades, confidence, all | male + female}");
    return;
  }
  for (const YAML::Node& entry : node) {
    if (!file.check_keys(entry, "weights", {"grades", "confidence", "note", "all", "male", "female"})) continue;
    auto source = rule_yaml::read_source(file, entry);
    const std::vector<std::size_t> grades =
        rule_yaml::read_grades(file, rule_yaml::required(file, entry, "grades", "weights"));
    const bool all = static_cast<bool>(entry["all"]);
    if (all == (entry["male"] || entry["female"]) || (!all && !(entry["male"] && entry["female"]))) {
      file.error(entry, "weights: give either 'all' or both 'male' and 'female'");
      continue;
    }
    for (Sex sex : {Sex::male, Sex::female}) {
      const YAML::Node map = all ? entry["all"] : entry[std::string(sex_name(sex))];
      if (!all || sex == Sex::male) {
        auto set = std::make_unique<WeightSet>();
        set->weights = read_weight_map(file, map);
        if (source) set->source = *source;
        t_.weight_sets.push_back(std::move(set));
      }
      const WeightSet* set = t_.weight_sets.back().get();
      for (std::size_t grade : grades) {
        auto& slot = t_.weights[static_cast<std::size_t>(sex)][grade];
        if (slot != nullptr) {
          file.error(entry, "weights: " + slot_name(sex, grade) + " already has weights at " +
                                weight_where_[static_cast<std::size_t>(sex)][grade].str());
          continue;
        }
        slot = set;
        weight_where_[static_cast<std::size_t>(sex)][grade] = file.at(entry);
      }
    }
  }
}

void Loader::read_bonus(YamlFile& file, const YAML::Node& node) {
  if (!file.check_keys(node, "bonus", {"max_total", "tables", "missing"})) return;
  if (const YAML::Node max = node["max_total"]) {
    if (auto value = rule_yaml::number(file, max, "max_total")) t_.bonus_max_total = *value;
  }
  auto place = [&](Sex sex, std::size_t grade, BonusSlot slot, const YAML::Node& at) {
    auto& slots = t_.bonus[static_cast<std::size_t>(sex)][grade];
    for (const BonusSlot& existing : slots) {
      if (existing.item == slot.item) {
        file.error(at, "bonus: " + std::string(item_code_name(slot.item)) + " for " + slot_name(sex, grade) +
                           " is given twice");
        return;
      }
    }
    slots.push_back(slot);
  };
  for (const YAML::Node& entry : node["tables"] ? node["tables"] : YAML::Node(YAML::NodeType::Sequence)) {
    if (!file.check_keys(entry, "bonus table", {"item", "sex", "grades", "confidence", "note", "steps"})) continue;
    auto table = std::make_unique<BonusTable>();
    auto item = parse_item_code(rule_yaml::scalar(file, rule_yaml::required(file, entry, "item", "bonus table"), "item").value_or(""));
    if (!item) {
      file.error(entry, "bonus table: 'item' must name a test item");
      continue;
    }
    table->item = *item;
    if (auto source = rule_yaml::read_source(file, entry)) table->source = *source;
    const YAML::Node steps = rule_yaml::required(file, entry, "steps", "bonus table");
    for (const YAML::Node& step : steps.IsSequence() ? steps : YAML::Node(YAML::NodeType::Sequence)) {
      auto value = rule_yaml::number(file, step, "steps");
      if (!value) continue;
      if (*value <= 0 || (!table->steps.empty() && *value <= table->steps.back())) {
        file.error(step, "steps: each step must be positive and larger than the one before it");
        continue;
      }
      table->steps.push_back(*value);
    }
    if (steps && (!steps.IsSequence() || table->steps.empty())) {
      file.error(steps, "steps: expected the extra performance for 1, 2, … bonus points");
    }
    const BonusTable* placed = table.get();
    t_.bonus_tables.push_back(std::move(table));
    for (Sex sex : rule_yaml::read_sexes(file, rule_yaml::required(file, entry, "sex", "bonus table"))) {
      for (std::size_t grade : rule_yaml::read_grades(file, rule_yaml::required(file, entry, "grades", "bonus table"))) {
        place(sex, grade, {*item, placed, nullptr}, entry);
      }
    }
  }
  for (const YAML::Node& entry : node["missing"] ? node["missing"] : YAML::Node(YAML::NodeType::Sequence)) {
    if (!file.check_keys(entry, "bonus missing", {"items", "sex", "grades", "reason"})) continue;
    auto missing = std::make_unique<MissingTable>();
    missing->where = file.at(entry);
    missing->reason = rule_yaml::scalar(file, rule_yaml::required(file, entry, "reason", "bonus missing"), "reason").value_or("");
    std::vector<FitnessItemCode> items;
    for (const std::string& name : rule_yaml::scalars(file, rule_yaml::required(file, entry, "items", "bonus missing"), "items")
                                       .value_or(std::vector<std::string>{})) {
      if (auto item = parse_item_code(name)) {
        items.push_back(*item);
      } else {
        file.error(entry["items"], "items: unknown item '" + name + "'");
      }
    }
    const MissingTable* placed = missing.get();
    t_.bonus_missing.push_back(std::move(missing));
    for (Sex sex : rule_yaml::read_sexes(file, rule_yaml::required(file, entry, "sex", "bonus missing"))) {
      for (std::size_t grade : rule_yaml::read_grades(file, rule_yaml::required(file, entry, "grades", "bonus missing"))) {
        for (FitnessItemCode item : items) place(sex, grade, {item, nullptr, placed}, entry);
      }
    }
  }
}

}  // namespace kq::derived::detail
