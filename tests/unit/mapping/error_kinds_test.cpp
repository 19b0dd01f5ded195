// What kind of problem each mapping error is (core::ErrorKind): every step family, the engine's
// own checks (required fields, keys, conversions into the target's type), core's findings passed
// through, a folder with no mapping for a document, and the kinds of parse errors. A plugin turns
// the kind into its sender's vocabulary, so it must be right where the error is made.
#include "gateway/formats/source.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "tests/unit/mapping/mapping_test_support.hpp"

namespace kq::mapping::testing {
namespace {

using core::ErrorKind;

// A one-field mapping over the toy format, like the step tests': the kind of the first error
// of the field's value after the given steps, with its message for the failure report.
class StepKindTest : public MappingTest {
 protected:
  ErrorKind kind_of(const std::string& steps, const std::string& input, const std::string& target = "location_text") {
    auto mapping = compile("mapping: t\nversion: \"1\"\nsource: {format: toy}\nrecords:\n  c:\n    kind: encounter\n"
                           "    fields:\n      encounter_class: outpatient\n      " +
                           target + ": {from: A, then: " + steps + "}\n");
    const MapResult result = map(*mapping, "A=" + input + "\n");
    if (result.errors.empty()) {
      ADD_FAILURE() << steps << " accepted " << input;
      return ErrorKind::unspecified;
    }
    EXPECT_EQ(result.errors.size(), 1u) << errors_text(result);
    return result.errors.front().kind;
  }
};

TEST_F(StepKindTest, ConversionsAndChecksOfForm) {
  EXPECT_EQ(kind_of("[number]", "1,234"), ErrorKind::data_type);
  EXPECT_EQ(kind_of("[integer]", "3.5"), ErrorKind::data_type);
  EXPECT_EQ(kind_of("[number, {range: [0, 10]}]", "11"), ErrorKind::data_type);
  EXPECT_EQ(kind_of("[{date: yyyyMMdd}]", "20240230"), ErrorKind::data_type);
  EXPECT_EQ(kind_of("[date]", "yesterday"), ErrorKind::data_type);
  EXPECT_EQ(kind_of("[{datetime: yyyyMMddHHmm}]", "202403051260"), ErrorKind::data_type);
  EXPECT_EQ(kind_of("[datetime]", "soon"), ErrorKind::data_type);
  EXPECT_EQ(kind_of("[date, not_future]", "2030-01-01"), ErrorKind::data_type);
  EXPECT_EQ(kind_of("[{pattern: \"^[0-9]{1,2}班$\"}]", "三班"), ErrorKind::data_type);
  EXPECT_EQ(kind_of("[resident_id]", "110105194912310021"), ErrorKind::data_type);
}

TEST_F(StepKindTest, CodesNotInTheirTable) {
  EXPECT_EQ(kind_of("[{lookup: sex}]", "X"), ErrorKind::code_unknown);
  EXPECT_EQ(kind_of("[{lookup: {codes: {A: x}}}]", "B"), ErrorKind::code_unknown);
  EXPECT_EQ(kind_of("[{one_of: [a, b]}]", "c"), ErrorKind::code_unknown);
}

TEST_F(StepKindTest, ValuesTooLongToMatch) {
  const std::string long_value(5000, '7');
  EXPECT_EQ(kind_of("[{pattern: \"^[0-9]+$\"}]", long_value), ErrorKind::too_long);
  EXPECT_EQ(kind_of("[{extract: \"([0-9]+)\"}]", long_value), ErrorKind::too_long);
  EXPECT_EQ(kind_of("[{replace: {pattern: \"7\", with: \"8\"}}]", long_value), ErrorKind::too_long);
}

TEST_F(MappingTest, EngineChecksHaveTheirKinds) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
let:
  visit_date: {from: D.1, then: [date]}
records:
  patient:
    kind: person
    fields:
      name.text: {from: PAT.1}
      identifiers[]:
        - fields: {system: {from: PAT.2}, value: {from: PAT.3}}
    required: [name.text]
  visit:
    kind: encounter
    each: VISIT
    key: {from: .1}
    fields:
      encounter_class: {from: .2}
      admission_count: {from: .3}
)");
  // name.text missing: required; a system name nobody knows: code_unknown; a count that is not
  // a number: data_type; the let's date: data_type (a step failure outside any record).
  const MapResult result = map(*mapping, "PAT=^no-such-system^123\nVISIT=V1^outpatient^two\nD=never\n");
  auto kind_at = [&result](const std::string& target) {
    for (const MapError& e : result.errors) {
      if (e.target == target) return e.kind;
    }
    ADD_FAILURE() << "no error for " << target << ":\n" << errors_text(result);
    return ErrorKind::unspecified;
  };
  EXPECT_EQ(kind_at("name.text"), ErrorKind::required);
  EXPECT_EQ(kind_at("identifiers[0].system"), ErrorKind::code_unknown);
  EXPECT_EQ(kind_at("admission_count"), ErrorKind::data_type);
  EXPECT_EQ(kind_at("$visit_date"), ErrorKind::data_type);

