// Damaged and hostile XLSX uploads: not a ZIP, broken archives, zip bombs, DOCTYPEs, bad cells.
// Workbooks are built here with POCO's ZIP writer so each test shows the part it damages.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gateway/formats/tabular/xlsx.hpp"
#include "tests/support/zip_parts.hpp"

namespace kq::formats {
namespace {

using Parts = kq::testing::ZipParts;

const std::string kMain = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"";
const std::string kRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

std::string zip(const Parts& parts) { return kq::testing::zip_parts(parts); }

// A one-sheet workbook; empty shared strings or styles leave the part out.
std::string workbook(const std::string& sheet_data, const std::string& shared = "", const std::string& styles = "",
                     const std::string& workbook_pr = "") {
  std::string rels =
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" Type=\"" +
      kRel + "/worksheet\" Target=\"worksheets/sheet1.xml\"/>";
  Parts parts;
  if (!shared.empty()) {
    rels += "<Relationship Id=\"rId2\" Type=\"" + kRel + "/sharedStrings\" Target=\"sharedStrings.xml\"/>";
    parts.emplace_back("xl/sharedStrings.xml", shared);
  }
  if (!styles.empty()) {
    rels += "<Relationship Id=\"rId3\" Type=\"" + kRel + "/styles\" Target=\"styles.xml\"/>";
    parts.emplace_back("xl/styles.xml", styles);
  }
  parts.emplace_back("xl/_rels/workbook.xml.rels", rels + "</Relationships>");
  parts.emplace_back("xl/workbook.xml",
                     "<workbook " + kMain + " xmlns:r=\"" + kRel + "\">" + workbook_pr +
                         "<sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
  parts.emplace_back("xl/worksheets/sheet1.xml",
                     "<worksheet " + kMain + "><sheetData>" + sheet_data + "</sheetData></worksheet>");
  return zip(parts);
}

ParseError refused(const std::string& bytes, const ParseOptions& options = {}) {
  ParseError error;
  EXPECT_FALSE(xlsx_format().parse(bytes, options, error));
  return error;
}

std::vector<std::string> column(const std::string& bytes, std::string_view path) {
  ParseError error;
  auto doc = xlsx_format().parse(bytes, ParseOptions{}, error);
  EXPECT_TRUE(doc) << error.location << ": " << error.message;
  if (!doc) return {};
  std::string compile_error;
  std::vector<std::string> out;
  for (const Match& m : xlsx_format().compile_path(path, compile_error)->select(*doc, nullptr)) out.push_back(m.text);
  return out;
}

TEST(XlsxBuilt, AMinimalWorkbookReads) {
  const std::string sheet =
      "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>日期</t></is></c></row>"
      "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>43901</v></c></row>";
  const std::string styles =
      "<styleSheet " + kMain + "><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/></cellXfs></styleSheet>";
  EXPECT_EQ(column(workbook(sheet, "", styles, "<workbookPr date1904=\"true\"/>"), "日期"),
            std::vector<std::string>{"2024-03-12"});
  EXPECT_EQ(column(workbook(sheet, "", styles), "日期"), std::vector<std::string>{"2020-03-11"});
}

TEST(XlsxDamaged, NotAZipArchive) {
  const ParseError csv = refused("姓名,班级\n张三,一班\n");
  EXPECT_EQ(csv.message, "not an XLSX workbook: the file is not a ZIP archive");
  EXPECT_EQ(csv.kind, core::ErrorKind::structure);
  // An old .xls is a document the gateway does not accept, not a damaged one.
  const ParseError xls = refused(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8));
  EXPECT_EQ(xls.message,
            "not an XLSX workbook: this is an OLE2 file (an old .xls, or a password-protected workbook); save it as "
            ".xlsx without a password");
  EXPECT_EQ(xls.kind, core::ErrorKind::unsupported);
}

TEST(XlsxDamaged, TruncatedArchive) {
  std::ifstream in(std::string(KQ_SOURCE_DIR) + "/tests/fixtures/xlsx/exam_roster.xlsx", std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const ParseError error = refused(bytes.str().substr(0, bytes.str().size() / 2));
  EXPECT_EQ(error.message, "damaged ZIP archive (is the upload complete?): I/O error: Failed to seek on input stream");
  EXPECT_EQ(error.kind, core::ErrorKind::structure);
}

TEST(XlsxDamaged, CorruptedCompressedData) {
  std::string bytes =
      workbook("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>" + std::string(2000, 'x') + "</t></is></c></row>");
  const std::size_t sheet = bytes.find("xl/worksheets/sheet1.xml");
  ASSERT_NE(sheet, std::string::npos);
  for (std::size_t i = sheet + 40; i < sheet + 60; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5A);
  const ParseError error = refused(bytes);
  EXPECT_EQ(error.location, "sheet Sheet1");
  EXPECT_EQ(error.message, "damaged ZIP entry xl/worksheets/sheet1.xml: ZIP Exception: CRC failure");
  EXPECT_EQ(error.kind, core::ErrorKind::structure);
}

TEST(XlsxDamaged, ZipWithoutAWorkbook) {
  const ParseError error = refused(zip({{"word/document.xml", "<document/>"}}));
  EXPECT_EQ(error.message, "not an XLSX workbook: the archive has no xl/workbook.xml");
}

TEST(XlsxDamaged, MalformedSheetXml) {
  const ParseError error = refused(workbook("<row r=\"1\"><c r=\"A1\"><v>1</v></row>"));
  EXPECT_EQ(error.location, "xl/worksheets/sheet1.xml, line 1");
  EXPECT_EQ(error.message, "Opening and ending tag mismatch: c line 1 and row");
}

TEST(XlsxDamaged, SharedStringOutOfRange) {
  const std::string shared = "<sst " + kMain + "><si><t>姓名</t></si><si><t>张三</t></si></sst>";
  const ParseError error = refused(
      workbook("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row><row r=\"2\"><c r=\"A2\" t=\"s\"><v>5</v></c></row>",
               shared));
  EXPECT_EQ(error.location, "sheet Sheet1, row 2 (A2)");
  EXPECT_EQ(error.message, "shared string 5 does not exist (the workbook has 2)");
  EXPECT_EQ(error.kind, core::ErrorKind::structure);
}

TEST(XlsxDamaged, CellReferenceOutsideItsRow) {
  const ParseError error = refused(workbook("<row r=\"2\"><c r=\"B3\"><v>1</v></c></row>"));
  EXPECT_EQ(error.location, "sheet Sheet1, row 2");
  EXPECT_EQ(error.message, "cell reference 'B3' is not in row 2");
}

TEST(XlsxHostile, ZipBombStopsAtTheLimit) {
  ParseOptions options;
  options.max_bytes = 1 << 20;
  const std::string bomb = workbook("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>" + std::string(8 << 20, ' '));
  ASSERT_LT(bomb.size(), 64u * 1024);
  const ParseError error = refused(bomb, options);
  EXPECT_EQ(error.message,
            "the workbook inflates to more than 1048576 bytes (limit reached reading "
            "xl/worksheets/sheet1.xml)");
  EXPECT_EQ(error.kind, core::ErrorKind::too_long);
}

TEST(XlsxHostile, ZipBombWithALyingHeaderStopsToo) {
  ParseOptions options;
  options.max_bytes = 1 << 20;
  std::string bomb = workbook("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>" + std::string(8 << 20, ' '));
  // Rewrite the declared uncompressed size of the sheet (local header offset 22) to 100 bytes.
  const std::size_t name = bomb.find("xl/worksheets/sheet1.xml");
  const std::size_t header = bomb.rfind(std::string("PK\x03\x04", 4), name);
  ASSERT_NE(header, std::string::npos);
  const char small[4] = {100, 0, 0, 0};
  bomb.replace(header + 22, 4, small, 4);
  const ParseError error = refused(bomb, options);
  EXPECT_EQ(error.message.find("the workbook inflates to more than 1048576 bytes"), 0u) << error.message;
  EXPECT_EQ(error.kind, core::ErrorKind::too_long);
}

TEST(XlsxHostile, UploadSizeLimit) {
  ParseOptions options;
  options.max_bytes = 100;
  const ParseError error = refused(workbook("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"), options);
  EXPECT_EQ(error.location, "byte 101");
  EXPECT_EQ(error.message.substr(0, 16), "the workbook is ");
  EXPECT_EQ(error.kind, core::ErrorKind::too_long);
}

TEST(XlsxHostile, EntityExpansionInSharedStringsIsRefused) {
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><sst " +
      kMain + "><si><t>&b;</t></si></sst>";
  const ParseError error = refused(workbook("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>", laughs));
  EXPECT_EQ(error.location, "xl/sharedStrings.xml");
  EXPECT_EQ(error.message, "a DOCTYPE is not allowed here (DTDs and entity declarations are refused)");
  EXPECT_EQ(error.kind, core::ErrorKind::structure);
}

TEST(XlsxHostile, ExternalEntityInASheetIsRefused) {
  const std::string sheet =
      "<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
      "<worksheet " +
      kMain +
      "><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&xxe;"
      "</t></is></c></row></sheetData></worksheet>";
  const std::string rels =
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" Type=\"" +
      kRel +
      "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
      "</Relationships>";
  const std::string book = "<workbook " + kMain + " xmlns:r=\"" + kRel +
                           "\"><sheets><sheet name=\"S\" sheetId=\"1\" "
                           "r:id=\"rId1\"/></sheets></workbook>";
  const ParseError error = refused(
      zip({{"xl/workbook.xml", book}, {"xl/_rels/workbook.xml.rels", rels}, {"xl/worksheets/sheet1.xml", sheet}}));
  EXPECT_EQ(error.location, "xl/worksheets/sheet1.xml");
  EXPECT_EQ(error.message, "a DOCTYPE is not allowed here (DTDs and entity declarations are refused)");
}

TEST(XlsxHostile, UndeclaredEntityIsAnError) {
  const ParseError error =
      refused(workbook("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&xxe;</t></is></c></row>"));
  EXPECT_EQ(error.location, "xl/worksheets/sheet1.xml, line 1");
  EXPECT_EQ(error.message, "Entity 'xxe' not defined");
}

TEST(XlsxHostile, DeepNestingIsRefused) {
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "<x>";
  for (int i = 0; i < 300; ++i) deep += "</x>";
  const ParseError error = refused(workbook("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>" + deep));
  EXPECT_EQ(error.location, "xl/worksheets/sheet1.xml, line 1");
  EXPECT_EQ(error.message, "elements are nested more than 256 levels deep");
}

}  // namespace
}  // namespace kq::formats
