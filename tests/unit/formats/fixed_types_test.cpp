// Fixed-width field types: string, digits, number, date, time; charsets of text fields.
#include <gtest/gtest.h>

#include "gateway/formats/fixed/format.hpp"

namespace kq::formats {
namespace {

// Parses one line holding one field of `type` and returns its value or "error: <message>".
std::string read(const std::string& raw, const std::string& type, const std::string& charset = "") {
  ParseOptions options;
  options.charset = charset;
  options.record_length = raw.size();
  options.fixed_fields = {{"f", 0, raw.size(), type}};
  ParseError error;
  auto doc = fixed_format().parse(raw, options, error);
  if (!doc) return "parse error: " + error.message;
  const auto& fixed = dynamic_cast<const FixedDocument&>(*doc);
  if (!fixed.record_errors().empty()) return "error: " + fixed.record_errors().front().message;
  std::string compile_error;
  const auto matches = fixed_format().compile_path("f", compile_error)->select(*doc, nullptr);
  return matches.empty() ? "<none>" : matches.front().text;
}

TEST(FixedTypes, Strings) {
  EXPECT_EQ(read("  \xD5\xC5\xC8\xFD  ", "string"), "张三");
  EXPECT_EQ(read(std::string("AB\0\0", 4), "string"), "AB");    // NUL padding
  EXPECT_EQ(read("\xA1\xA1\xD5\xC5\xA1\xA1", "string"), "张");  // GB 18030 ideographic spaces
  EXPECT_EQ(read("    ", "string"), "<none>");
  EXPECT_EQ(read("a  b", "string"), "a  b");
}

TEST(FixedTypes, Digits) {
  EXPECT_EQ(read("000123", "digits"), "000123");
  EXPECT_EQ(read("  42", "digits"), "42");
  EXPECT_EQ(read("      ", "digits"), "<none>");
  EXPECT_EQ(read("20A4", "digits"), "error: expected digits, found '20A4'");
  EXPECT_EQ(read("-1", "digits"), "error: expected digits, found '-1'");
  EXPECT_EQ(read("\xD5\xC5", "digits"), "error: expected digits, found '张'");
  EXPECT_EQ(read("\xFF\xFF", "digits"), "error: expected digits, found bytes 0xFF 0xFF");
}

TEST(FixedTypes, Numbers) {
  EXPECT_EQ(read("+0012.50", "number"), "12.50");
  EXPECT_EQ(read("  -7", "number"), "-7");
  EXPECT_EQ(read("-000.5", "number"), "-0.5");
  EXPECT_EQ(read(".5", "number"), "0.5");
  EXPECT_EQ(read("12.", "number"), "12");
  EXPECT_EQ(read("0000", "number"), "0");
  EXPECT_EQ(read("1.2.3", "number"),
            "error: expected a number (optional sign, digits, optional decimal point), found '1.2.3'");
  EXPECT_EQ(read("+", "number"), "error: expected a number (optional sign, digits, optional decimal point), found '+'");
  EXPECT_EQ(read("1 2", "number"),
            "error: expected a number (optional sign, digits, optional decimal point), found '1 2'");
}

TEST(FixedTypes, Dates) {
  EXPECT_EQ(read("20240229", "date"), "2024-02-29");
  EXPECT_EQ(read("00000000", "date"), "<none>");
  EXPECT_EQ(read("        ", "date"), "<none>");
  EXPECT_EQ(read("20230229", "date"), "error: '20230229' is not a calendar date (yyyyMMdd)");
  EXPECT_EQ(read("19001301", "date"), "error: '19001301' is not a calendar date (yyyyMMdd)");
  EXPECT_EQ(read("2024-3-1", "date"), "error: expected a date as yyyyMMdd, found '2024-3-1'");
  EXPECT_EQ(read("  240312", "date"), "error: expected a date as yyyyMMdd, found '240312'");
}

TEST(FixedTypes, Times) {
  EXPECT_EQ(read("235959", "time"), "23:59:59");
  EXPECT_EQ(read("000000", "time"), "00:00:00");
  EXPECT_EQ(read("240000", "time"), "error: '240000' is not a time of day (HHmmss)");
  EXPECT_EQ(read("126000", "time"), "error: '126000' is not a time of day (HHmmss)");
  EXPECT_EQ(read("08:30", "time"), "error: expected a time as HHmmss, found '08:30'");
}

TEST(FixedCharsets, TextFieldsDecodeWithTheBatchCharset) {
  EXPECT_EQ(read("\xD5\xC5\xC8\xFD", "string"), "张三");  // GB 18030 by default
  EXPECT_EQ(read("\x95\x32\x82\x36", "string"), "𠀀");    // a four-byte GB 18030 character
  EXPECT_EQ(read("张三", "string", "UTF-8"), "张三");
  EXPECT_EQ(read("\xD5\xC5\xC8\xFD", "string", "UTF-8"),
            "error: not valid UTF-8 text (byte 0xD5), at byte 1 of the record");
  EXPECT_EQ(read(" \xD5\xC5\xC8", "string"),
            "error: incomplete GB18030 character at the end (byte 0xC8), at byte 4 of the record");
  EXPECT_EQ(read("AB\xD5", "string", "ASCII"), "error: not valid ASCII text (byte 0xD5), at byte 3 of the record");
}

TEST(FixedCharsets, AFieldThatSplitsACharacterIsAnError) {
  ParseOptions options;
  options.record_length = 4;
  options.fixed_fields = {{"a", 0, 1, "string"}, {"b", 1, 3, "string"}};
  ParseError error;
  auto doc = fixed_format().parse("\xD5\xC5\xC8\xFD", options, error);
  ASSERT_TRUE(doc);
  const auto& errors = dynamic_cast<const FixedDocument&>(*doc).record_errors();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].text(),
            "record 1, bytes 1..1 (a): incomplete GB18030 character at the end (byte 0xD5), at byte 1 "
            "of the record");
  // The second half resynchronises on C5 C8 (another character) and trips on the lone FD.
  EXPECT_EQ(errors[1].text(),
            "record 1, bytes 2..4 (b): incomplete GB18030 character at the end (byte 0xFD), at byte 4 "
            "of the record");
}

}  // namespace
}  // namespace kq::formats
