// The mappings shipped in mappings/ compile with the real formats and pass their own tests
// (what `kangqiao test-mappings` runs).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "gateway/mapping/mapping_set.hpp"
#include "gateway/mapping/test_runner/mapping_tests.hpp"

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

// The variables an adapter's configuration may set, checked against the whole folder.
TEST(ShippedMappings, ChannelVariablesAreCheckedAgainstTheMappingsThatDeclareThem) {
  const auto set = load_mapping_dir(kMappings);
  EXPECT_TRUE(set->check_variables({{"name_order", "pinyin_hanzi"}}).empty());
  EXPECT_EQ(set->check_variables({{"name_order", "pinyin-hanzi"}}),
            std::vector<std::string>{"name_order: 'pinyin-hanzi' is not one of xpn, pinyin_hanzi (mapping his-adt)"});
  EXPECT_EQ(set->check_variables({{"name_ordr", "xpn"}}),
            std::vector<std::string>{"name_ordr: no mapping declares this variable (declared: name_order)"});
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

// What the pipeline stores is the JSON text of each record's body: whatever way apply() builds
// it, the text must be core's own form of the record (what core writes for the typed record).
TEST(ShippedMappings, StoreCoresOwnFormOfEachRecord) {
  const auto set = load_mapping_dir(kMappings);
  ApplyOptions options;
  options.sender_org = "org-h001";
  options.today = core::PartialDate::ymd(2025, 1, 1);
  std::size_t records = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(KQ_SOURCE_DIR) /
                                                               "tests/fixtures/hl7v2")) {
    if (entry.path().extension() != ".hl7") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    for (const MapResult& result : set->map("hl7v2", bytes.str(), options)) {
      for (const MappedRecord& record : result.records) {
        SCOPED_TRACE(entry.path().filename().string() + ": " + record.rule);
        const auto kind = core::parse_kind(record.envelope.kind);
        ASSERT_TRUE(kind);
        core::ValidationContext context;
        context.today = options.today;
        const core::EnvelopeResult again = core::envelope_from_body(*kind, boost::json::value(record.envelope.body), context);
        EXPECT_TRUE(again.ok());
        EXPECT_EQ(boost::json::serialize(record.envelope.body), boost::json::serialize(again.envelope.body));
        ++records;
      }
    }
  }
  EXPECT_GE(records, 8u);
}

}  // namespace
}  // namespace kq::mapping
