// docs/configuration.md is partly generated from the schema tables; these tests keep it honest.
// After changing a table, regenerate with:
//   KQ_UPDATE_DOCS=1 ./build-config/tests/kq_unit_config --gtest_filter='ConfigDocs.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gateway/config/gateway_schema.hpp"
#include "gateway/config/loader.hpp"

namespace kq::config {
namespace {

const std::string kDoc = KQ_SOURCE_DIR "/docs/configuration.md";
const std::string kBegin = "<!-- BEGIN GENERATED: describe_schema_markdown() -->\n";
const std::string kEnd = "<!-- END GENERATED -->\n";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(ConfigDocs, ReferenceMatchesTheSchema) {
  std::string doc = read_file(kDoc);
  const std::size_t begin = doc.find(kBegin);
  const std::size_t end = doc.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << kDoc << " lacks " << kBegin;
  ASSERT_NE(end, std::string::npos) << kDoc << " lacks " << kEnd;
  const std::size_t from = begin + kBegin.size();
  const std::string generated = "\n" + describe_schema_markdown();
  if (std::getenv("KQ_UPDATE_DOCS") != nullptr) {
    doc.replace(from, end - from, generated);
    std::ofstream(kDoc, std::ios::binary) << doc;
    return;
  }
  EXPECT_EQ(doc.substr(from, end - from), generated)
      << "docs/configuration.md is out of date; regenerate it (see the top of docs_test.cpp)";
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
