// The mappings shipped in mappings/ compile with the real formats and pass their own tests
// (what `kangqiao test-mappings` runs).
#include <gtest/gtest.h>

#include <sstream>

#include "gateway/mapping/mapping_set.hpp"
#include "gateway/mapping/mapping_tests.hpp"

namespace kq::mapping {
namespace {

const std::filesystem::path kMappings = std::filesystem::path(KQ_SOURCE_DIR) / "mappings";

TEST(ShippedMappings, AllCompileTogether) {
  std::vector<config::ConfigError> errors;
  auto set = load_mapping_dir(kMappings, builtin_formats(), errors);
  std::string text;
  for (const auto& e : errors) text += e.str() + "\n";
  ASSERT_NE(set, nullptr) << text;
  EXPECT_GE(set->mappings().size(), 6u);
}

TEST(ShippedMappings, PassTheirTests) {
  std::ostringstream out;
  const TestSummary summary = run_mapping_tests(kMappings, out);
  std::cout << out.str();
  EXPECT_EQ(summary.exit_code(), 0) << out.str();
  EXPECT_EQ(summary.failed, 0);
  EXPECT_EQ(summary.broken, 0);
  EXPECT_EQ(summary.untested, 0);
  EXPECT_GE(summary.tests, 20);
}

}  // namespace
}  // namespace kq::mapping
