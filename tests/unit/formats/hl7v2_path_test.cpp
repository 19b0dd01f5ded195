// HL7 v2 paths: compile errors, what each form selects, locations, empty versus HL7 null, and
// scopes ("each OBR with its OBX").
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/formats/hl7v2/format.hpp"

namespace kq::formats {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KQ_SOURCE_DIR) + "/tests/fixtures/hl7v2/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::unique_ptr<Document> parse(std::string_view bytes) {
  ParseError error;
  auto document = hl7v2_format().parse(bytes, ParseOptions{}, error);
  EXPECT_NE(document, nullptr) << error.location << ": " << error.message;
  return document;
}

std::vector<Match> select(const Document& document, std::string_view path,
                          const Match* scope = nullptr) {
  std::string error;
  const auto compiled = hl7v2_format().compile_path(path, error);
  EXPECT_NE(compiled, nullptr) << path << ": " << error;
  if (compiled == nullptr) return {};
  return compiled->select(document, scope);
}

std::vector<std::string> texts(const Document& document, std::string_view path,
                               const Match* scope = nullptr) {
  std::vector<std::string> out;
  for (const Match& m : select(document, path, scope)) out.push_back(m.text);
  return out;
}

std::vector<std::string> locations(const Document& document, std::string_view path,
                                   const Match* scope = nullptr) {
  std::vector<std::string> out;
  for (const Match& m : select(document, path, scope)) out.push_back(m.location);
  return out;
}

std::string compile_error(std::string_view path) {
  std::string error;
  EXPECT_EQ(hl7v2_format().compile_path(path, error), nullptr) << path;
  return error;
}

using Strings = std::vector<std::string>;

TEST(Hl7PathCompile, ReportsPreciseErrors) {
  EXPECT_EQ(compile_error(""), "path is empty");
  EXPECT_EQ(compile_error("  "), "path is empty");
  EXPECT_EQ(compile_error("PI-5"), "segment name must be 3 upper-case letters or digits: 'PI'");
  EXPECT_EQ(compile_error("pid-5"), "segment name must be 3 upper-case letters or digits: 'pid'");
  EXPECT_EQ(compile_error("PID5"), "segment name must be 3 upper-case letters or digits: 'PID5'");
  EXPECT_EQ(compile_error("PID-0"), "field number must be ≥ 1");
  EXPECT_EQ(compile_error("PID-"), "field number must be a number: ''");
  EXPECT_EQ(compile_error("PID-x"), "field number must be a number: 'x'");
  EXPECT_EQ(compile_error("PID-123456"), "field number must be at most 99999: '123456'");
  EXPECT_EQ(compile_error("PID-3[a].1"), "repetition must be a number or *: 'a'");
  EXPECT_EQ(compile_error("PID-3[]"), "repetition must be a number or *: ''");
  EXPECT_EQ(compile_error("PID-3[0]"), "repetition must be ≥ 1");
  EXPECT_EQ(compile_error("PID-3[2"), "missing ']' after the repetition in 'PID-3[2'");
  EXPECT_EQ(compile_error("OBX[0]-5"), "segment index must be ≥ 1");
  EXPECT_EQ(compile_error("OBX[x]"), "segment index must be a number or *: 'x'");
  EXPECT_EQ(compile_error("PID-5.0"), "component number must be ≥ 1");
  EXPECT_EQ(compile_error("PID-5."), "component number must be a number: ''");
  EXPECT_EQ(compile_error("PID-5.1.0"), "subcomponent number must be ≥ 1");
  EXPECT_EQ(compile_error("PID-5.1.2.3"), "unexpected '.3' after 'PID-5.1.2'");
  EXPECT_EQ(compile_error("PID-5 x"), "unexpected ' x' after 'PID-5'");
  EXPECT_EQ(compile_error("PID.5"), "expected '-' and a field number after 'PID', found '.5'");
  EXPECT_EQ(
      compile_error("MSH-2.1"),
      "MSH-1 and MSH-2 are the separators themselves: they have no repetitions or components");
  EXPECT_EQ(
      compile_error("MSH-1[2]"),
      "MSH-1 and MSH-2 are the separators themselves: they have no repetitions or components");
}

