// CSV rosters: header names (Chinese, trimmed), rows as scopes, locations, path syntax, missing columns.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gateway/formats/tabular/csv.hpp"
#include "gateway/formats/tabular/tabular.hpp"

namespace kq::formats {
namespace {

using Strings = std::vector<std::string>;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KQ_SOURCE_DIR) + "/tests/fixtures/csv/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::unique_ptr<Document> parse(const std::string& bytes, const ParseOptions& options = {}) {
  ParseError error;
  auto doc = csv_format().parse(bytes, options, error);
  EXPECT_TRUE(doc) << error.location << ": " << error.message;
  return doc;
}

std::unique_ptr<Path> compile(std::string_view text) {
  std::string error;
  auto path = csv_format().compile_path(text, error);
  EXPECT_TRUE(path) << text << ": " << error;
  return path;
}

std::string compile_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(csv_format().compile_path(text, error)) << text;
  return error;
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

class Roster : public ::testing::Test {
 protected:
  std::unique_ptr<Document> doc = parse(fixture("roster_utf8_bom.csv"));
  const TabularDocument& table() const { return dynamic_cast<const TabularDocument&>(*doc); }
};

TEST_F(Roster, HeadersAreTrimmedAndTheBomDropped) {
  EXPECT_EQ(doc->format(), "csv");
  EXPECT_EQ(table().headers(),
            (Strings{"姓名", "学籍号", "性别", "班级", "左眼视力", "右眼视力", "身高(cm)", "检查日期", "备注"}));
}

TEST_F(Roster, RowsAreNumberedAsASpreadsheetShowsThem) {
  const auto rows = compile("rows")->select(*doc, nullptr);
  // Row 4 is blank and the last row holds only delimiters: both skipped, numbers kept.
  EXPECT_EQ(locations(rows), (Strings{"row 2", "row 3", "row 5", "row 6"}));
  EXPECT_EQ(rows[2].handle, 2u);
  EXPECT_EQ(locations(compile("rows[*]")->select(*doc, nullptr)), locations(rows));
}

TEST_F(Roster, ColumnsInsideARowScope) {
  const auto rows = compile("rows")->select(*doc, nullptr);
  auto name = compile("姓名");
  auto vision = compile("左眼视力");
  const auto first = name->select(*doc, &rows[0]);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].text, "张三");
  EXPECT_EQ(first[0].location, "row 2, column 姓名");
  EXPECT_EQ(first[0].handle, 0u);
  EXPECT_EQ(texts(vision->select(*doc, &rows[1])), Strings{"4.6"});
  EXPECT_EQ(texts(name->select(*doc, &rows[3])), Strings{"欧阳\"娜娜\""});  // doubled quotes
  // A column match is itself a row scope.
  EXPECT_EQ(texts(vision->select(*doc, &first[0])), Strings{"4.8"});
}

TEST_F(Roster, EmptyCellsGiveNoMatch) {
  const auto rows = compile("rows")->select(*doc, nullptr);
  EXPECT_TRUE(compile("右眼视力")->select(*doc, &rows[1]).empty());
  EXPECT_TRUE(compile("备注")->select(*doc, &rows[0]).empty());
}

TEST_F(Roster, QuotedFieldsKeepDelimitersAndLineBreaks) {
  const auto notes = compile("备注")->select(*doc, nullptr);
  EXPECT_EQ(texts(notes), (Strings{"近视, 建议复查", "第一行\r\n第二行"}));
  EXPECT_EQ(locations(notes), (Strings{"row 3, column 备注", "row 5, column 备注"}));
}

TEST_F(Roster, AColumnWithoutScopeGivesEveryRow) {
  const auto classes = compile("班级")->select(*doc, nullptr);
  EXPECT_EQ(texts(classes), (Strings{"三年级(2)班", "三年级(2)班", "三年级(2)班", "三年级(3)班"}));
  EXPECT_EQ(classes[3].location, "row 6, column 班级");
  EXPECT_EQ(classes[3].handle, 3u);
}

TEST_F(Roster, ColumnSyntaxes) {
  EXPECT_EQ(texts(compile("column[班级]")->select(*doc, nullptr)), texts(compile("班级")->select(*doc, nullptr)));
  EXPECT_EQ(texts(compile("  column[ 左眼视力 ] ")->select(*doc, nullptr)).size(), 4u);
  EXPECT_EQ(texts(compile("$1")->select(*doc, nullptr)), (Strings{"张三", "李四", "王五", "欧阳\"娜娜\""}));
  EXPECT_EQ(texts(compile("$D")->select(*doc, nullptr)), texts(compile("班级")->select(*doc, nullptr)));
  EXPECT_EQ(compile("$4")->select(*doc, nullptr)[0].location, "row 2, column 班级");
  EXPECT_EQ(texts(compile("$b")->select(*doc, nullptr))[0], "G110105201001010012");
  EXPECT_TRUE(compile("$Z")->select(*doc, nullptr).empty());
}

