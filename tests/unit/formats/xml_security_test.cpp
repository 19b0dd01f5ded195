// Hostile and malformed XML: DOCTYPE, entity expansion, external entities, limits, syntax errors, charsets.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "gateway/formats/xml/format.hpp"

namespace kq::formats {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KQ_SOURCE_DIR) + "/tests/fixtures/xml/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

ParseError refused(const std::string& bytes, const ParseOptions& options = {}) {
  ParseError error;
  EXPECT_FALSE(xml_format().parse(bytes, options, error));
  return error;
}

std::string first(const std::string& bytes, std::string_view path, const ParseOptions& options = {}) {
  ParseError error;
  auto doc = xml_format().parse(bytes, options, error);
  EXPECT_TRUE(doc) << error.location << ": " << error.message;
  if (!doc) return "<no document>";
  std::string compile_error;
  auto compiled = xml_format().compile_path(path, compile_error);
  EXPECT_TRUE(compiled) << compile_error;
  const auto matches = compiled->select(*doc, nullptr);
  return matches.empty() ? "<no match>" : matches.front().text;
}

const std::string kDoctypeRefused =
    "documents with a DOCTYPE are refused (DTDs and entity declarations are not accepted); send the document "
    "without its <!DOCTYPE ...>";

TEST(XmlSecurity, BillionLaughsIsRefusedBeforeAnyExpansion) {
  const ParseError error = refused(fixture("billion_laughs.xml"));
  EXPECT_EQ(error.location, "line 2, column 16");  // the '[' that opens the entity declarations
  EXPECT_EQ(error.message, kDoctypeRefused);
}

TEST(XmlSecurity, ExternalEntityToEtcPasswdIsRefused) {
  const ParseError error = refused(fixture("xxe_passwd.xml"));
  EXPECT_EQ(error.location, "line 2, column 18");
  EXPECT_EQ(error.message, kDoctypeRefused);
}

TEST(XmlSecurity, ExternalDtdIsRefused) {
  const ParseError error =
      refused("<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"http://127.0.0.1:1/evil.dtd\">\n<r/>");
  EXPECT_EQ(error.location, "line 2, column 49");
  EXPECT_EQ(error.message, kDoctypeRefused);
}

TEST(XmlSecurity, ADoctypeWithoutEntitiesIsRefusedToo) {
  EXPECT_EQ(refused("<!DOCTYPE ClinicalDocument>\n<ClinicalDocument/>").message, kDoctypeRefused);
}

TEST(XmlSecurity, XIncludeIsNotProcessed) {
  const std::string doc =
      "<r xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"/etc/passwd\" parse=\"text\"/></r>";
  EXPECT_EQ(first(doc, "string(/r)"), "<no match>");
}

TEST(XmlLimits, SizeLimit) {
  ParseOptions options;
  options.max_bytes = 16;
  const ParseError error = refused("<roster><student/></roster>", options);
  EXPECT_EQ(error.location, "byte 17");
  EXPECT_EQ(error.message, "the document is 27 bytes, more than the limit of 16");
}

TEST(XmlLimits, DepthLimitFromOptions) {
  ParseOptions options;
  options.max_depth = 3;
  EXPECT_EQ(first("<a><b><c>ok</c></b></a>", "/a/b/c", options), "ok");
  const ParseError error = refused("<a><b><c><d/></c></b></a>", options);
  EXPECT_EQ(error.location, "line 1, column 12");
  EXPECT_EQ(error.message, "elements are nested more than 3 levels deep");
}

TEST(XmlLimits, DefaultDepthLimit) {
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "<a>";
  for (int i = 0; i < 300; ++i) deep += "</a>";
  const ParseError error = refused(deep);
  EXPECT_EQ(error.location, "line 1, column 771");  // inside the 257th <a>
  EXPECT_EQ(error.message, "elements are nested more than 256 levels deep");
}

TEST(XmlLimits, QuadraticPathsStopOnLargeDocuments) {
  std::string doc = "<r>";
  for (int i = 0; i < 20000; ++i) doc += "<a/>";
  doc += "</r>";
  ParseError error;
  auto parsed = xml_format().parse(doc, ParseOptions{}, error);
  ASSERT_TRUE(parsed);
  std::string compile_error;
  // 20000 x 20000 steps: far past the operation limit, so the evaluation is abandoned.
  auto quadratic = xml_format().compile_path("//a[count(//a) > 1]", compile_error);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(quadratic->select(*parsed, nullptr).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  EXPECT_EQ(xml_format().compile_path("count(//a)", compile_error)->select(*parsed, nullptr)[0].text, "20000");
}

TEST(XmlMalformed, ReportsLineAndColumn) {
  ParseError error = refused("<roster>\n  <student><name>张三</student>\n</roster>");
  EXPECT_EQ(error.location, "line 2, column 30");
  EXPECT_EQ(error.message, "Opening and ending tag mismatch: name line 2 and student");

  error = refused("<roster>\n  <student>");
  EXPECT_EQ(error.location, "line 2, column 12");
  EXPECT_EQ(error.message, "Premature end of data in tag student line 2");

  error = refused("");
  EXPECT_EQ(error.location, "line 1, column 1");
  EXPECT_EQ(error.message, "Document is empty");

  error = refused("<a>&undeclared;</a>");
  EXPECT_EQ(error.location, "line 1, column 16");
  EXPECT_EQ(error.message, "Entity 'undeclared' not defined");
}

TEST(XmlCharsets, DeclaredGb18030IsDecoded) {
  const std::string bytes = fixture("roster_gb18030.xml");
  EXPECT_EQ(first(bytes, "/roster/student/name"), "欧阳娜娜");
  EXPECT_EQ(first(bytes, "/roster/@school"), "北京市海淀区实验小学");
}

TEST(XmlCharsets, ChannelCharsetOverridesAMissingDeclaration) {
  ParseOptions options;
  options.charset = "GB18030";
  const std::string bytes = "<r>\xD5\xC5\xC8\xFD</r>";  // 张三 in GB 18030, no declaration
  EXPECT_EQ(first(bytes, "/r", options), "张三");
  EXPECT_EQ(refused(bytes).message, "Input is not proper UTF-8, indicate encoding !\nBytes: 0xD5 0xC5 0xC8 0xFD");
  options.charset = "Big5";
  EXPECT_EQ(refused(bytes, options).message, "unsupported charset 'Big5'; use UTF-8, GB18030 or GBK");
}

}  // namespace
}  // namespace kq::formats
