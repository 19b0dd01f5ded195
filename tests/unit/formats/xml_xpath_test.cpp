// XPath paths over XML documents: CDA namespaces, scopes, locations, non-node results, compile errors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "gateway/formats/xml/format.hpp"

namespace kq::formats {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KQ_SOURCE_DIR) + "/tests/fixtures/xml/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::unique_ptr<Document> parse(const std::string& bytes, const ParseOptions& options = {}) {
  ParseError error;
  auto doc = xml_format().parse(bytes, options, error);
  EXPECT_TRUE(doc) << error.location << ": " << error.message;
  return doc;
}

std::unique_ptr<Path> compile(std::string_view text) {
  std::string error;
  auto path = xml_format().compile_path(text, error);
  EXPECT_TRUE(path) << text << ": " << error;
  return path;
}

std::string compile_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(xml_format().compile_path(text, error)) << text;
  return error;
}

std::vector<std::string> texts(const std::vector<Match>& matches) {
  std::vector<std::string> out;
  for (const Match& m : matches) out.push_back(m.text);
  return out;
}

using Strings = std::vector<std::string>;

class CdaDocument : public ::testing::Test {
 protected:
  std::unique_ptr<Document> doc = parse(fixture("cda_c0032.xml"));
};

TEST_F(CdaDocument, SelectsHeaderIdentifiersByOid) {
  auto path =
      compile("/hl7:ClinicalDocument/hl7:recordTarget/hl7:patientRole/hl7:id[@root='2.16.156.10011.1.19']/@extension");
  const auto matches = path->select(*doc, nullptr);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].text, "110105201001010012");
  EXPECT_EQ(matches[0].location, "/ClinicalDocument/recordTarget/patientRole/id[1]/@extension");
  EXPECT_NE(matches[0].handle, 0u);
  EXPECT_EQ(path->text(),
            "/hl7:ClinicalDocument/hl7:recordTarget/hl7:patientRole/hl7:id[@root='2.16.156.10011.1.19']/@extension");
}

TEST_F(CdaDocument, ElementTextIsItsExactStringValue) {
  const auto name = compile("//hl7:patient/hl7:name")->select(*doc, nullptr);
  ASSERT_EQ(name.size(), 1u);
  EXPECT_EQ(name[0].text, "张小明");
  EXPECT_EQ(name[0].location, "/ClinicalDocument/recordTarget/patientRole/patient/name");
  EXPECT_EQ(texts(compile("/v3:ClinicalDocument/v3:title")->select(*doc, nullptr)), Strings{"住院病案首页"});
}

TEST_F(CdaDocument, UnprefixedNamesDoNotMatchTheHl7Namespace) {
  EXPECT_TRUE(compile("/ClinicalDocument/title")->select(*doc, nullptr).empty());
}

TEST_F(CdaDocument, IteratesEntriesAsScopes) {
  const auto entries = compile("//hl7:section/hl7:entry")->select(*doc, nullptr);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].location, "/ClinicalDocument/component/structuredBody/component/section/entry[2]");
  auto code = compile("hl7:observation/hl7:value/@code");
  auto type = compile("hl7:observation/hl7:value/@xsi:type");
  auto value = compile("hl7:observation/hl7:value");
  EXPECT_EQ(texts(code->select(*doc, &entries[0])), Strings{"J18.9"});
  EXPECT_EQ(texts(code->select(*doc, &entries[1])), Strings{"E66.0"});
  EXPECT_TRUE(code->select(*doc, &entries[2]).empty());
  const auto typed = type->select(*doc, &entries[0]);
  ASSERT_EQ(typed.size(), 1u);
  EXPECT_EQ(typed[0].text, "CD");
  EXPECT_EQ(typed[0].location,
            "/ClinicalDocument/component/structuredBody/component/section/entry[1]/observation/value/@xsi:type");
  // An empty element is present with empty text, unlike an absent attribute.
  const auto empty = value->select(*doc, &entries[2]);
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].text, "");
  EXPECT_EQ(empty[0].location,
            "/ClinicalDocument/component/structuredBody/component/section/entry[3]/observation/value");
}

TEST_F(CdaDocument, NestedScopesKeepNarrowing) {
  const auto sections = compile("//hl7:section")->select(*doc, nullptr);
  ASSERT_EQ(sections.size(), 1u);
  const auto entries = compile("hl7:entry")->select(*doc, &sections[0]);
  ASSERT_EQ(entries.size(), 3u);
  const auto observations = compile("hl7:observation")->select(*doc, &entries[1]);
  ASSERT_EQ(observations.size(), 1u);
  EXPECT_EQ(texts(compile("hl7:value/@displayName")->select(*doc, &observations[0])), Strings{"肥胖症"});
  // ".." climbs out of the scope: paths are relative to the scope node, not confined to it.
  EXPECT_EQ(texts(compile("../hl7:code/@code")->select(*doc, &entries[0])), Strings{"29548-5"});
}

TEST_F(CdaDocument, SdtcAndXsiPrefixesAreBuiltIn) {
  EXPECT_EQ(texts(compile("//sdtc:deceasedInd/@value")->select(*doc, nullptr)), Strings{"false"});
  EXPECT_EQ(compile("//hl7:value[@xsi:type='CD']")->select(*doc, nullptr).size(), 2u);
}

