#include "gateway/derived/school_health_rules.hpp"

namespace kq::derived {

std::string SchoolHealthRules::versions() const {
  std::string out;
  auto add = [&](const std::string& id) { out += (out.empty() ? "" : " ") + id; };
  if (fitness) add(fitness->id());
  if (vision) add(vision->id());
  if (mental_health) add(mental_health->id());
  if (alerts) add(alerts->id());
  return out;
}

std::shared_ptr<const SchoolHealthRules> load_school_health_rules(const std::filesystem::path& dir,
                                                                  std::vector<config::ConfigError>& errors) {
  const std::size_t before = errors.size();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    errors.push_back({{dir.string(), 0, 0}, "the school-health rules folder does not exist"});
    return nullptr;
  }
  auto rules = std::make_shared<SchoolHealthRules>();
  // Each loader reports its own files, so one broken file does not hide problems in the others.
  rules->fitness = load_fitness_tables(dir / "fitness", errors);
  rules->vision = load_vision_rules(dir / "vision.yaml", errors);
  rules->mental_health = load_mental_health_rules(dir / "mental_health.yaml", errors);
  rules->alerts = load_alert_rules(dir / "alerts.yaml", errors);
  if (errors.size() != before) return nullptr;
  return rules;
}

std::shared_ptr<const SchoolHealthRules> school_health_rules_of(const std::filesystem::path& mappings_dir,
                                                                std::vector<config::ConfigError>& errors) {
  if (mappings_dir.empty()) return nullptr;
  const std::filesystem::path dir = school_health_rules_dir(mappings_dir);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return nullptr;
  return load_school_health_rules(dir, errors);
}

}  // namespace kq::derived
