// XLSX workbooks: sheets, shared and inline strings, numbers, dates, locations, streamed ZIPs.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gateway/formats/tabular/tabular.hpp"
#include "gateway/formats/tabular/xlsx.hpp"
#include "gateway/formats/tabular/xlsx_parts.hpp"

namespace kq::formats {
namespace {

using Strings = std::vector<std::string>;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KQ_SOURCE_DIR) + "/tests/fixtures/xlsx/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::unique_ptr<Document> parse(const std::string& bytes, const ParseOptions& options = {}) {
  ParseError error;
  auto doc = xlsx_format().parse(bytes, options, error);
  EXPECT_TRUE(doc) << error.location << ": " << error.message;
  return doc;
}

std::vector<Match> select(const Document& doc, std::string_view path, const Match* scope = nullptr) {
  std::string error;
  auto compiled = xlsx_format().compile_path(path, error);
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

class ExamRoster : public ::testing::Test {
 protected:
  std::unique_ptr<Document> doc = parse(fixture("exam_roster.xlsx"));
  const TabularDocument& table() const { return dynamic_cast<const TabularDocument&>(*doc); }
};

TEST_F(ExamRoster, ReadsTheFirstVisibleSheet) {
  EXPECT_EQ(doc->format(), "xlsx");
  EXPECT_EQ(table().sheet(), "学生");
  EXPECT_EQ(table().headers(), (Strings{"姓名", "学籍号", "班级", "性别", "身高(cm)", "左眼视力", "检查日期", "戴镜",
                                        "备注", "出生日期"}));
}

TEST_F(ExamRoster, RowsKeepTheirSheetNumbers) {
  EXPECT_EQ(locations(select(*doc, "rows")),
            (Strings{"sheet 学生, row 2", "sheet 学生, row 3", "sheet 学生, row 6", "sheet 学生, row 12"}));
}

TEST_F(ExamRoster, CellLocationsNameSheetRowHeaderAndReference) {
  const auto classes = select(*doc, "班级");
  EXPECT_EQ(texts(classes), (Strings{"三年级(2)班", "三年级(2)班", "四年级(1)班"}));  // C6 is empty
  EXPECT_EQ(classes[2].location, "sheet 学生, row 12, column 班级 (C12)");
  const auto birth = select(*doc, "$J");
  ASSERT_EQ(birth.size(), 1u);
  EXPECT_EQ(birth[0].location, "sheet 学生, row 2, column 出生日期 (J2)");
}

TEST_F(ExamRoster, StringsSharedInlineAndRich) {
  EXPECT_EQ(texts(select(*doc, "姓名")), (Strings{"张三", "李四", "王五", "赵六"}));
  EXPECT_EQ(texts(select(*doc, "学籍号"))[2], "G110105201003030035");  // inline rich runs joined
  // Rich runs joined, the phonetic guide left out, _x000D_ decoded.
  EXPECT_EQ(texts(select(*doc, "备注")), (Strings{"近视，复查", "第一行\r\n第二行"}));
}

TEST_F(ExamRoster, NumbersAreShortestDecimalText) {
  EXPECT_EQ(texts(select(*doc, "身高(cm)")), (Strings{"132.5", "128", "130", "140"}));
  EXPECT_EQ(texts(select(*doc, "左眼视力")), (Strings{"4.8", "5", "4.9", "#N/A"}));
  const auto rows = select(*doc, "rows");
  EXPECT_EQ(texts(select(*doc, "学籍号", &rows[3])), Strings{"110105194912310000"});
}

TEST_F(ExamRoster, DatesBooleansAndDateTimes) {
  // Built-in 14, custom yyyy"年"m"月"d"日", built-in 22.
  EXPECT_EQ(texts(select(*doc, "检查日期")), (Strings{"2024-03-12", "2024-03-13", "2024-03-14T18:00:00"}));
  EXPECT_EQ(texts(select(*doc, "出生日期")), Strings{"2010-01-01"});  // built-in 31, the Chinese long date
  EXPECT_EQ(texts(select(*doc, "戴镜")), (Strings{"true", "false"}));
}

TEST_F(ExamRoster, RowScopes) {
  const auto rows = select(*doc, "rows");
  const auto name = select(*doc, "姓名", &rows[2]);
  ASSERT_EQ(name.size(), 1u);
  EXPECT_EQ(name[0].text, "王五");
  EXPECT_EQ(name[0].location, "sheet 学生, row 6, column 姓名 (A6)");
  EXPECT_TRUE(select(*doc, "班级", &rows[2]).empty());  // a styled but empty cell
  EXPECT_EQ(texts(select(*doc, "性别", &rows[1])), Strings{"女"});
}

TEST_F(ExamRoster, MissingColumnNamesTheSheet) {
  std::string error;
  auto path = xlsx_format().compile_path("年级", error);
  EXPECT_EQ(
      table().missing_column(*path),
      "column '年级' not found in sheet 学生; headers are 姓名, 学籍号, 班级, 性别, 身高(cm), 左眼视力, 检查日期, "
      "戴镜, 备注, 出生日期");
}

TEST(XlsxSheets, ChosenByName) {
  ParseOptions options;
  options.sheet = "视力";
  const auto doc = parse(fixture("exam_roster.xlsx"), options);
  // The phantom 1900-02-29 (serial 60) and the day after it.
  EXPECT_EQ(texts(select(*doc, "日期")), (Strings{"1900-02-29", "1900-03-01", "1900-01-01", "0"}));
  EXPECT_EQ(texts(select(*doc, "时间")), (Strings{"08:30:00", "18:00:00", "00:00:00", "-1"}));
  EXPECT_EQ(texts(select(*doc, "序列")), (Strings{"1", "2", "3", "0.000001"}));
  EXPECT_EQ(select(*doc, "日期")[0].location, "sheet 视力, row 2, column 日期 (A2)");
  options.sheet = "说明";  // hidden sheets can be named explicitly
  options.has_header = false;
  const auto notes = parse(fixture("exam_roster.xlsx"), options);
  const auto cell = select(*notes, "$A");
  EXPECT_EQ(texts(cell), Strings{"填表说明"});
  EXPECT_EQ(locations(cell), Strings{"sheet 说明, row 1, column A (A1)"});
}

TEST(XlsxSheets, UnknownSheetListsTheOthers) {
  ParseOptions options;
  options.sheet = "体检";
  ParseError error;
  EXPECT_FALSE(xlsx_format().parse(fixture("exam_roster.xlsx"), options, error));
  EXPECT_EQ(error.message, "sheet '体检' not found; the workbook has sheets 说明, 学生, 视力");
}

TEST(XlsxStreamed, DataDescriptorsInlineStringsAndImplicitReferences) {
  const auto doc = parse(fixture("streamed_1904.xlsx"));
  EXPECT_EQ(texts(select(*doc, "姓名")), (Strings{"张三", "李四"}));
  const auto dates = select(*doc, "日期");
  EXPECT_EQ(texts(dates), (Strings{"2024-03-12", "0"}));  // t="d" as written; no styles: a plain number
  EXPECT_EQ(dates[1].location, "sheet Sheet1, row 3, column 日期 (B3)");
}

TEST(XlsxNumberFormats, Classification) {
  // Built-in ids, then custom codes: letters inside quotes, brackets and escapes do not count.
  EXPECT_EQ(classify_number_format(14, ""), NumberStyle::kDate);
  EXPECT_EQ(classify_number_format(0, ""), NumberStyle::kNumber);
  EXPECT_EQ(classify_number_format(22, ""), NumberStyle::kDateTime);
  EXPECT_EQ(classify_number_format(20, ""), NumberStyle::kTime);
  EXPECT_EQ(classify_number_format(58, ""), NumberStyle::kDate);
  EXPECT_EQ(classify_number_format(164, "yyyy/mm/dd"), NumberStyle::kDate);
  EXPECT_EQ(classify_number_format(164, "[$-804]yyyy\"年\"m\"月\""), NumberStyle::kDate);
  EXPECT_EQ(classify_number_format(164, "mmm"), NumberStyle::kDate);
  EXPECT_EQ(classify_number_format(164, "h:mm AM/PM"), NumberStyle::kTime);
  EXPECT_EQ(classify_number_format(164, "[h]:mm"), NumberStyle::kTime);
  EXPECT_EQ(classify_number_format(164, "yyyy-mm-dd hh:mm:ss"), NumberStyle::kDateTime);
  EXPECT_EQ(classify_number_format(164, "0.0\"d\""), NumberStyle::kNumber);
  EXPECT_EQ(classify_number_format(164, "#,##0.00_);[Red](#,##0.00)"), NumberStyle::kNumber);
  EXPECT_EQ(classify_number_format(164, "0.00E+00"), NumberStyle::kNumber);
  EXPECT_EQ(classify_number_format(164, "General"), NumberStyle::kNumber);
  EXPECT_EQ(classify_number_format(164, "\\d0"), NumberStyle::kNumber);
}

TEST(XlsxNumberFormats, Rendering) {
  EXPECT_EQ(render_numeric_cell("1.0E2", NumberStyle::kNumber, false), "100");
  EXPECT_EQ(render_numeric_cell("0.30000000000000004", NumberStyle::kNumber, false), "0.3");
  EXPECT_EQ(render_numeric_cell("-1.5E-7", NumberStyle::kNumber, false), "-0.00000015");
  EXPECT_EQ(render_numeric_cell("123456789012345678", NumberStyle::kNumber, false), "123456789012346000");
  EXPECT_EQ(render_numeric_cell("-0", NumberStyle::kNumber, false), "0");
  EXPECT_EQ(render_numeric_cell("abc", NumberStyle::kNumber, false), "abc");
  EXPECT_EQ(render_numeric_cell("59", NumberStyle::kDate, false), "1900-02-28");
  EXPECT_EQ(render_numeric_cell("2958465", NumberStyle::kDate, false), "9999-12-31");
  EXPECT_EQ(render_numeric_cell("2958466", NumberStyle::kDate, false), "2958466");
  EXPECT_EQ(render_numeric_cell("0", NumberStyle::kDate, true), "1904-01-01");
  EXPECT_EQ(render_numeric_cell("43901", NumberStyle::kDate, true), "2024-03-12");
  EXPECT_EQ(render_numeric_cell("43901.5", NumberStyle::kDateTime, true), "2024-03-12T12:00:00");
}

}  // namespace
}  // namespace kq::formats
