#pragma once
// Every rule set of school health in one place: the folder mappings/codes/school_health/ holds
//
//   fitness/            the 《国家学生体质健康标准》 tables (set.yaml + one file per item)
//   vision.yaml         5-point chart, 视力不良, 筛查性近视, myopia degree, rate exclusion
//   mental_health.yaml  when a mental-health screening counts as positive
//   alerts.yaml         the 预警 rules over all of these
//
// The folder sits under codes/ so that the mapping loader, which compiles every other YAML file
// below mappings/, passes over it. Loaded once at start-up (and on reload); immutable after, so
// one instance is shared by every thread.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gateway/config/source_location.hpp"
#include "gateway/derived/alert_rules.hpp"
#include "gateway/derived/fitness_tables.hpp"
#include "gateway/derived/mental_health_rules.hpp"
#include "gateway/derived/vision_rules.hpp"

namespace kq::derived {

struct SchoolHealthRules {
  std::shared_ptr<const FitnessTables> fitness;
  std::shared_ptr<const VisionRules> vision;
  std::shared_ptr<const MentalHealthRules> mental_health;
  std::shared_ptr<const AlertRules> alerts;

  // "cspfs-2014@1.0.0 vision-screening@1.0.0 …", for the start-up log line.
  std::string versions() const;
};

// The folder's conventional place below a mappings folder.
inline std::filesystem::path school_health_rules_dir(const std::filesystem::path& mappings_dir) {
  return mappings_dir / "codes" / "school_health";
}

// Loads every rule set of the folder. Each problem goes to `errors` with file:line:col; nullptr
// when there is any, so a deployment never runs on half a rule set.
std::shared_ptr<const SchoolHealthRules> load_school_health_rules(const std::filesystem::path& dir,
                                                                  std::vector<config::ConfigError>& errors);

// The rules beside the mappings of `mappings_dir` (its codes/school_health/), as the gateway runs
// with them: nullptr without errors when there is no such folder (a deployment without school
// health), nullptr with errors when it is broken.
std::shared_ptr<const SchoolHealthRules> school_health_rules_of(const std::filesystem::path& mappings_dir,
                                                                std::vector<config::ConfigError>& errors);

}  // namespace kq::derived