TEST(Hl7PathCompile, ParsesEveryForm) {
  hl7v2::PathSpec spec;
  std::string error;
  ASSERT_TRUE(hl7v2::parse_path("/OBX[2]-5[*].1.2", spec, error)) << error;
  EXPECT_TRUE(spec.absolute);
  EXPECT_EQ(spec.segment_type, hl7v2::pack_segment_name("OBX"));
  EXPECT_EQ(spec.segment_index, 2u);
  EXPECT_EQ(spec.field, 5u);
  EXPECT_EQ(spec.repetition, hl7v2::kEvery);
  EXPECT_EQ(spec.component, 1u);
  EXPECT_EQ(spec.subcomponent, 2u);
  ASSERT_TRUE(hl7v2::parse_path("ZP1", spec, error)) << error;
  EXPECT_EQ(spec.segment_index, hl7v2::kEvery);
  EXPECT_EQ(spec.field, 0u);
  EXPECT_EQ(spec.repetition, 1u);
  std::string unused;
  const auto path = hl7v2_format().compile_path(" PID-5.1 ", unused);
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(path->text(), " PID-5.1 ");  // as written
}

class Hl7PathA01 : public ::testing::Test {
 protected:
  std::unique_ptr<Document> doc_ = parse(fixture("adt_a01.hl7"));
};

TEST_F(Hl7PathA01, SelectsFieldsComponentsAndSubcomponents) {
  ASSERT_NE(doc_, nullptr);
  EXPECT_EQ(texts(*doc_, "PID-5.1"), Strings{"ZHANG SAN"});
  EXPECT_EQ(texts(*doc_, "PID-5.2"), Strings{"张三"});
  EXPECT_EQ(texts(*doc_, "PID-5"), Strings{"ZHANG SAN^张三"});
  EXPECT_EQ(texts(*doc_, "PID-7"), Strings{"19491231"});
  EXPECT_EQ(texts(*doc_, "PID-19"), Strings{"11010519491231002X"});
  EXPECT_EQ(texts(*doc_, "PID-22.3"), Strings{"汉族"});
  EXPECT_EQ(texts(*doc_, "PID-3[2].4.2"), Strings{"2.16.156.10011.1.3"});
  EXPECT_EQ(locations(*doc_, "PID-3[2].4.2"), Strings{"PID-3[2].4.2"});
  EXPECT_EQ(texts(*doc_, "PV1-3.9"), Strings{"心血管内科一病区"});
  EXPECT_EQ(texts(*doc_, "PV1-44"), Strings{"20240912103000"});
  EXPECT_EQ(texts(*doc_, "MSH-9.2"), Strings{"A01"});
  EXPECT_EQ(texts(*doc_, "MSH-4.1"), Strings{"BJHD001"});
  EXPECT_EQ(locations(*doc_, "MSH-9.2"), Strings{"MSH-9.2"});
  EXPECT_EQ(texts(*doc_, "MSH-1"), Strings{"|"});
  EXPECT_EQ(texts(*doc_, "MSH-2"), Strings{"^~\\&"});
}

TEST_F(Hl7PathA01, SelectsRepetitions) {
  ASSERT_NE(doc_, nullptr);
  EXPECT_EQ(texts(*doc_, "PID-3[*].1"), (Strings{"00012345", "11010519491231002X"}));
  EXPECT_EQ(locations(*doc_, "PID-3[*].1"), (Strings{"PID-3[1].1", "PID-3[2].1"}));
  EXPECT_EQ(texts(*doc_, "PID-3[*].5"), (Strings{"MR", "NNCHN"}));
  EXPECT_EQ(texts(*doc_, "PID-3.1"), Strings{"00012345"});  // no index: the first repetition
  EXPECT_EQ(locations(*doc_, "PID-3.1"), Strings{"PID-3[1].1"});
  EXPECT_EQ(texts(*doc_, "PID-3[2]"),
            Strings{"11010519491231002X^^^&2.16.156.10011.1.3&ISO^NNCHN"});
  EXPECT_TRUE(texts(*doc_, "PID-3[3].1").empty());
  EXPECT_EQ(texts(*doc_, "PID-19[*]"), Strings{"11010519491231002X"});  // a single repetition
  EXPECT_EQ(locations(*doc_, "PID-19[*]"), Strings{"PID-19"});
  EXPECT_TRUE(texts(*doc_, "PID-19[2]").empty());
}

