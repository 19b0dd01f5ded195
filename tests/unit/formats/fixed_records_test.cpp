// Fixed-width card-reader batches: records, fields in scope, locations, per-field errors, framing.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gateway/formats/fixed/format.hpp"

namespace kq::formats {
namespace {

using Strings = std::vector<std::string>;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KQ_SOURCE_DIR) + "/tests/fixtures/fixed/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

ParseOptions pos_layout() {
  ParseOptions options;
  options.record_length = 50;
  options.fixed_fields = {{"device_id", 0, 4, "digits"}, {"seq", 4, 6, "digits"},      {"card_no", 10, 18, "string"},
                          {"name", 28, 8, "string"},     {"exam_date", 36, 8, "date"}, {"exam_time", 44, 6, "time"}};
  return options;
}

std::unique_ptr<Document> parse(const std::string& bytes, const ParseOptions& options) {
  ParseError error;
  auto doc = fixed_format().parse(bytes, options, error);
  EXPECT_TRUE(doc) << error.location << ": " << error.message;
  return doc;
}

ParseError refused(const std::string& bytes, const ParseOptions& options) {
  ParseError error;
  EXPECT_FALSE(fixed_format().parse(bytes, options, error));
  return error;
}

std::vector<Match> select(const Document& doc, std::string_view path, const Match* scope = nullptr) {
  std::string error;
  auto compiled = fixed_format().compile_path(path, error);
  EXPECT_TRUE(compiled) << path << ": " << error;
  return compiled ? compiled->select(doc, scope) : std::vector<Match>{};
}

Strings texts(const std::vector<Match>& matches) {
  Strings out;
  for (const Match& m : matches) out.push_back(m.text);
  return out;
}

Strings locations(const std::vector<Match>& matches) {
  Strings out;
  for (const Match& m : matches) out.push_back(m.location);
  return out;
}

class PosBatch : public ::testing::Test {
 protected:
  std::unique_ptr<Document> doc = parse(fixture("pos_batch.dat"), pos_layout());
  const FixedDocument& batch() const { return dynamic_cast<const FixedDocument&>(*doc); }
};

TEST_F(PosBatch, RecordsSkipTheLineBreaksBetweenThem) {
  EXPECT_EQ(doc->format(), "fixed");
  const auto records = select(*doc, "records");
  EXPECT_EQ(locations(records), (Strings{"record 1 (bytes 1..50)", "record 2 (bytes 53..102)",
                                         "record 3 (bytes 105..154)", "record 4 (bytes 157..206)"}));
  EXPECT_EQ(records[3].handle, 3u);
  EXPECT_EQ(locations(select(*doc, "records[*]")), locations(records));
}

TEST_F(PosBatch, FieldsInsideARecordScope) {
  const auto records = select(*doc, "records");
  const auto name = select(*doc, "name", &records[0]);
  ASSERT_EQ(name.size(), 1u);
  EXPECT_EQ(name[0].text, "张三");
  EXPECT_EQ(name[0].location, "record 1, bytes 29..36 (name)");
  EXPECT_EQ(texts(select(*doc, "card_no", &records[1])), Strings{"11010520100202002X"});
  EXPECT_EQ(texts(select(*doc, "seq", &records[0])), Strings{"000001"});  // leading zeros kept
  EXPECT_EQ(texts(select(*doc, "exam_date", &records[1])), Strings{"2024-03-12"});
  EXPECT_EQ(texts(select(*doc, "exam_time", &records[1])), Strings{"08:35:12"});
}

TEST_F(PosBatch, AFieldWithoutScopeGivesEveryRecord) {
  const auto names = select(*doc, "name");
  EXPECT_EQ(texts(names), (Strings{"张三", "欧阳娜娜", "王五", "李四"}));  // ideographic padding trimmed
  EXPECT_EQ(names[2].location, "record 3, bytes 29..36 (name)");
  EXPECT_EQ(names[2].handle, 2u);
}

TEST_F(PosBatch, BlankFieldsGiveNoMatch) {
  const auto records = select(*doc, "records");
  EXPECT_TRUE(select(*doc, "card_no", &records[3]).empty());
  EXPECT_TRUE(select(*doc, "exam_date", &records[3]).empty());  // 00000000: the terminals' "no date"
  EXPECT_TRUE(select(*doc, "exam_time", &records[3]).empty());
}

TEST_F(PosBatch, InvalidFieldsAreRecordedAndGiveNoMatch) {
  const auto records = select(*doc, "records");
  EXPECT_TRUE(select(*doc, "seq", &records[2]).empty());
  EXPECT_TRUE(select(*doc, "exam_date", &records[2]).empty());
  EXPECT_EQ(texts(select(*doc, "card_no", &records[2])), Strings{"110105201003030035"});  // the rest still reads
  Strings errors;
  for (const FieldError& e : batch().record_errors()) errors.push_back(e.text());
  EXPECT_EQ(errors, (Strings{"record 3, bytes 5..10 (seq): expected digits, found '00A003'",
                             "record 3, bytes 37..44 (exam_date): '20240231' is not a calendar date (yyyyMMdd)",
                             "record 3, bytes 45..50 (exam_time): '250000' is not a time of day (HHmmss)"}));
  const FieldError& first = batch().record_errors().front();
  EXPECT_EQ(first.record, 3u);
  EXPECT_EQ(first.field, "seq");
  EXPECT_EQ(first.first_byte, 5u);
  EXPECT_EQ(first.last_byte, 10u);
}

// A field that is not in the layout selects nothing (a mapping that names one does not compile:
// the compiler checks its paths against the layout).
TEST_F(PosBatch, UnknownFieldsSelectNothing) {
  std::string error;
  auto path = fixed_format().compile_path("student_no", error);
  EXPECT_TRUE(path->select(*doc, nullptr).empty());
}

TEST_F(PosBatch, ForeignScopesSelectNothing) {
  Match beyond{"", "", 4};
  EXPECT_TRUE(select(*doc, "name", &beyond).empty());
  EXPECT_TRUE(select(*doc, "records", &beyond).empty());
}

TEST(FixedFraming, TruncatedLastRecord) {
  const ParseError error = refused(fixture("pos_truncated.dat"), pos_layout());
  EXPECT_EQ(error.location, "record 3");
  EXPECT_EQ(error.message, "38 bytes, expected 50 (the batch ends inside the record)");
}

TEST(FixedFraming, ShortRecordBeforeALineBreak) {
  std::string batch = fixture("pos_batch.dat");
  batch.erase(60, 12);  // record 2 loses 12 bytes but keeps its CRLF
  const ParseError error = refused(batch, pos_layout());
  EXPECT_EQ(error.location, "record 2 (bytes 53..90)");
  EXPECT_EQ(error.message, "38 bytes before a line break, expected 50");
}

TEST(FixedFraming, RecordsWithoutOrWithOtherLineBreaks) {
  std::string batch = fixture("pos_batch.dat");
  std::string packed;
  std::string lf;
  for (std::size_t i = 0; i < batch.size(); i += 52) {
    packed += batch.substr(i, 50);
    lf += batch.substr(i, 50) + "\n\n";
  }
  EXPECT_EQ(texts(select(*parse(packed, pos_layout()), "name")), (Strings{"张三", "欧阳娜娜", "王五", "李四"}));
  const auto doc = parse(lf, pos_layout());
  EXPECT_EQ(locations(select(*doc, "records")).back(), "record 4 (bytes 157..206)");
  EXPECT_TRUE(select(*parse("", pos_layout()), "records").empty());
  EXPECT_TRUE(select(*parse("\r\n", pos_layout()), "records").empty());
}

TEST(FixedFraming, OneRecordPerLine) {
  ParseOptions options;
  options.fixed_fields = {{"code", 0, 4, "digits"}, {"name", 4, 8, "string"}};
  const std::string lines = "0001\xD5\xC5\xC8\xFD\r\n\r\n0002\n0003\xC0\xEE\xCB\xC4  ";
  const auto doc = parse(lines, options);
  EXPECT_EQ(locations(select(*doc, "records")),
            (Strings{"record 1 (bytes 1..8)", "record 3 (bytes 13..16)", "record 4 (bytes 18..27)"}));
  EXPECT_EQ(texts(select(*doc, "name")), (Strings{"张三", "李四"}));  // line 3 ends before the name
  EXPECT_EQ(select(*doc, "name")[1].location, "record 4, bytes 5..12 (name)");
}

TEST(FixedLayout, ErrorsNameTheField) {
  ParseOptions options = pos_layout();
  options.fixed_fields.push_back({"checksum", 48, 4, "digits"});
  ParseError error = refused("", options);
  EXPECT_EQ(error.location, "layout");
  EXPECT_EQ(error.message, "field 'checksum' (bytes 49..52) runs past the end of the 50-byte record");
  options = pos_layout();
  options.fixed_fields.push_back({"name", 0, 1, "string"});
  EXPECT_EQ(refused("", options).message, "field 'name' is declared twice");
  options = pos_layout();
  options.fixed_fields[1].type = "integer";
  EXPECT_EQ(refused("", options).message,
            "field 'seq' has unknown type 'integer'; use string, digits, number, date or time");
  options = pos_layout();
  options.fixed_fields[1].length = 0;
  EXPECT_EQ(refused("", options).message, "field 'seq' has length 0");
  options = pos_layout();
  options.charset = "EBCDIC";
  EXPECT_EQ(refused("", options).message, "unsupported charset 'EBCDIC'; use GB18030, GBK, UTF-8 or ASCII");
}

TEST(FixedLayout, SizeLimit) {
  ParseOptions options = pos_layout();
  options.max_bytes = 100;
  const ParseError error = refused(fixture("pos_batch.dat"), options);
  EXPECT_EQ(error.location, "byte 101");
  EXPECT_EQ(error.message, "the batch is 208 bytes, more than the limit of 100");
}

TEST(FixedPaths, CompileErrors) {
  std::string error;
  EXPECT_FALSE(fixed_format().compile_path("records[2]", error));
  EXPECT_EQ(error, "expected 'records', 'records[*]' or a field name from the record layout, found 'records[2]'");
  EXPECT_FALSE(fixed_format().compile_path("", error));
  EXPECT_FALSE(fixed_format().compile_path("card no", error));
  EXPECT_TRUE(fixed_format().compile_path(" 卡号 ", error));  // names are the mapping's own
}

}  // namespace
}  // namespace kq::formats
