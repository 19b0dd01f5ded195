// JSON Pointer paths (with the '*' wildcard) over JSON documents; rendering, scopes, limits and errors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gateway/formats/json/format.hpp"

namespace kq::formats {
namespace {

using Strings = std::vector<std::string>;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KQ_SOURCE_DIR) + "/tests/fixtures/json/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::unique_ptr<Document> parse(const std::string& bytes, const ParseOptions& options = {}) {
  ParseError error;
  auto doc = json_format().parse(bytes, options, error);
  EXPECT_TRUE(doc) << error.location << ": " << error.message;
  return doc;
}

ParseError refused(const std::string& bytes, const ParseOptions& options = {}) {
  ParseError error;
  EXPECT_FALSE(json_format().parse(bytes, options, error)) << bytes.substr(0, 40);
  return error;
}

std::vector<Match> select(const Document& doc, std::string_view path, const Match* scope = nullptr) {
  std::string error;
  auto compiled = json_format().compile_path(path, error);
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

std::string compile_error(std::string_view path) {
  std::string error;
  EXPECT_FALSE(json_format().compile_path(path, error)) << path;
  return error;
}

class HisPush : public ::testing::Test {
 protected:
  std::unique_ptr<Document> doc = parse(fixture("his_push.json"));
};

TEST_F(HisPush, MembersAndArrayElements) {
  const auto name = select(*doc, "/patient/name");
  ASSERT_EQ(name.size(), 1u);
  EXPECT_EQ(name[0].text, "张小明");
  EXPECT_EQ(name[0].location, "/patient/name");
  EXPECT_EQ(texts(select(*doc, "/patient/identifiers/1/value")), Strings{"BA0099887"});
  EXPECT_EQ(texts(select(*doc, "/hospital/name")), Strings{"北京市朝阳区第一医院"});
}

TEST_F(HisPush, MissingMembersAndBadIndexesGiveNothing) {
  EXPECT_TRUE(select(*doc, "/patient/phone").empty());
  EXPECT_TRUE(select(*doc, "/patient/identifiers/2").empty());
  EXPECT_TRUE(select(*doc, "/patient/identifiers/-").empty());
  EXPECT_TRUE(select(*doc, "/patient/identifiers/01").empty());
  EXPECT_TRUE(select(*doc, "/patient/name/0").empty());  // a string has no elements
}

TEST_F(HisPush, RendersScalars) {
  EXPECT_EQ(texts(select(*doc, "/observations/*/value")), (Strings{"132.5", "30", "4.8", "5"}));
  EXPECT_EQ(texts(select(*doc, "/patient/deceased")), Strings{"false"});
  EXPECT_TRUE(select(*doc, "/patient/guardian").empty());  // null: no match
  EXPECT_EQ(texts(select(*doc, "/patient/identifiers/0")),
            Strings{R"({"system":"2.16.156.10011.1.12","value":"ZY2024000123"})"});
}

TEST_F(HisPush, WildcardOverArraysAndObjects) {
  const auto names = select(*doc, "/observations/*/name");
  EXPECT_EQ(texts(names), (Strings{"身高", "体重", "左眼裸眼视力", "右眼裸眼视力"}));
  EXPECT_EQ(locations(names),
            (Strings{"/observations/0/name", "/observations/1/name", "/observations/2/name", "/observations/3/name"}));
  EXPECT_EQ(texts(select(*doc, "/hospital/*")), (Strings{"110105001", "北京市朝阳区第一医院"}));
  EXPECT_EQ(locations(select(*doc, "/observations/*/note")), Strings{});  // the only note is null
}

TEST_F(HisPush, EscapesInPathsAndLocations) {
  const auto slash = select(*doc, "/a~1b");
  ASSERT_EQ(slash.size(), 1u);
  EXPECT_EQ(slash[0].text, "slash");
  EXPECT_EQ(slash[0].location, "/a~1b");
  EXPECT_EQ(texts(select(*doc, "/m~0n")), Strings{"tilde"});
  EXPECT_EQ(texts(select(*doc, "/")), Strings{"empty key"});
  Strings all = locations(select(*doc, "/*"));
  EXPECT_EQ(all.back(), "/");
  EXPECT_EQ(all[all.size() - 2], "/m~0n");
}

TEST_F(HisPush, ScopesIterate) {
  const auto observations = select(*doc, "/observations/*");
  ASSERT_EQ(observations.size(), 4u);
  EXPECT_EQ(observations[2].location, "/observations/2");
  const auto value = select(*doc, "/value", &observations[2]);
  ASSERT_EQ(value.size(), 1u);
  EXPECT_EQ(value[0].text, "4.8");
  EXPECT_EQ(value[0].location, "/observations/2/value");
  EXPECT_TRUE(select(*doc, "/unit", &observations[2]).empty());
  // The empty pointer is the scope itself; scopes nest.
  EXPECT_EQ(select(*doc, "", &observations[0])[0].location, "/observations/0");
  const auto patient = select(*doc, "/patient");
  const auto ids = select(*doc, "/identifiers/*", &patient[0]);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(texts(select(*doc, "/system", &ids[1])), Strings{"2.16.156.10011.1.13"});
  EXPECT_EQ(select(*doc, "/system", &ids[1])[0].location, "/patient/identifiers/1/system");
}

TEST_F(HisPush, WholeDocumentAndForeignScopes) {
  const auto root = select(*doc, "");
  ASSERT_EQ(root.size(), 1u);
  EXPECT_EQ(root[0].location, "(root)");
  Match forged{"", "/x", 4242};
  EXPECT_TRUE(select(*doc, "/name", &forged).empty());
}

TEST(JsonNumbers, ShortestText) {
  const auto doc = parse(R"({"a": 100.0, "b": 1E2, "c": 0.1, "d": -7, "e": 18446744073709551615, "f": 1e300,
                             "g": 3.0e-5, "h": true})");
  EXPECT_EQ(texts(select(*doc, "/*")),
            (Strings{"100", "100", "0.1", "-7", "18446744073709551615", "1e+300", "3e-05", "true"}));
}