TEST_F(CdaDocument, StringNumberAndBooleanResultsGiveOneMatch) {
  const auto count = compile("count(//hl7:entry)")->select(*doc, nullptr);
  ASSERT_EQ(count.size(), 1u);
  EXPECT_EQ(count[0].text, "3");
  EXPECT_EQ(count[0].location, "count(//hl7:entry) at /");
  EXPECT_EQ(count[0].handle, 0u);
  EXPECT_EQ(texts(compile("string(/hl7:ClinicalDocument/hl7:code/@code)")->select(*doc, nullptr)), Strings{"C0032"});
  EXPECT_EQ(texts(compile("boolean(//hl7:entry)")->select(*doc, nullptr)), Strings{"true"});
  EXPECT_EQ(texts(compile("1 div 4")->select(*doc, nullptr)), Strings{"0.25"});
  EXPECT_EQ(texts(compile("concat(//hl7:patient/hl7:name, '-', //hl7:birthTime/@value)")->select(*doc, nullptr)),
            Strings{"张小明-20100101"});
  // An empty string cannot be told from an absent node, so it gives no match.
  EXPECT_TRUE(compile("string(//hl7:missing)")->select(*doc, nullptr).empty());

  const auto entries = compile("//hl7:entry")->select(*doc, nullptr);
  const auto scoped = compile("count(hl7:observation)")->select(*doc, &entries[1]);
  ASSERT_EQ(scoped.size(), 1u);
  EXPECT_EQ(scoped[0].text, "1");
  EXPECT_EQ(scoped[0].location,
            "count(hl7:observation) at /ClinicalDocument/component/structuredBody/component/section/entry[2]");
}

TEST_F(CdaDocument, ScopesFromElsewhereSelectNothing) {
  const auto other = parse(fixture("roster.xml"));
  const auto students = compile("//student")->select(*other, nullptr);
  ASSERT_FALSE(students.empty());
  Match forged{"", "", 999999};
  EXPECT_TRUE(compile("hl7:observation")->select(*doc, &forged).empty());
  Match computed{"3", "count(//hl7:entry) at /", 0};
  EXPECT_TRUE(compile("hl7:observation")->select(*doc, &computed).empty());
}

TEST(XmlPaths, PlainDocumentsNeedNoPrefix) {
  const auto doc = parse(fixture("roster.xml"));
  EXPECT_EQ(texts(compile("/roster/@school")->select(*doc, nullptr)), Strings{"北京市第一中学"});
  EXPECT_EQ(texts(compile("/roster/student/name")->select(*doc, nullptr)), (Strings{"张三", "李四", ""}));
  EXPECT_EQ(texts(compile("/roster/student[3]/class")->select(*doc, nullptr)), Strings{"四年级(1)班"});
  const auto left = compile("//vision[@eye='left']")->select(*doc, nullptr);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].location, "/roster/student[1]/vision[1]");
  EXPECT_EQ(left[1].location, "/roster/student[2]/vision");
  const auto text = compile("/roster/student[1]/name/text()")->select(*doc, nullptr);
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(text[0].location, "/roster/student[1]/name/text()");
  const auto root = compile("/")->select(*doc, nullptr);
  ASSERT_EQ(root.size(), 1u);
  EXPECT_EQ(root[0].location, "/");
}

TEST(XmlPaths, CompileErrorsNameTheProblem) {
  EXPECT_EQ(compile_error("/cda:ClinicalDocument"),
            "unknown namespace prefix 'cda'; the built-in prefixes are hl7 and v3 (urn:hl7-org:v3), sdtc "
            "(urn:hl7-org:sdtc) and xsi");
  EXPECT_EQ(compile_error("//entry[fn:upper-case(@code)]"),
            "unknown namespace prefix 'fn'; the built-in prefixes are hl7 and v3 (urn:hl7-org:v3), sdtc "
            "(urn:hl7-org:sdtc) and xsi");
  EXPECT_EQ(compile_error("//hl7:entry[upper-case(@code) = 'X']"), "unknown XPath function 'upper-case()'");
  EXPECT_EQ(compile_error("hl7:foo(1)"), "unknown XPath function 'hl7:foo()'");
  EXPECT_EQ(compile_error("//hl7:id[@root = $oid]"), "XPath variables are not supported: '$oid'");
  EXPECT_EQ(compile_error("//hl7:entry["), "invalid XPath '//hl7:entry[': invalid expression at the end");
  EXPECT_EQ(compile_error("/a/b)"), "invalid XPath '/a/b)': invalid expression at character 5");
  EXPECT_EQ(compile_error("//a[@b='x]"), "invalid XPath '//a[@b='x]': unfinished string literal at the end");
  EXPECT_EQ(compile_error("count()"), "invalid XPath 'count()': wrong number of arguments");
  EXPECT_EQ(compile_error("count('x')"), "invalid XPath 'count('x')': invalid type");
  EXPECT_EQ(compile_error("  "), "empty XPath expression");
}

TEST(XmlPaths, NamesInsideLiteralsAndAxesAreNotChecked) {
  compile("//hl7:id[@root = 'foo:bar($x)']");
  compile("child::hl7:entry/descendant-or-self::node()/attribute::code");
  compile("//hl7:entry[position() = last() and not(hl7:observation/hl7:value/@code = 'X')]");
  compile("//processing-instruction('x') | //comment() | //text()");
  compile("count(//a) div 2 mod 3");
}

TEST(XmlPaths, ACompiledPathServesManyDocumentsOnManyThreads) {
  auto path = compile("//hl7:section/hl7:entry/hl7:observation/hl7:value/@code");
  const std::string bytes = fixture("cda_c0032.xml");
  std::vector<std::thread> threads;
  std::vector<std::size_t> counts(4);
  for (std::size_t t = 0; t < counts.size(); ++t) {
    threads.emplace_back([&, t] {
      ParseError error;
      for (int i = 0; i < 50; ++i) {
        auto doc = xml_format().parse(bytes, ParseOptions{}, error);
        if (doc) counts[t] += path->select(*doc, nullptr).size();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t c : counts) EXPECT_EQ(c, 100u);
}

}  // namespace
}  // namespace kq::formats
