// docs/consent.md carries the data-category reference generated from the tables in
// core/data_category.cpp, and every decision reason the module can give; these tests keep it
// honest. After changing a table, regenerate with:
//   KQ_UPDATE_DOCS=1 build/tests/kq_unit_consent --gtest_filter='ConsentDocs.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gateway/consent/decide.hpp"
#include "gateway/core/data_category.hpp"

namespace kq::consent {
namespace {

const std::string kDoc = KQ_SOURCE_DIR "/docs/consent.md";
const std::string kBegin = "<!-- BEGIN GENERATED: data categories -->\n";
const std::string kEnd = "<!-- END GENERATED -->\n";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

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
  std::string doc = read_file(kDoc);
  const std::size_t begin = doc.find(kBegin);
  const std::size_t end = doc.find(kEnd, begin == std::string::npos ? 0 : begin);
  ASSERT_NE(begin, std::string::npos) << kDoc << " lacks " << kBegin;
  ASSERT_NE(end, std::string::npos) << kDoc << " lacks " << kEnd;
  const std::size_t from = begin + kBegin.size();
  const std::string generated = categories_markdown();
  if (std::getenv("KQ_UPDATE_DOCS") != nullptr) {
    doc.replace(from, end - from, generated);
    std::ofstream(kDoc, std::ios::binary) << doc;
    return;
  }
  EXPECT_EQ(doc.substr(from, end - from), generated)
      << "docs/consent.md is out of date; regenerate it (see the top of docs_test.cpp)";
}

TEST(ConsentDocs, EveryReasonIsDocumented) {
  const std::string doc = read_file(kDoc);
  for (int r = 0; r <= static_cast<int>(Reason::guardian_required); ++r) {
    const std::string code = "`" + std::string(reason_code(static_cast<Reason>(r))) + "`";
    EXPECT_NE(doc.find(code), std::string::npos) << code << " is not in docs/consent.md";
  }
}

}  // namespace
}  // namespace kq::consent
