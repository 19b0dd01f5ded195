// docs/canonical-model.md lists every record kind and field from the mapping compiler's target
// schema. After changing the model, regenerate it with:
//   KQ_UPDATE_DOCS=1 ./build/tests/kq_unit_mapping --gtest_filter='CanonicalModelDocs.*'
#include <gtest/gtest.h>

#include "gateway/core/record_kind.hpp"
#include "gateway/mapping/compiler/target_schema.hpp"
#include "tests/support/generated_docs.hpp"

namespace kq::mapping {
namespace {

const std::string kDoc = KQ_SOURCE_DIR "/docs/canonical-model.md";

TEST(CanonicalModelDocs, ReferenceMatchesTheTargetSchema) {
  kq::testing::expect_generated_section(kDoc, "<!-- BEGIN GENERATED: target_schema_markdown() -->\n",
                                        "<!-- END GENERATED -->\n", target_schema_markdown());
}

TEST(CanonicalModelDocs, EveryKindAndItsNestedAndVariantFieldsAreListed) {
  const std::string text = target_schema_markdown();
  for (core::RecordKind kind : core::kAllRecordKinds) {
    EXPECT_NE(text.find("### `" + std::string(core::kind_name(kind)) + "`"), std::string::npos) << core::kind_name(kind);
  }
  EXPECT_NE(text.find("| `identifiers[].value` | text |"), std::string::npos);
  EXPECT_NE(text.find("| `name.text` | text |"), std::string::npos);
  EXPECT_NE(text.find("| `value.value` | number | when `value.type` is `quantity` |"), std::string::npos);
  EXPECT_EQ(text.find("| `value.type` | code | when"), std::string::npos);  // the tag is listed once
  EXPECT_NE(text.find("| `cn-resident-id` | `urn:oid:2.16.156.10011.1.3` |"), std::string::npos);
}

}  // namespace
}  // namespace kq::mapping