TEST(JsonPaths, CompileErrors) {
  EXPECT_EQ(compile_error("patient/name"),
            "a JSON Pointer starts with '/' (or is empty for the whole document), found 'patient/name'");
  EXPECT_EQ(compile_error("/a~2b"), "'~' in a JSON Pointer must be followed by 0 (for '~') or 1 (for '/'), in '/a~2b'");
  EXPECT_EQ(compile_error("/a~"), "'~' in a JSON Pointer must be followed by 0 (for '~') or 1 (for '/'), in '/a~'");
}

TEST(JsonLimits, TooDeep) {
  ParseOptions options;
  options.max_depth = 4;
  parse("[[[[1]]]]", options);
  const ParseError error = refused("[[[[[1]]]]]", options);
  EXPECT_EQ(error.location, "line 1, column 5");
  EXPECT_EQ(error.message, "arrays and objects are nested more than 4 levels deep");
  const ParseError deep = refused(std::string(100000, '[') + std::string(100000, ']'));
  EXPECT_EQ(deep.message, "arrays and objects are nested more than 256 levels deep");
}

TEST(JsonLimits, TooLarge) {
  ParseOptions options;
  options.max_bytes = 8;
  const ParseError error = refused(R"({"name":"张三"})", options);
  EXPECT_EQ(error.location, "byte 9");
  EXPECT_EQ(error.message, "the document is 17 bytes, more than the limit of 8");
}

TEST(JsonMalformed, ErrorsHaveLineAndColumn) {
  ParseError error = refused("{\n  \"name\": \"张三\",\n  \"age\": 12,\n}");
  EXPECT_EQ(error.location, "line 4, column 1");
  EXPECT_EQ(error.message, "invalid JSON: syntax error");
  error = refused("{\"name\": \"张三\"");
  EXPECT_EQ(error.location, "line 1, column 14");  // just past the end
  EXPECT_EQ(error.message, "the JSON text ends too early (incomplete)");
  error = refused("{\"a\": 1} {\"b\": 2}");
  EXPECT_EQ(error.location, "line 1, column 10");
  EXPECT_EQ(error.message, "unexpected text after the JSON value");
  error = refused("");
  EXPECT_EQ(error.message, "the JSON text ends too early (incomplete)");
}

TEST(JsonCharsets, Utf8IsValidatedAndGb18030CanBeDeclared) {
  const std::string gb = "{\"name\": \"\xD5\xC5\xC8\xFD\"}";  // 张三 in GB 18030
  const ParseError error = refused(gb);
  EXPECT_EQ(error.location, "byte 11");
  EXPECT_EQ(error.message, "not valid UTF-8 text (byte 0xD5)");
  ParseOptions options;
  options.charset = "GB18030";
  EXPECT_EQ(texts(select(*parse(gb, options), "/name")), Strings{"张三"});
  EXPECT_EQ(texts(select(*parse("\xEF\xBB\xBF{\"a\":\"b\"}"), "/a")), Strings{"b"});  // BOM dropped
}

}  // namespace
}  // namespace kq::formats