  // A key without a value leaves the record without an identity: the value is required.
  const MapResult keyless = map(*mapping, "PAT=张三\nVISIT=^outpatient\n");
  ASSERT_EQ(keyless.errors.size(), 1u) << errors_text(keyless);
  EXPECT_EQ(keyless.errors[0].target, "id");
  EXPECT_EQ(keyless.errors[0].kind, ErrorKind::required);

  // Core's findings keep the kind core gave them: encounter_class is a code list.
  const MapResult coded = map(*mapping, "PAT=张三\nVISIT=V1^teleport\n");
  ASSERT_EQ(coded.errors.size(), 1u) << errors_text(coded);
  EXPECT_EQ(coded.errors[0].target, "encounter_class");
  EXPECT_EQ(coded.errors[0].kind, ErrorKind::code_unknown);

  // The same key twice with different content: HL7's "duplicate key identifier".
  const MapResult twice = map(*mapping, "PAT=张三\nVISIT=V1^outpatient\nVISIT=V1^inpatient\n");
  ASSERT_EQ(twice.errors.size(), 1u) << errors_text(twice);
  EXPECT_EQ(twice.errors[0].kind, ErrorKind::duplicate_key);
}

TEST_F(MappingTest, ErrorTextNamesTheKind) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  c:
    kind: encounter
    fields:
      encounter_class: outpatient
      admission_count: {from: A.1, then: [integer]}
)");
  const MapResult result = map(*mapping, "A=1.5\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].str(), "line 1.1: 1.5 is not a whole number (c.admission_count) [data-type]");
  // A kind nobody set is not printed: there is nothing to tell.
  EXPECT_EQ((MapError{"", "", "here", "something"}).str(), "here: something");
}

TEST_F(MappingTest, ParseErrorsKeepTheFormatsKind) {
  auto mapping = compile("mapping: t\nversion: \"1\"\nsource: {format: toy}\nrecords:\n  c:\n    kind: encounter\n"
                         "    fields:\n      encounter_class: {from: A}\n");
  const MapResult result = map(*mapping, "A=outpatient\nno equals sign\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].location, "line 2");
  EXPECT_EQ(result.errors[0].kind, ErrorKind::structure);
}

// A document that no mapping of the folder takes is not supported here; a payload that none of
// them can even parse is what its parse error says.
TEST_F(MappingTest, NoMappingAppliesIsUnsupported) {
  dir_.write("maps/adt.yaml", "mapping: adt\nversion: \"1\"\nsource: {format: toy, match: {MSG.1: ADT}}\n"
                              "records:\n  c:\n    kind: encounter\n    fields:\n      encounter_class: {from: V.1}\n");
  const auto set = load_mapping_dir(dir_.path() / "maps", toy_lookup());
  const std::vector<MapResult> other = set->map("toy", "MSG=ORU\n");
  ASSERT_EQ(other.size(), 1u);
  ASSERT_EQ(other[0].errors.size(), 1u);
  EXPECT_NE(other[0].errors[0].message.find("no mapping applies"), std::string::npos);
  EXPECT_EQ(other[0].errors[0].kind, ErrorKind::unsupported);

  const std::vector<MapResult> garbled = set->map("toy", "MSG ADT\n");
  EXPECT_EQ(garbled[0].errors[0].kind, ErrorKind::structure) << garbled[0].errors[0].message;

  const std::vector<MapResult> unknown_format = set->map("xml", "<a/>");
  EXPECT_NE(unknown_format[0].errors[0].message.find("no mapping is configured for format 'xml'"), std::string::npos);
  EXPECT_EQ(unknown_format[0].errors[0].kind, ErrorKind::unsupported);
}

// Whole-document problems found before any rule runs: a column the mapping reads is missing
// (the file is not laid out as expected), a fixed-width field does not fit its declared type.
TEST(DocumentCheckKinds, MissingColumnAndBadFixedField) {
  const auto roster = compile_mapping_from_string(
      "mapping: r\nversion: \"1\"\nsource: {format: csv}\nrecords:\n  s:\n    kind: person\n    each: rows\n"
      "    fields:\n      name.text: {from: 姓名}\n      sex: {from: 性别}\n",
      "roster.yaml");
  const MapResult no_column = map_payload(*roster, "姓名\n张三\n");
  ASSERT_FALSE(no_column.errors.empty());
  EXPECT_EQ(no_column.errors[0].location, "性别");
  EXPECT_EQ(no_column.errors[0].kind, ErrorKind::structure);

  const auto exam = compile_mapping_from_string(
      "mapping: e\nversion: \"1\"\nsource:\n  format: fixed\n  record_length: 10\n  layout:\n"
      "    card_no: {offset: 0, length: 8, type: digits}\n    height: {offset: 8, length: 2, type: digits}\n"
      "records:\n  s:\n    kind: person\n    each: records\n    fields:\n      name.text: {from: card_no}\n",
      "exam.yaml");
  const MapResult bad_field = map_payload(*exam, "000123451O");
  ASSERT_FALSE(bad_field.errors.empty());
  EXPECT_EQ(bad_field.errors[0].location, "record 1, bytes 9..10 (height)");
  EXPECT_EQ(bad_field.errors[0].kind, ErrorKind::data_type);
}

}  // namespace
}  // namespace kq::mapping::testing
