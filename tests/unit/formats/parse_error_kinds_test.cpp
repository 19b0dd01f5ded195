// What kind of problem each format's parse errors are. A plugin answers the sender with the kind
// (HL7 ERR-3 from table 0357, an HTTP problem) instead of reading the message, so every kind a
// format can give is asserted here with a payload that provokes it. XLSX packages are covered in
// xlsx_errors_test.cpp, where the damaged workbooks are built.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "gateway/formats/source.hpp"

namespace kq::formats {
namespace {

using core::ErrorKind;

ParseError refused(std::string_view format, std::string_view bytes, const ParseOptions& options = {}) {
  const Format* f = find_format(format);
  ParseError error;
  EXPECT_NE(f, nullptr) << format;
  if (f == nullptr) return error;
  EXPECT_EQ(f->parse(bytes, options, error), nullptr) << format << " parsed: " << bytes;
  return error;
}

ParseOptions at_most(std::size_t bytes) {
  ParseOptions options;
  options.max_bytes = bytes;
  return options;
}

ParseOptions with_charset(std::string name) {
  ParseOptions options;
  options.charset = std::move(name);
  return options;
}

constexpr std::string_view kMsh = "MSH|^~\\&|HIS|H001|KQ|KQ|20240912103015||ADT^A01^ADT_A01|MSG0001|P|2.4";

std::string hl7(std::string_view msh, std::string_view rest = "PID|1||123^^^H001^MR") {
  return std::string(msh) + "\r" + std::string(rest) + "\r";
}

TEST(ParseErrorKinds, Hl7v2) {
  // The envelope: no MSH first, a bad segment name, two messages in one payload.
  EXPECT_EQ(refused("hl7v2", "PID|1\r").kind, ErrorKind::structure);
  EXPECT_EQ(refused("hl7v2", hl7(kMsh, "P!D|1")).kind, ErrorKind::structure);
  EXPECT_EQ(refused("hl7v2", hl7(kMsh, kMsh)).kind, ErrorKind::structure);
  EXPECT_EQ(refused("hl7v2", "MSH|^~|HIS\r").kind, ErrorKind::structure);  // MSH-2 too short

  // MSH fields the gateway needs: missing is "required" (HL7 101), with the field as location.
  const ParseError no_control_id =
      refused("hl7v2", hl7("MSH|^~\\&|HIS|H001|KQ|KQ|20240912103015||ADT^A01^ADT_A01||P|2.4"));
  EXPECT_EQ(no_control_id.kind, ErrorKind::required);
  EXPECT_EQ(no_control_id.location, "MSH-10");
  const ParseError short_msh = refused("hl7v2", hl7("MSH|^~\\&|HIS|H001|KQ|KQ|20240912103015||ADT^A01"));
  EXPECT_EQ(short_msh.kind, ErrorKind::required);
  EXPECT_EQ(short_msh.location, "MSH-10");

  // Bytes that are not text in the character set (HL7 102), and a character set nobody knows.
  EXPECT_EQ(refused("hl7v2", hl7(kMsh, "PID|1||\xFF\xFE")).kind, ErrorKind::data_type);
  const ParseError ebcdic = refused("hl7v2", hl7(std::string(kMsh) + "||||||EBCDIC"));
  EXPECT_EQ(ebcdic.kind, ErrorKind::code_unknown);
  EXPECT_EQ(ebcdic.location, "MSH-18");

  EXPECT_EQ(refused("hl7v2", hl7(kMsh), at_most(20)).kind, ErrorKind::too_long);
  // A channel configured with a charset the gateway cannot read is the gateway's fault.
  EXPECT_EQ(refused("hl7v2", hl7(kMsh), with_charset("EBCDIC")).kind, ErrorKind::internal);
}

TEST(ParseErrorKinds, Json) {
  EXPECT_EQ(refused("json", "{\"a\": ").kind, ErrorKind::structure);
  EXPECT_EQ(refused("json", "{} {}").kind, ErrorKind::structure);
  EXPECT_EQ(refused("json", "[[[[1]]]]", [] {
              ParseOptions o;
              o.max_depth = 2;
              return o;
            }()).kind,
            ErrorKind::structure);
  EXPECT_EQ(refused("json", "{\"name\": \"\xFF\"}").kind, ErrorKind::data_type);
  EXPECT_EQ(refused("json", "{\"name\": \"张三\"}", at_most(8)).kind, ErrorKind::too_long);
  EXPECT_EQ(refused("json", "{}", with_charset("EBCDIC")).kind, ErrorKind::internal);
}

TEST(ParseErrorKinds, Csv) {
  EXPECT_EQ(refused("csv", "姓名,班级\n\"张三,一班\n").kind, ErrorKind::structure);  // unbalanced quote
  EXPECT_EQ(refused("csv", "姓名,班级\n\"张\"三,一班\n").kind, ErrorKind::structure);
  // 张三 in GBK, read as UTF-8.
  EXPECT_EQ(refused("csv", "姓名,班级\n\xD5\xC5\xC8\xFD,一班\n").kind, ErrorKind::data_type);
  EXPECT_EQ(refused("csv", "姓名,班级\n张三,一班\n", at_most(10)).kind, ErrorKind::too_long);
  EXPECT_EQ(refused("csv", "a,b\n", with_charset("EBCDIC")).kind, ErrorKind::internal);
  ParseOptions quote_delimiter;
  quote_delimiter.csv_delimiter = '"';
  EXPECT_EQ(refused("csv", "a,b\n", quote_delimiter).kind, ErrorKind::internal);
}

TEST(ParseErrorKinds, Xml) {
  EXPECT_EQ(refused("xml", "<a><b></a>").kind, ErrorKind::structure);
  EXPECT_EQ(refused("xml", "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>").kind, ErrorKind::structure);
  EXPECT_EQ(refused("xml", "<a>\xFF\xFE</a>").kind, ErrorKind::data_type);
  EXPECT_EQ(refused("xml", "<a>&#0;</a>").kind, ErrorKind::data_type);
  EXPECT_EQ(refused("xml", "<?xml version=\"1.0\" encoding=\"X-NO-SUCH\"?><a/>").kind, ErrorKind::code_unknown);
  EXPECT_EQ(refused("xml", "<a>张三</a>", at_most(8)).kind, ErrorKind::too_long);
  EXPECT_EQ(refused("xml", "<a/>", with_charset("EBCDIC")).kind, ErrorKind::internal);
}

TEST(ParseErrorKinds, FixedWidth) {
  ParseOptions layout;
  layout.record_length = 10;
  layout.fixed_fields = {{"card_no", 0, 8, "digits"}, {"glasses", 8, 2, "digits"}};
  // A short record is a malformed batch; a bad field is a record error, not a parse error.
  EXPECT_EQ(refused("fixed", "0001234501\n00012\n", layout).kind, ErrorKind::structure);
  ParseOptions small = layout;
  small.max_bytes = 5;
  EXPECT_EQ(refused("fixed", "0001234501", small).kind, ErrorKind::too_long);
  // The layout comes from the mapping: a broken one is not the sender's fault.
  ParseOptions broken = layout;
  broken.fixed_fields.push_back({"past_the_end", 9, 5, "string"});
  EXPECT_EQ(refused("fixed", "0001234501", broken).kind, ErrorKind::internal);
  ParseOptions ebcdic = layout;
  ebcdic.charset = "EBCDIC";
  EXPECT_EQ(refused("fixed", "0001234501", ebcdic).kind, ErrorKind::internal);
}

}  // namespace
}  // namespace kq::formats
