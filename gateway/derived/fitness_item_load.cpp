// Loading a fitness table set, part 2: one file per item (thresholds per sex and grade, or a
// reason why a table is missing), the BMI bands, and the checks across files: every (item, sex,
// grade) the weights need has a table or a written-down reason, and nothing else has one.
#include <algorithm>
#include <cmath>

#include "gateway/derived/fitness_loader.hpp"

namespace kq::derived::detail {

namespace fs = std::filesystem;

void Loader::read_missing(YamlFile& file, const YAML::Node& node, std::vector<std::unique_ptr<MissingTable>>& owned,
                          const std::function<void(Sex, std::size_t, const MissingTable*, const YAML::Node&)>& place) {
  if (!node.IsSequence()) {
    file.error(node, "missing: expected a list of {sex, grades, reason}");
    return;
  }
  for (const YAML::Node& entry : node) {
    if (!file.check_keys(entry, "missing", {"sex", "grades", "reason"})) continue;
    auto missing = std::make_unique<MissingTable>();
    missing->where = file.at(entry);
    missing->reason = rule_yaml::scalar(file, rule_yaml::required(file, entry, "reason", "missing"), "reason").value_or("");
    const MissingTable* placed = missing.get();
    owned.push_back(std::move(missing));
    for (Sex sex : rule_yaml::read_sexes(file, rule_yaml::required(file, entry, "sex", "missing"))) {
      for (std::size_t grade : rule_yaml::read_grades(file, rule_yaml::required(file, entry, "grades", "missing"))) {
        place(sex, grade, placed, entry);
      }
    }
  }
}

void Loader::read_item_tables(YamlFile& file, const YAML::Node& node, ItemTables& item) {
  const std::size_t levels = t_.levels.size();
  auto place = [&](Sex sex, std::size_t grade, TableSlot value, const YAML::Node& at) {
    TableSlot& slot = item.slots[static_cast<std::size_t>(sex)][grade];
    if (slot.table != nullptr || slot.missing != nullptr) {
      file.error(at, "tables: " + slot_name(sex, grade) + " is given twice");
      return;
    }
    slot = value;
  };
  if (!node.IsSequence()) {
    file.error(node, "tables: expected a list of {sex, grades, confidence, thresholds}");
    return;
  }
  for (const YAML::Node& entry : node) {
    if (!file.check_keys(entry, "table", {"sex", "grades", "confidence", "note", "thresholds"})) continue;
    auto table = std::make_unique<ScoreTable>();
    if (auto source = rule_yaml::read_source(file, entry)) table->source = *source;
    const YAML::Node thresholds = rule_yaml::required(file, entry, "thresholds", "table");
    if (!thresholds) continue;
    if (!thresholds.IsSequence() || thresholds.size() != levels) {
      file.error(thresholds, "thresholds: expected " + std::to_string(levels) +
                                 " values, one per score level (100 first); write ~ for a level the source lacks");
      continue;
    }
    std::optional<double> last;
    for (const YAML::Node& value : thresholds) {
      if (value.IsNull()) {
        table->thresholds.push_back(std::nullopt);
        continue;
      }
      auto number = rule_yaml::number(file, value, "threshold");
      table->thresholds.push_back(number);
      if (!number) continue;
      if (!rule_yaml::on_grid(*number, item.step)) {
        file.error(value, "threshold: " + format_number(*number, 4) + " is not a multiple of the item's step " +
                              format_number(item.step, 4));
      }
      const bool in_order = !last || (item.better == Better::higher ? *number < *last : *number > *last);
      if (!in_order) {
        file.error(value, std::string("threshold: ") + format_number(*number, 4) + " must be " +
                              (item.better == Better::higher ? "below" : "above") +
                              " the threshold of the level before it (" + format_number(*last, 4) + ")");
      }
      last = number;
    }
    if (!last) file.error(entry, "table: every threshold is missing; write a `missing` entry instead");
    const ScoreTable* placed = table.get();
    item.tables.push_back(std::move(table));
    for (Sex sex : rule_yaml::read_sexes(file, rule_yaml::required(file, entry, "sex", "table"))) {
      for (std::size_t grade : rule_yaml::read_grades(file, rule_yaml::required(file, entry, "grades", "table"))) {
        place(sex, grade, {placed, nullptr}, entry);
      }
    }
  }
}

void Loader::read_item_file(const fs::path& path) {
  YamlFile file(path.string(), errors_);
  const YAML::Node root = rule_yaml::load(path, file);
  if (!root || root.IsNull()) return;
  if (!root.IsMap()) {
    file.error(root, "item table file: expected a mapping of key: value");
    return;
  }
  const YAML::Node item_node = rule_yaml::required(file, root, "item", "item table file");
  if (!item_node) return;
  const std::string name = file.scalar(item_node, "item").value_or("");
  auto code = parse_item_code(name);
  if (!code) {
    file.error(item_node, "item: unknown item '" + name + "'");
    return;
  }
  if (*code == FitnessItemCode::bmi) {
    read_bmi(file, root);
    return;
  }
  if (!file.check_keys(root, "item table file",
                       {"item", "name", "unit", "better", "step", "plausible", "tables", "missing"})) {
    return;
  }
  ItemTables& item = t_.items[static_cast<std::size_t>(*code)];
  if (item.loaded) {
    file.error(item_node, "item: " + name + " is also defined in " + item.file);
    return;
  }
  item.loaded = true;
  item.item = *code;
  item.file = path.string();
  if (const YAML::Node title = root["name"]) item.name = file.scalar(title, "name").value_or("");
  item.unit = rule_yaml::scalar(file, rule_yaml::required(file, root, "unit", "item table file"), "unit").value_or("");
  const YAML::Node better = rule_yaml::required(file, root, "better", "item table file");
  const std::string better_text = better ? file.scalar(better, "better").value_or("") : "";
  if (better_text == "lower") {
    item.better = Better::lower;
  } else if (better_text != "higher" && better) {
    file.error(better, "better: '" + better_text + "' is not higher or lower");
  }
  if (auto step = rule_yaml::number(file, rule_yaml::required(file, root, "step", "item table file"), "step")) {
    if (*step <= 0) file.error(root["step"], "step: must be positive");
    item.step = *step > 0 ? *step : 1;
  }
  if (const YAML::Node plausible = root["plausible"]) {
    if (!plausible.IsSequence() || plausible.size() != 2) {
      file.error(plausible, "plausible: expected [lowest, highest]");
    } else {
      item.plausible_min = rule_yaml::number(file, plausible[0], "plausible");
      item.plausible_max = rule_yaml::number(file, plausible[1], "plausible");
    }
  }
  if (const YAML::Node tables = root["tables"]) read_item_tables(file, tables, item);
  if (const YAML::Node missing = root["missing"]) {
    read_missing(file, missing, item.missing, [&](Sex sex, std::size_t grade, const MissingTable* m, const YAML::Node& at) {
      TableSlot& slot = item.slots[static_cast<std::size_t>(sex)][grade];
      if (slot.table != nullptr || slot.missing != nullptr) {
        file.error(at, "missing: " + slot_name(sex, grade) + " already has a table or a missing entry");
        return;
      }
      slot.missing = m;
    });
  }
}

std::optional<int> Loader::tenths(YamlFile& file, const YAML::Node& node, std::string_view what) {
  auto value = rule_yaml::number(file, node, what);
  if (!value) return std::nullopt;
  if (!rule_yaml::on_grid(*value, 0.1)) {
    file.error(node, std::string(what) + ": BMI bands are given to 0.1 kg/m²");
    return std::nullopt;
  }
  return static_cast<int>(std::lround(*value * 10));
}

void Loader::read_bmi(YamlFile& file, const YAML::Node& root) {
  if (!file.check_keys(root, "BMI table file", {"item", "name", "unit", "scores", "labels", "bands", "missing"})) return;
  BmiTables& bmi = t_.bmi;
  if (!bmi.file.empty()) {
    file.error(root["item"], "item: bmi is also defined in " + bmi.file);
    return;
  }
  bmi.file = file.file();
  constexpr std::array<std::string_view, kBmiCategoryCount> kKeys = {"low", "normal", "overweight", "obese"};
  const std::vector<std::string_view> keys(kKeys.begin(), kKeys.end());
  const YAML::Node scores = rule_yaml::required(file, root, "scores", "BMI table file");
  const YAML::Node labels = rule_yaml::required(file, root, "labels", "BMI table file");
  for (std::size_t i = 0; i < kBmiCategoryCount; ++i) {
    if (scores && file.check_keys(scores, "scores", keys)) {
      const YAML::Node score = rule_yaml::required(file, scores, kKeys[i], "scores");
      if (auto value = score ? file.integer(score, "score") : std::nullopt) bmi.scores[i] = static_cast<int>(*value);
    }
    if (labels && file.check_keys(labels, "labels", keys)) {
      const YAML::Node label = rule_yaml::required(file, labels, kKeys[i], "labels");
      if (label) bmi.labels[i] = file.scalar(label, "label").value_or("");
    }
  }
  const YAML::Node bands = rule_yaml::required(file, root, "bands", "BMI table file");
  for (const YAML::Node& entry : bands.IsSequence() ? bands : YAML::Node(YAML::NodeType::Sequence)) {
    if (!file.check_keys(entry, "BMI bands",
                         {"sex", "grades", "confidence", "note", "low", "normal", "overweight", "obese"})) {
      continue;
    }
    auto row = std::make_unique<BmiBands>();
    if (auto source = rule_yaml::read_source(file, entry)) row->source = *source;
    // The published columns: 低体重 ≤ a, 正常 b–c, 超重 d–e, 肥胖 ≥ f. Each band must start one
    // step (0.1) above the end of the one below it, or a BMI would fall between two bands.
    auto range = [&](const YAML::Node& node, std::string_view what) -> std::optional<std::pair<int, int>> {
      if (!node.IsSequence() || node.size() != 2) {
        file.error(node, std::string(what) + ": expected [from, to]");
        return std::nullopt;
      }
      auto from = tenths(file, node[0], what);
      auto to = tenths(file, node[1], what);
      if (!from || !to) return std::nullopt;
      if (*to < *from) file.error(node, std::string(what) + ": 'to' is below 'from'");
      return std::pair{*from, *to};
    };
    auto meets = [&](const YAML::Node& at, int below_end, int from, std::string_view what) {
      if (from != below_end + 1) {
        file.error(at, std::string(what) + " must start at " + format_number((below_end + 1) / 10.0) +
                           ", one step above the band below it");
      }
    };
    const auto low = tenths(file, rule_yaml::required(file, entry, "low", "BMI bands"), "low");
    const auto normal = range(rule_yaml::required(file, entry, "normal", "BMI bands"), "normal");
    if (!low || !normal) continue;
    meets(entry["normal"], *low, normal->first, "normal");
    row->low_max = *low;
    row->normal_max = normal->second;
    if (entry["overweight"] || entry["obese"]) {
      if (!entry["overweight"] || !entry["obese"]) {
        file.error(entry, "BMI bands: give both overweight and obese, or neither (when the source lacks them)");
        continue;
      }
      const auto overweight = range(entry["overweight"], "overweight");
      const auto obese = tenths(file, entry["obese"], "obese");
      if (!overweight || !obese) continue;
      meets(entry["overweight"], row->normal_max, overweight->first, "overweight");
      meets(entry["obese"], overweight->second, *obese, "obese");
      row->overweight_max = overweight->second;
    }
    const BmiBands* placed = row.get();
    bmi.rows.push_back(std::move(row));
    for (Sex sex : rule_yaml::read_sexes(file, rule_yaml::required(file, entry, "sex", "BMI bands"))) {
      for (std::size_t grade : rule_yaml::read_grades(file, rule_yaml::required(file, entry, "grades", "BMI bands"))) {
        auto& slot = bmi.slots[static_cast<std::size_t>(sex)][grade];
        if (slot != nullptr) {
          file.error(entry, "BMI bands: " + slot_name(sex, grade) + " is given twice");
          continue;
        }
        slot = placed;
      }
    }
  }
  if (const YAML::Node missing = root["missing"]) {
    read_missing(file, missing, bmi.missing, [&](Sex sex, std::size_t grade, const MissingTable* m, const YAML::Node& at) {
      auto s = static_cast<std::size_t>(sex);
      if (bmi.slots[s][grade] != nullptr || bmi.missing_slots[s][grade] != nullptr) {
        file.error(at, "missing: " + slot_name(sex, grade) + " already has bands or a missing entry");
        return;
      }
      bmi.missing_slots[s][grade] = m;
    });
  }
}

void Loader::check_coverage() {
  for (Sex sex : {Sex::male, Sex::female}) {
    const auto s = static_cast<std::size_t>(sex);
    for (std::size_t grade = 0; grade < kGradeCount; ++grade) {
      const WeightSet* weights = t_.weights[s][grade];
      if (weights == nullptr) {
        errors_.push_back({{set_file_, 0, 0}, "weights: none for " + slot_name(sex, grade)});
        continue;
      }
      auto weighted = [&](FitnessItemCode item) {
        return std::any_of(weights->weights.begin(), weights->weights.end(),
                           [&](const Weight& w) { return w.item == item; });
      };
      for (const Weight& weight : weights->weights) {
        if (weight.item == FitnessItemCode::bmi) {
          if (t_.bmi.file.empty()) {
            errors_.push_back({weight_where_[s][grade], "weights: bmi is weighted but there is no BMI table file"});
          } else if (t_.bmi.slots[s][grade] == nullptr && t_.bmi.missing_slots[s][grade] == nullptr) {
            errors_.push_back({{t_.bmi.file, 0, 0}, "no bands and no missing entry for " + slot_name(sex, grade)});
          }
          continue;
        }
        const ItemTables& item = t_.item(weight.item);
        if (!item.loaded) {
          errors_.push_back({weight_where_[s][grade], "weights: " + std::string(item_code_name(weight.item)) +
                                                           " is weighted but no file in the folder defines it"});
        } else if (item.slots[s][grade].table == nullptr && item.slots[s][grade].missing == nullptr) {
          errors_.push_back({{item.file, 0, 0}, "no table and no missing entry for " + slot_name(sex, grade)});
        }
      }
      // A table where the item is not tested is most likely a grade typed wrongly.
      for (const ItemTables& item : t_.items) {
        const TableSlot& slot = item.slots[s][grade];
        if ((slot.table != nullptr || slot.missing != nullptr) && !weighted(item.item)) {
          const config::SourceLocation where = slot.table ? slot.table->source.where : slot.missing->where;
          errors_.push_back({where, std::string(item_code_name(item.item)) + " is not a test item for " +
                                        slot_name(sex, grade) + " (it has no weight there)"});
        }
      }
      for (const BonusSlot& bonus : t_.bonus[s][grade]) {
        if (!weighted(bonus.item)) {
          const config::SourceLocation where = bonus.table ? bonus.table->source.where : bonus.missing->where;
          errors_.push_back({where, "bonus: " + std::string(item_code_name(bonus.item)) + " is not a test item for " +
                                        slot_name(sex, grade)});
        }
      }
    }
  }
}

}  // namespace kq::derived::detail

namespace kq::derived {

namespace fs = std::filesystem;

std::shared_ptr<const FitnessTables> load_fitness_tables(const std::filesystem::path& dir,
                                                         std::vector<config::ConfigError>& errors) {
  const std::size_t before = errors.size();
  auto tables = std::make_shared<FitnessTables>();
  detail::Loader loader(*tables, errors);
  const fs::path set = dir / "set.yaml";
  std::error_code ec;
  if (!fs::is_regular_file(set, ec)) {
    errors.push_back({{set.string(), 0, 0}, "a fitness table folder needs set.yaml (levels, weights, bonus)"});
    return nullptr;
  }
  loader.read_set(set);
  if (tables->levels.empty() || tables->item_levels.empty() || tables->overall_levels.empty()) return nullptr;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml" && entry.path().filename() != "set.yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) loader.read_item_file(file);
  loader.check_coverage();
  if (errors.size() != before) return nullptr;
  return tables;
}

}  // namespace kq::derived
