// docs/consent.md carries the data-category reference generated from the tables in
// core/data_category.cpp, and every decision reason the module can give; these tests keep it
// honest. After changing a table, regenerate with:
//   KQ_UPDATE_DOCS=1 build/tests/kq_unit_consent --gtest_filter='ConsentDocs.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gateway/config/loader.hpp"
#include "gateway/consent/decide.hpp"
#include "gateway/consent/policy.hpp"
#include "gateway/core/data_category.hpp"
#include "tests/support/generated_docs.hpp"

namespace kq::consent {
namespace {

const std::string kDoc = KQ_SOURCE_DIR "/docs/consent.md";
const std::string kBegin = "<!-- BEGIN GENERATED: data categories -->\n";
const std::string kEnd = "<!-- END GENERATED -->\n";

using kq::testing::read_file;

std::string categories_markdown() {
  std::ostringstream out;
  out << "\n| Category | 名称 | GB/T 39725 class | Level | Sensitive | About a person | Covers |\n"
      << "|---|---|---|---|---|---|---|\n";
  for (const core::DataCategoryInfo& c : core::data_category_table()) {
    out << "| `" << c.code << "` | " << c.name_zh << " | " << core::class_name_zh(c.gbt39725_class) << " ("
        << core::class_name(c.gbt39725_class) << ") | " << c.level << " | " << (c.sensitive ? "yes" : "no") << " | "
        << (c.personal ? "yes" : "no") << " | " << c.description << " |\n";
  }
  out << "\nEvery record kind has its category; these rules refine it:\n\n"
      << "| Record kind | Field | Match | Value | Category | Why |\n|---|---|---|---|---|---|\n";
  for (const core::CategoryRule& r : core::data_category_rules()) {
    out << "| `" << core::kind_name(r.kind) << "` | `" << r.field << "` | " << r.match << " | `" << r.value
        << "` | `" << core::describe(r.category).code << "` | " << r.why << " |\n";
  }
  return out.str();
}

TEST(ConsentDocs, CategoryReferenceMatchesTheTables) {
  kq::testing::expect_generated_section(kDoc, kBegin, kEnd, categories_markdown());
}

TEST(ConsentDocs, EveryReasonIsDocumented) {
  const std::string doc = read_file(kDoc);
  for (int r = 0; r <= static_cast<int>(Reason::guardian_required); ++r) {
    const std::string code = "`" + std::string(reason_code(static_cast<Reason>(r))) + "`";
    EXPECT_NE(doc.find(code), std::string::npos) << code << " is not in docs/consent.md";
  }
}

// The configuration example of docs/consent.md loads, and a pull opened with it carries the
// statutory flow it declares.
TEST(ConsentDocs, ConfigurationExampleLoadsAndOpensAPull) {
  const std::string doc = read_file(kDoc);
  const std::string marker = "<!-- example: consent -->\n```yaml\n";
  const std::size_t begin = doc.find(marker);
  ASSERT_NE(begin, std::string::npos) << kDoc << " lacks the configuration example";
  const std::size_t from = begin + marker.size();
  const std::string yaml = "data_dir: .\nlisteners: [{name: a, port: 0}]\n" + doc.substr(from, doc.find("```\n", from) - from);
  const config::GatewayConfig config = config::load_gateway_config_from_string(yaml, "consent.md");
  const Policy policy(config);
  EXPECT_TRUE(policy.warnings().empty());
  const auto opened = policy.open("haidian-cdc", "PUBHLTH", 1'740'794'400'000);  // 2025-03-01 10:00 +08:00
  ASSERT_TRUE(std::holds_alternative<Request>(opened));
  const Request& request = std::get<Request>(opened);
  ASSERT_EQ(request.flows.size(), 1u);
  EXPECT_EQ(request.flows[0].name, "student-fitness-statistics");
  EXPECT_TRUE(std::holds_alternative<Request>(policy.open("haidian-cdc", "SCHFEEDBACK", 0)));
  EXPECT_FALSE(std::holds_alternative<Request>(policy.open("haidian-cdc", "TREAT", 0)));
}

}  // namespace
}  // namespace kq::consent
