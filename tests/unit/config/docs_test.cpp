// docs/configuration.md is partly generated from the schema tables; these tests keep it honest.
// After changing a table, regenerate with:
//   KQ_UPDATE_DOCS=1 ./build-config/tests/kq_unit_config --gtest_filter='ConfigDocs.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gateway/config/gateway_schema.hpp"
#include "gateway/config/loader.hpp"
#include "tests/support/generated_docs.hpp"

namespace kq::config {
namespace {

const std::string kDoc = KQ_SOURCE_DIR "/docs/configuration.md";
const std::string kBegin = "<!-- BEGIN GENERATED: describe_schema_markdown() -->\n";
const std::string kEnd = "<!-- END GENERATED -->\n";

using kq::testing::read_file;

TEST(ConfigDocs, ReferenceMatchesTheSchema) {
  kq::testing::expect_generated_section(kDoc, kBegin, kEnd, "\n" + describe_schema_markdown());
}

// The annotated example must stay a valid configuration. Its certificate files are generated
// by `make certs` and may be absent here, so "does not exist" is the only error tolerated.
TEST(ConfigDocs, AnnotatedExampleLoads) {
  const std::string doc = read_file(kDoc);
  const std::string marker = "<!-- example: full -->\n```yaml\n";
  const std::size_t begin = doc.find(marker);
  ASSERT_NE(begin, std::string::npos) << kDoc << " lacks the full example";
  const std::size_t from = begin + marker.size();
  const std::string yaml = doc.substr(from, doc.find("```\n", from) - from);
  const EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "KQ_ADMIN_PORT") return "18080";
    return std::nullopt;
  };
  try {
    const GatewayConfig c = load_gateway_config_from_string(yaml, KQ_SOURCE_DIR "/config/example.yaml", env);
    EXPECT_EQ(c.listeners.size(), 2u);
  } catch (const ConfigErrors& e) {
    for (const ConfigError& error : e.errors()) {
      EXPECT_NE(error.message.find("does not exist"), std::string::npos) << error.str();
    }
  }
}

}  // namespace
}  // namespace kq::config