TEST_F(Roster, MissingColumnsAreExplained) {
  auto missing = compile("年级");
  EXPECT_TRUE(missing->select(*doc, nullptr).empty());
  EXPECT_EQ(
      table().missing_column(*missing),
      "column '年级' not found; headers are 姓名, 学籍号, 性别, 班级, 左眼视力, 右眼视力, 身高(cm), 检查日期, 备注");
  EXPECT_EQ(table().missing_column(*compile("班级")), "");
  EXPECT_EQ(table().missing_column(*compile("$30")), "");
  EXPECT_EQ(table().missing_column(*compile("rows")), "");
}

// A sheet that may or may not carry a column (the school's own total score): optional[...] gives
// that column's cells when it is there and nothing, without an error, when it is not.
TEST_F(Roster, OptionalColumnsMayBeMissing) {
  EXPECT_EQ(texts(compile("optional[班级]")->select(*doc, nullptr)), texts(compile("班级")->select(*doc, nullptr)));
  auto absent = compile("optional[ 总分 ]");
  EXPECT_TRUE(absent->select(*doc, nullptr).empty());
  EXPECT_EQ(table().missing_column(*absent), "");
  EXPECT_EQ(compile_error("optional[总分"), "expected ']' at the end of 'optional[总分'");
  EXPECT_EQ(compile_error("optional[]"), "empty header name in 'optional[]'");
}

TEST_F(Roster, ForeignScopesSelectNothing) {
  Match beyond{"", "row 99", 99};
  EXPECT_TRUE(compile("姓名")->select(*doc, &beyond).empty());
  EXPECT_TRUE(compile("rows")->select(*doc, &beyond).empty());
}

TEST(CsvPaths, CompileErrors) {
  EXPECT_EQ(compile_error(""), "empty column reference; write a header name such as 姓名, or $3");
  EXPECT_EQ(compile_error("$0"),
            "expected '$' and a column number from 1 to 16384 or letters from A to XFD (e.g. $3 or $C), found '$0'");
  EXPECT_EQ(compile_error("$XFE"),
            "expected '$' and a column number from 1 to 16384 or letters from A to XFD (e.g. $3 or $C), found '$XFE'");
  EXPECT_EQ(compile_error("$3a"),
            "expected '$' and a column number from 1 to 16384 or letters from A to XFD (e.g. $3 or $C), found '$3a'");
  EXPECT_EQ(compile_error("rows[2]"), "rows are selected with 'rows' or 'rows[*]', found 'rows[2]'");
  EXPECT_EQ(compile_error("column[班级"), "expected ']' at the end of 'column[班级'");
  EXPECT_EQ(compile_error("column[ ]"), "empty header name in 'column[ ]'");
}

TEST(CsvLayout, WithoutAHeaderRowColumnsAreByPosition) {
  ParseOptions options;
  options.has_header = false;
  const auto doc = parse("张三,4.8\n李四,4.6\n", options);
  const auto first = compile("$1")->select(*doc, nullptr);
  EXPECT_EQ(texts(first), (Strings{"张三", "李四"}));
  EXPECT_EQ(first[0].location, "row 1, column 1");
  auto named = compile("姓名");
  EXPECT_EQ(dynamic_cast<const TabularDocument&>(*doc).missing_column(*named),
            "column '姓名' not found; the file is read without a header row, so name columns by position ($3 or $C)");
}

TEST(CsvLayout, OtherDelimitersAndLineEndings) {
  ParseOptions options;
  options.csv_delimiter = '\t';
  const auto tabbed = parse("姓名\t班级\r张三\t一班\r李四\t\"二\t班\"\r", options);
  EXPECT_EQ(texts(compile("班级")->select(*tabbed, nullptr)), (Strings{"一班", "二\t班"}));
  EXPECT_EQ(compile("班级")->select(*tabbed, nullptr)[1].location, "row 3, column 班级");
  options.csv_delimiter = ';';
  EXPECT_EQ(texts(compile("b")->select(*parse("a;b\n1;2,5", options), nullptr)), Strings{"2,5"});
}

TEST(CsvLayout, QuotesInsideUnquotedFieldsAreLiteral) {
  EXPECT_EQ(texts(compile("身高")->select(*parse("身高\n5'3\"\n"), nullptr)), Strings{"5'3\""});
}

TEST(CsvLayout, ShortAndLongRows) {
  const auto doc = parse("姓名,班级\n张三\n李四,二班,多余\n");
  EXPECT_EQ(texts(compile("班级")->select(*doc, nullptr)), Strings{"二班"});
  const auto extra = compile("$3")->select(*doc, nullptr);
  ASSERT_EQ(extra.size(), 1u);
  EXPECT_EQ(extra[0].location, "row 3, column 3");
}

TEST(CsvLayout, DuplicateHeadersResolveToTheLeftmost) {
  const auto doc = parse("备注,姓名,备注\n甲,张三,乙\n");
  EXPECT_EQ(texts(compile("备注")->select(*doc, nullptr)), Strings{"甲"});
  EXPECT_EQ(texts(compile("$3")->select(*doc, nullptr)), Strings{"乙"});
}

TEST(CsvLayout, IdeographicSpacesAroundHeadersAreTrimmed) {
  const auto doc = parse("\xE3\x80\x80姓名\xE3\x80\x80,班级\n张三,一班\n");
  EXPECT_EQ(texts(compile("姓名")->select(*doc, nullptr)), Strings{"张三"});
}

}  // namespace
}  // namespace kq::formats