TEST_F(Hl7PathA01, SelectsSegmentsWithTheirIndexAsHandle) {
  ASSERT_NE(doc_, nullptr);
  const auto obx = select(*doc_, "OBX");
  ASSERT_EQ(obx.size(), 2u);
  EXPECT_EQ(obx[0].handle, 6u);
  EXPECT_EQ(obx[1].handle, 7u);
  EXPECT_EQ(obx[1].text, "OBX|2|NM|29463-7^体重^LN||58.2|kg|||||F");
  EXPECT_EQ(obx[1].location, "OBX[2]");
  EXPECT_EQ(select(*doc_, "OBX[*]").size(), 2u);
  EXPECT_EQ(locations(*doc_, "PID"), Strings{"PID"});
  EXPECT_EQ(texts(*doc_, "OBX[*]-5"), (Strings{"162.5", "58.2"}));
  EXPECT_EQ(locations(*doc_, "OBX-5"), (Strings{"OBX[1]-5", "OBX[2]-5"}));
  EXPECT_EQ(texts(*doc_, "OBX[2]-3.2"), Strings{"体重"});
  EXPECT_EQ(locations(*doc_, "OBX[2]-3.2"), Strings{"OBX[2]-3.2"});
  EXPECT_TRUE(select(*doc_, "OBX[3]-5").empty());
}

TEST_F(Hl7PathA01, AbsentAndEmptyGiveNoMatch) {
  ASSERT_NE(doc_, nullptr);
  EXPECT_TRUE(select(*doc_, "ZZZ-1").empty());                 // no such segment
  EXPECT_TRUE(select(*doc_, "PID-99").empty());                // past the last field
  EXPECT_TRUE(select(*doc_, "PID-2").empty());                 // present but empty
  EXPECT_TRUE(select(*doc_, "PID-5.9").empty());               // no such component
  EXPECT_TRUE(select(*doc_, "PID-5.1.2").empty());             // no such subcomponent
  EXPECT_EQ(texts(*doc_, "PID-5.1.1"), Strings{"ZHANG SAN"});  // subcomponent 1 of a plain value
  EXPECT_TRUE(select(*doc_, "PID-13.1").empty());              // "^PRN^...": component 1 empty
}

TEST(Hl7Path, HL7NullGivesAnEmptyMatch) {
  const auto doc = parse(fixture("adt_a08.hl7"));
  ASSERT_NE(doc, nullptr);
  const auto phone = select(*doc, "PID-13");
  ASSERT_EQ(phone.size(), 1u);
  EXPECT_EQ(phone[0].text, "");
  EXPECT_EQ(phone[0].location, "PID-13");
  EXPECT_EQ(texts(*doc, "PID-13.1"), Strings{""});
  EXPECT_TRUE(select(*doc, "PID-13.2").empty());
  EXPECT_EQ(texts(*doc, "PID-5[*].2"), (Strings{"张三", "张珊"}));
  EXPECT_EQ(texts(*doc, "PID-5[2].7"), Strings{"A"});
}

TEST(Hl7Path, DecodesEscapesWhenReading) {
  const auto doc = parse(fixture("oru_r01.hl7"));
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(texts(*doc, "NTE-3"), Strings{"血小板偏低\n建议复查&随访"});
}

TEST(Hl7Path, WorksWithCustomSeparators) {
  const auto doc = parse(
      "MSH#@*!$#HIS#F#R#F#20240101##ADT@A01#C1#P#2.5\rPID#1##A1@@@H$1.2@MR*B2@@@H@NI##LI@李!S!"
      "四\r");
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(texts(*doc, "PID-3[*].1"), (Strings{"A1", "B2"}));
  EXPECT_EQ(texts(*doc, "PID-3[1].4.2"), Strings{"1.2"});
  EXPECT_EQ(texts(*doc, "PID-5.2"), Strings{"李@四"});
  EXPECT_EQ(texts(*doc, "MSH-1"), Strings{"#"});
  EXPECT_EQ(texts(*doc, "MSH-9.2"), Strings{"A01"});
}

