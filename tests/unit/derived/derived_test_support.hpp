#pragma once
// What the derived-value tests share: the shipped rule folder, loaded once, and small builders
// for the records they score.
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "gateway/core/dates.hpp"
#include "gateway/core/model_school.hpp"
#include "gateway/derived/school_health_rules.hpp"
#include "tests/support/dates.hpp"

namespace kq::derived::testing {

inline std::filesystem::path shipped_rules_dir() {
  return school_health_rules_dir(std::filesystem::path(KQ_SOURCE_DIR) / "mappings");
}

inline std::string joined(const std::vector<config::ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.str() + "\n";
  return out;
}

// The rules as shipped in mappings/codes/school_health/: the tests score against the real tables.
inline const SchoolHealthRules& shipped() {
  static const std::shared_ptr<const SchoolHealthRules> rules = [] {
    std::vector<config::ConfigError> errors;
    auto loaded = load_school_health_rules(shipped_rules_dir(), errors);
    if (!loaded) throw std::runtime_error("shipped school-health rules do not load:\n" + joined(errors));
    return loaded;
  }();
  return *rules;
}

using ::kq::testing::at;
using ::kq::testing::on;

inline core::FitnessItem measured(std::string code, double value) {
  core::FitnessItem item;
  item.item_code = std::move(code);
  item.raw_value = value;
  item.status = "measured";
  return item;
}

// A scratch copy of the shipped folder that a test may break, removed afterwards.
class ScratchRules {
 public:
  explicit ScratchRules(const std::string& name)
      : dir_(std::filesystem::temp_directory_path() / ("kq_derived_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::copy(shipped_rules_dir(), dir_, std::filesystem::copy_options::recursive);
  }
  ~ScratchRules() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ScratchRules(const ScratchRules&) = delete;
  ScratchRules& operator=(const ScratchRules&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  void write(const std::string& relative, const std::string& text) const {
    std::ofstream(dir_ / relative, std::ios::binary | std::ios::trunc) << text;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace kq::derived::testing
