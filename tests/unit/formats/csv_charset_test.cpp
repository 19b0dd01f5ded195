// CSV charsets and malformed files: GB 18030, invalid bytes, unbalanced quotes, limits; the charset helpers.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gateway/formats/charset.hpp"
#include "gateway/formats/tabular/csv.hpp"

namespace kq::formats {
namespace {

using Strings = std::vector<std::string>;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KQ_SOURCE_DIR) + "/tests/fixtures/csv/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

ParseError refused(const std::string& bytes, const ParseOptions& options = {}) {
  ParseError error;
  EXPECT_FALSE(csv_format().parse(bytes, options, error));
  return error;
}

Strings column(const std::string& bytes, std::string_view name, const ParseOptions& options = {}) {
  ParseError error;
  auto doc = csv_format().parse(bytes, options, error);
  EXPECT_TRUE(doc) << error.location << ": " << error.message;
  if (!doc) return {};
  std::string compile_error;
  auto path = csv_format().compile_path(name, compile_error);
  Strings out;
  for (const Match& m : path->select(*doc, nullptr)) out.push_back(m.text);
  return out;
}

TEST(CsvCharsets, Gb18030IsDecoded) {
  ParseOptions options;
  options.charset = "GB18030";
  const std::string bytes = fixture("roster_gb18030.csv");
  EXPECT_EQ(column(bytes, "姓名", options), (Strings{"张三", "欧阳娜娜", "𠀀字"}));
  EXPECT_EQ(column(bytes, "班级", options), (Strings{"三年级(2)班", "五年级(3)班", "一年级(1)班"}));
  options.charset = "gbk";  // GBK cannot hold the four-byte character
  const ParseError error = refused(bytes, options);
  EXPECT_EQ(error.location, "row 4, byte 66");
  EXPECT_EQ(error.message, "not valid GBK text (byte 0x95)");
}

TEST(CsvCharsets, AGbkFileReadAsUtf8SaysWhatToDo) {
  const ParseError error = refused(fixture("roster_gb18030.csv"));
  EXPECT_EQ(error.location, "row 1, byte 1");
  EXPECT_EQ(error.message,
            "not valid UTF-8 text (byte 0xD0); if the file was saved as GBK or GB 18030, set its charset");
}

TEST(CsvCharsets, InvalidBytesAreLocatedByRow) {
  ParseOptions options;
  options.charset = "GB18030";
  // Row 3 starts after a quoted line break, so it is line 4 of the file.
  const std::string bytes = "姓名,备注\n张三,\"两\n行\"\n李四,\xFF\n";
  ParseError error = refused(bytes);
  EXPECT_EQ(error.location, "row 3, byte 39");
  EXPECT_EQ(error.message,
            "not valid UTF-8 text (byte 0xFF); if the file was saved as GBK or GB 18030, set its charset");
  error = refused("a,b\n1,\x81", options);
  EXPECT_EQ(error.location, "row 2, byte 7");
  EXPECT_EQ(error.message, "incomplete GB18030 character at the end (byte 0x81)");
  options.charset = "Big5";
  EXPECT_EQ(refused("a\n1\n", options).message, "unsupported charset 'Big5'; use UTF-8, GB18030 or GBK");
}

TEST(CsvMalformed, UnbalancedQuotes) {
  const ParseError error = refused(fixture("unbalanced_quotes.csv"));
  EXPECT_EQ(error.location, "row 2 (line 2)");
  EXPECT_EQ(error.message, "a quoted field is never closed: the file ends inside it (unbalanced quotes)");
}

TEST(CsvMalformed, TextAfterAClosingQuote) {
  const ParseError error = refused("姓名,备注\n张三,\"说\"好\"\n");
  EXPECT_EQ(error.location, "row 2 (line 2)");
  EXPECT_EQ(error.message,
            "unexpected text after the closing quote of a field; a quote inside a quoted field must be doubled (\"\")");
}

TEST(CsvMalformed, BadDelimiterOption) {
  ParseOptions options;
  options.csv_delimiter = '"';
  const ParseError error = refused("a\n", options);
  EXPECT_EQ(error.location, "options");
  EXPECT_EQ(error.message, "the CSV delimiter cannot be a quote, a line break or NUL");
}

TEST(CsvLimits, SizeLimit) {
  ParseOptions options;
  options.max_bytes = 10;
  const ParseError error = refused("姓名,班级\n张三,一班\n", options);
  EXPECT_EQ(error.location, "byte 11");
  EXPECT_EQ(error.message, "the file is 28 bytes, more than the limit of 10");
}

TEST(CsvLimits, EmptyFileHasNoRows) {
  EXPECT_TRUE(column("", "姓名").empty());
  EXPECT_TRUE(column("\xEF\xBB\xBF", "姓名").empty());
  EXPECT_TRUE(column("姓名\n", "姓名").empty());
}

TEST(Charset, Names) {
  EXPECT_EQ(parse_charset("utf8"), Charset::kUtf8);
  EXPECT_EQ(parse_charset("GB-18030"), Charset::kGb18030);
  EXPECT_EQ(parse_charset("gb2312"), Charset::kGbk);
  EXPECT_EQ(parse_charset("CP936"), Charset::kGbk);
  EXPECT_EQ(parse_charset("us-ascii"), Charset::kAscii);
  EXPECT_FALSE(parse_charset("latin1"));
}

TEST(Charset, Utf8Validation) {
  EXPECT_FALSE(find_invalid_utf8("张三 abc 𠀀"));
  EXPECT_EQ(find_invalid_utf8("ab\xC0\xAF"), 2u);        // overlong '/'
  EXPECT_EQ(find_invalid_utf8("a\xED\xA0\x80"), 1u);     // surrogate
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("ok\xE5\xBC"), 2u);        // truncated
  EXPECT_EQ(find_invalid_utf8("\x80"), 0u);              // stray continuation
}

TEST(Charset, DecoderIsReusable) {
  CharsetDecoder decoder(Charset::kGb18030);
  std::string out;
  DecodeError error;
  EXPECT_TRUE(decoder.decode("\xD5\xC5", out, error));
  EXPECT_FALSE(decoder.decode("\xC8", out, error));  // half a character
  EXPECT_EQ(error.offset, 0u);
  EXPECT_TRUE(decoder.decode("\xC8\xFD", out, error));
  EXPECT_EQ(out, "张三");
  CharsetDecoder ascii(Charset::kAscii);
  out.clear();
  EXPECT_FALSE(ascii.decode("ab\xD5", out, error));
  EXPECT_EQ(error.offset, 2u);
  EXPECT_EQ(error.message, "not valid ASCII text (byte 0xD5)");
  EXPECT_EQ(out, "ab");
}

}  // namespace
}  // namespace kq::formats