class Hl7PathOru : public ::testing::Test {
 protected:
  std::unique_ptr<Document> doc_ = parse(fixture("oru_r01.hl7"));
};

TEST_F(Hl7PathOru, ObrScopeHoldsItsOwnObx) {
  ASSERT_NE(doc_, nullptr);
  const auto orders = select(*doc_, "OBR[*]");
  ASSERT_EQ(orders.size(), 3u);
  EXPECT_EQ(texts(*doc_, "OBX-5", &orders[0]), (Strings{"6.8", "128", "95"}));
  EXPECT_EQ(texts(*doc_, "OBX-5", &orders[1]), (Strings{"22", "25"}));
  EXPECT_EQ(texts(*doc_, "OBX[*]-5", &orders[2]), (Strings{"淡黄色", "6.0"}));
  EXPECT_EQ(locations(*doc_, "OBX-5", &orders[1]), (Strings{"OBX[4]-5", "OBX[5]-5"}));
  // The segment's own name refers to the scope segment itself.
  EXPECT_EQ(texts(*doc_, "OBR-4.2", &orders[1]), Strings{"肝功能"});
  EXPECT_EQ(locations(*doc_, "OBR-4.2", &orders[1]), Strings{"OBR[2]-4.2"});
  // Indices count within the scope; the location keeps the message-wide index.
  EXPECT_EQ(texts(*doc_, "OBX[2]-5", &orders[1]), Strings{"25"});
  EXPECT_EQ(locations(*doc_, "OBX[2]-5", &orders[1]), Strings{"OBX[5]-5"});
  EXPECT_TRUE(select(*doc_, "OBX[3]-5", &orders[1]).empty());
  EXPECT_EQ(texts(*doc_, "NTE-3", &orders[0]).size(), 1u);
  EXPECT_TRUE(select(*doc_, "NTE-3", &orders[1]).empty());
}

TEST_F(Hl7PathOru, SegmentsBeforeTheScopeNeedAnAbsolutePath) {
  ASSERT_NE(doc_, nullptr);
  const auto orders = select(*doc_, "OBR[*]");
  ASSERT_EQ(orders.size(), 3u);
  EXPECT_TRUE(select(*doc_, "PID-5.2", &orders[0]).empty());
  EXPECT_EQ(texts(*doc_, "/PID-5.2", &orders[0]), Strings{"王小明"});
  EXPECT_EQ(texts(*doc_, "/OBX[1]-5", &orders[2]), Strings{"6.8"});
}

TEST_F(Hl7PathOru, NestedScopes) {
  ASSERT_NE(doc_, nullptr);
  const auto orders = select(*doc_, "OBR[*]");
  ASSERT_EQ(orders.size(), 3u);
  const auto results = select(*doc_, "OBX[*]", &orders[0]);
  ASSERT_EQ(results.size(), 3u);
  // In an OBX scope: the OBX itself, and the NTE that follows it.
  EXPECT_EQ(texts(*doc_, "OBX-3.2", &results[2]), Strings{"血小板计数"});
  EXPECT_EQ(texts(*doc_, "NTE-3", &results[2]), Strings{"血小板偏低\n建议复查&随访"});
  EXPECT_TRUE(select(*doc_, "NTE-3", &results[0]).empty());
  // A field match works as a scope too: its handle is its segment.
  const auto value = select(*doc_, "OBX-5", &orders[1]);
  ASSERT_EQ(value.size(), 2u);
  EXPECT_EQ(texts(*doc_, "OBX-6", &value[1]), Strings{"U/L"});
}

TEST_F(Hl7PathOru, ForeignScopesAndDocumentsSelectNothing) {
  ASSERT_NE(doc_, nullptr);
  Match outside;
  outside.handle = 1000;
  EXPECT_TRUE(select(*doc_, "OBX-5", &outside).empty());
  struct OtherDocument final : Document {
    std::string_view format() const override { return "hl7v2"; }
  } other;
  EXPECT_TRUE(select(other, "PID-5").empty());
}

}  // namespace
}  // namespace kq::formats
