// Loading the rule folder: the shipped tables load and name their versions; a broken table is
// refused at start-up with file:line:col, and a gap in the tables must be written down.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tests/unit/derived/derived_test_support.hpp"

namespace kq::derived {
namespace {

using testing::joined;
using testing::ScratchRules;

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The errors of loading a copy of the shipped folder with one edit in one file; the load must fail.
std::vector<config::ConfigError> errors_with_edit(const std::string& name, const std::string& file,
                                                  const std::string& from, const std::string& to) {
  ScratchRules scratch(name);
  std::string text = read(scratch.dir() / file);
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("'" + from + "' is not in " + file);
  text.replace(at, from.size(), to);
  scratch.write(file, text);
  std::vector<config::ConfigError> errors;
  EXPECT_EQ(load_school_health_rules(scratch.dir(), errors), nullptr);
  return errors;
}

TEST(RulesLoad, ShippedFolderLoadsWithItsVersions) {
  const SchoolHealthRules& rules = testing::shipped();
  EXPECT_EQ(rules.versions(),
            "cspfs-2014@1.0.0 vision-screening@1.0.0 mental-health-screening@1.0.0 school-health-alerts@1.0.0");
  const FitnessTables& fitness = *rules.fitness;
  EXPECT_EQ(fitness.levels.size(), 20U);
  // Every weighted (item, sex, grade) has a table or a written reason: the loader checks it, and
  // here the 高一 boys' 肺活量 table is present and verified, the 初一 one missing with a reason.
  const auto h1 = *grade_index("31"), j1 = *grade_index("21");
  const TableSlot& verified = fitness.item(FitnessItemCode::vital_capacity).slots[0][h1];
  ASSERT_NE(verified.table, nullptr);
  EXPECT_EQ(verified.table->source.confidence, Confidence::verified);
  const TableSlot& missing = fitness.item(FitnessItemCode::vital_capacity).slots[0][j1];
  EXPECT_EQ(missing.table, nullptr);
  ASSERT_NE(missing.missing, nullptr);
  EXPECT_FALSE(missing.missing->reason.empty());
}

TEST(RulesLoad, ThresholdsOutOfOrderAreReportedAtTheirPlace) {
  const auto errors = errors_with_edit("order", "fitness/vital_capacity.yaml", "[1700, 1600, 1500,", "[1700, 1600, 1650,");
  ASSERT_EQ(errors.size(), 1U) << joined(errors);
  EXPECT_NE(errors[0].where.file.find("vital_capacity.yaml"), std::string::npos);
  EXPECT_EQ(errors[0].where.line, 13);
  EXPECT_EQ(errors[0].where.column, 31);  // where 1650 stands
  EXPECT_EQ(errors[0].message, "threshold: 1650 must be below the threshold of the level before it (1600)");
}

TEST(RulesLoad, AGapThatIsNotWrittenDownIsRefused) {
  const auto errors = errors_with_edit("gap", "fitness/pull_up.yaml", "grades: [21, 22, 23, 31, 32, 33, 41, 42, 43, 44]",
                                      "grades: [21, 22, 23, 31, 32, 33, 41, 42, 43]");
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(joined(errors).find("pull_up.yaml: no table and no missing entry for boys grade 44 (大学四年级)"),
            std::string::npos)
      << joined(errors);
}

TEST(RulesLoad, ConfidenceIsRequiredAndChecked) {
  const auto errors = errors_with_edit("confidence", "vision.yaml", "chart:\n  confidence: V", "chart:\n  confidence: maybe");
  ASSERT_EQ(errors.size(), 1U) << joined(errors);
  EXPECT_NE(errors[0].message.find("'maybe' is not V"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[0].where.file.find("vision.yaml"), std::string::npos);
  EXPECT_EQ(errors[0].where.line, 14);
  EXPECT_EQ(errors[0].where.column, 15);
}

TEST(RulesLoad, EveryBrokenFileIsReportedNotOnlyTheFirst) {
  ScratchRules scratch("several");
  scratch.write("mental_health.yaml", "set: mental-health-screening\n");
  scratch.write("alerts.yaml", "set: Bad Name\nversion: 1\nrules: []\n");
  std::vector<config::ConfigError> errors;
  EXPECT_EQ(load_school_health_rules(scratch.dir(), errors), nullptr);
  const std::string all = joined(errors);
  EXPECT_NE(all.find("mental_health.yaml"), std::string::npos) << all;
  EXPECT_NE(all.find("'version' is required"), std::string::npos) << all;
  EXPECT_NE(all.find("alerts.yaml:1:"), std::string::npos) << all;
}

}  // namespace
}  // namespace kq::derived
