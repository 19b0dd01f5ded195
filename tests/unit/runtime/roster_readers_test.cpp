// The roster drop's readers for XLSX and XML files (runtime/roster_reader.hpp) on real files:
// workbooks zipped here with POCO, XML written as registries write it. What a chunk holds (head,
// records, tail), the line of each record, and the files that must be refused, with their reasons.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/runtime/roster_reader.hpp"
#include "gateway/runtime/xlsx_roster_reader.hpp"
#include "gateway/runtime/xml_roster_reader.hpp"
#include "tests/support/zip_parts.hpp"

namespace kq::runtime {
namespace {

namespace fs = std::filesystem;

struct Sheet {
  std::string name;
  std::string rows;  // the <row> elements of sheetData
  bool hidden = false;
};

constexpr const char* kMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr const char* kRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

// A row of inline-string cells from column A; "" leaves a cell out.
std::string row(int number, const std::vector<std::string>& cells) {
  std::string xml = "<row r=\"" + std::to_string(number) + "\">";
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].empty()) continue;
    const std::string ref = std::string(1, static_cast<char>('A' + i)) + std::to_string(number);
    xml += "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t xml:space=\"preserve\">" + cells[i] + "</t></is></c>";
  }
  return xml + "</row>";
}

// An XLSX package with these sheets, as a spreadsheet program lays it out (inline strings only).
std::string workbook(const std::vector<Sheet>& sheets) {
  std::string book = std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"") + kMain +
                     "\" xmlns:r=\"" + kRel + "\"><sheets>";
  std::string rels = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
                     "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">";
  kq::testing::ZipParts parts;
  for (std::size_t i = 0; i < sheets.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    book += "<sheet name=\"" + sheets[i].name + "\" sheetId=\"" + n + "\"" +
            (sheets[i].hidden ? " state=\"hidden\"" : "") + " r:id=\"rId" + n + "\"/>";
    rels += "<Relationship Id=\"rId" + n + "\" Type=\"" + kRel + "/worksheet\" Target=\"worksheets/sheet" + n +
            ".xml\"/>";
    parts.emplace_back("xl/worksheets/sheet" + n + ".xml",
                       std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"") + kMain +
                           "\"><sheetData>" + sheets[i].rows + "</sheetData></worksheet>");
  }
  parts.emplace_back("xl/workbook.xml", book + "</sheets></workbook>");
  parts.emplace_back("xl/_rels/workbook.xml.rels", rels + "</Relationships>");
  return kq::testing::zip_parts(parts);
}

class RosterReaders : public ::testing::Test {
 protected:
  fs::path write(const std::string& bytes, const std::string& extension) {
    const fs::path path = fs::temp_directory_path() / ("kq-roster-" + std::to_string(::getpid()) + "-" +
                                                       std::to_string(files_.size()) + extension);
    std::ofstream(path, std::ios::binary) << bytes;
    files_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const fs::path& f : files_) fs::remove(f);
  }

  struct Chunk {
    std::string head;
    std::vector<std::string> rows;
    std::vector<std::int64_t> lines;
    std::string tail;
  };
  static std::vector<Chunk> read_all(RosterReader& reader) {
    std::vector<Chunk> out;
    RosterFileChunk chunk;
    while (reader.next(chunk)) {
      Chunk c;
      c.head = chunk.payload.substr(0, chunk.header_size);
      c.tail = chunk.payload.substr(chunk.payload.size() - chunk.footer_size);
      for (const RosterRow& r : chunk.rows) {
        c.rows.push_back(chunk.payload.substr(r.offset, r.size));
        c.lines.push_back(r.line);
      }
      EXPECT_LE(chunk.end_offset, reader.total_bytes());
      out.push_back(std::move(c));
    }
    return out;
  }

  std::vector<fs::path> files_;
};

const std::vector<std::string> kHeader = {"姓名", "性别", "学校", "班级"};

TEST_F(RosterReaders, XlsxTheFirstVisibleSheetRowByRowAsCsvRecordsNumberedAsInExcel) {
  const std::string rows = row(1, kHeader) + row(2, {"张小明", "男", "实验小学", "3班"}) +
                           "<row r=\"3\"/>" +  // a blank row: skipped, its number kept
                           row(5, {"李小红", "", "实验小学, 东校区", "他说\"好\""}) +
                           row(7, {"王小宇", "男", "实验小学", "第一行\n第二行"});
  const fs::path file = write(workbook({{"说明", row(1, {"导出说明"}), true}, {"学生名单", rows}}), ".xlsx");
  XlsxRosterReader reader(file, 2, "");
  ASSERT_EQ(reader.error(), "");
  const std::vector<Chunk> chunks = read_all(reader);
  EXPECT_EQ(reader.error(), "");
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].head, "姓名,性别,学校,班级\n");
  EXPECT_EQ(chunks[1].head, chunks[0].head);  // the header row heads every chunk
  EXPECT_EQ(chunks[0].tail, "");
  EXPECT_EQ(chunks[0].rows, (std::vector<std::string>{"张小明,男,实验小学,3班\n",
                                                      "李小红,,\"实验小学, 东校区\",\"他说\"\"好\"\"\"\n"}));
  EXPECT_EQ(chunks[0].lines, (std::vector<std::int64_t>{2, 5}));
  EXPECT_EQ(chunks[1].rows, (std::vector<std::string>{"王小宇,男,实验小学,\"第一行\n第二行\"\n"}));
  EXPECT_EQ(chunks[1].lines, (std::vector<std::int64_t>{7}));
}

TEST_F(RosterReaders, XlsxASheetChosenByItsNameAndAnUnknownNameListsTheSheets) {
  const std::string book = workbook({{"说明", row(1, {"导出说明"}), true}, {"学生名单", row(1, kHeader)}});
  XlsxRosterReader hidden(write(book, ".xlsx"), 10, "说明");
  EXPECT_EQ(hidden.header(), "导出说明\n");
  XlsxRosterReader missing(write(book, ".xlsx"), 10, "学生");
  EXPECT_EQ(missing.error(), "sheet '学生' not found; the workbook has sheets 说明, 学生名单");
  RosterFileChunk chunk;
  EXPECT_FALSE(missing.next(chunk));
}

TEST_F(RosterReaders, XlsxAnEmptySheetIsNoRosterAndAHeaderOnlySheetHasNoRows) {
  XlsxRosterReader empty(write(workbook({{"学生名单", "<row r=\"1\"/><row r=\"2\"/>"}}), ".xlsx"), 10, "");
  EXPECT_EQ(empty.error(), "the sheet '学生名单' is empty: a roster needs a header row");
  XlsxRosterReader header_only(write(workbook({{"学生名单", row(1, kHeader)}}), ".xlsx"), 10, "");
  EXPECT_EQ(header_only.error(), "");
  RosterFileChunk chunk;
  EXPECT_FALSE(header_only.next(chunk));
  EXPECT_EQ(header_only.error(), "");
}

TEST_F(RosterReaders, XlsxRowsOutOfOrderAndFilesThatAreNoWorkbookAreRefused) {
  XlsxRosterReader shuffled(write(workbook({{"学生名单", row(1, kHeader) + row(9, {"甲"}) + row(4, {"乙"})}}), ".xlsx"),
                            10, "");
  RosterFileChunk chunk;
  EXPECT_FALSE(shuffled.next(chunk));
  EXPECT_NE(shuffled.error().find("not in ascending order (row 4 follows row 9)"), std::string::npos)
      << shuffled.error();
  XlsxRosterReader csv(write("姓名,性别\n张小明,男\n", ".xlsx"), 10, "");
  EXPECT_EQ(csv.error(), "not an XLSX workbook: the file is not a ZIP archive");
}

constexpr const char* kXmlRoster =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                          // 1
    "<学籍名单 xmlns:x=\"urn:example:cmis\">\n"                                                 // 2
    "  <导出 日期=\"2026-12-08\"/>\n"                                                          // 3
    "  <student><姓名>张小明</姓名><学校>实验小学 &amp; 分校</学校></student>\n"                 // 4
    "  <student 姓名=\"李小红\" 学校=\"实验小学\" x:来源=\"cmis\"/>\n"                          // 5
    "  <student>\n"                                                                            // 6
    "    <姓名>王小宇</姓名>\n"                                                                  // 7
    "  </student>\n"                                                                           // 8
    "</学籍名单>\n";

TEST_F(RosterReaders, XmlRecordsInChunksOfSmallDocumentsWithTheLinesOfTheirStartTags) {
  XmlRosterReader reader(write(kXmlRoster, ".xml"), 2, "student");
  ASSERT_EQ(reader.error(), "");
  const std::vector<Chunk> chunks = read_all(reader);
  EXPECT_EQ(reader.error(), "");
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].head, kXmlRosterHead);
  EXPECT_EQ(chunks[0].tail, kXmlRosterTail);
  EXPECT_EQ(chunks[0].rows, (std::vector<std::string>{
                                "<student><姓名>张小明</姓名><学校>实验小学 &amp; 分校</学校></student>\n",
                                "<student xmlns:x=\"urn:example:cmis\" 姓名=\"李小红\" 学校=\"实验小学\" "
                                "x:来源=\"cmis\"/>\n"}));
  EXPECT_EQ(chunks[0].lines, (std::vector<std::int64_t>{4, 5}));
  EXPECT_EQ(chunks[1].rows, (std::vector<std::string>{"<student>\n    <姓名>王小宇</姓名>\n  </student>\n"}));
  EXPECT_EQ(chunks[1].lines, (std::vector<std::int64_t>{6}));

  // The same bytes give the same chunks: a resumed run skips its committed chunks by reading them.
  XmlRosterReader again(write(kXmlRoster, ".xml"), 2, "student");
  const std::vector<Chunk> second = read_all(again);
  ASSERT_EQ(second.size(), chunks.size());
  for (std::size_t i = 0; i < chunks.size(); ++i) EXPECT_EQ(second[i].rows, chunks[i].rows);
}

TEST_F(RosterReaders, XmlWithADoctypeIsRefusedWhereverTheReadBlocksCutTheMarker) {
  // A comment of varying length moves the DOCTYPE across the parser's first read-block boundary
  // (libxml2 2.9 asks for 4 bytes, then 4096 at a time: the marker straddles byte 4100 for pads
  // 4062 to 4069); the range covers block sizes of 4000 to 4096 bytes.
  for (std::size_t pad = 3960; pad <= 4110; ++pad) {
    const std::string xml = "<?xml version=\"1.0\"?>\n<!--" + std::string(pad, 'x') +
                            "-->\n<!DOCTYPE roster [<!ENTITY boom \"boom\">]>\n<roster><student>&boom;</student>"
                            "</roster>\n";
    XmlRosterReader reader(write(xml, ".xml"), 10, "student");
    RosterFileChunk chunk;
    EXPECT_FALSE(reader.next(chunk)) << pad;
    EXPECT_NE(reader.error().find("a DOCTYPE is not allowed here"), std::string::npos) << pad << ": " << reader.error();
  }
}

TEST_F(RosterReaders, XmlTruncatedFailsAtTheChunkItBreaksOffInWithTheParsersReason) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<roster>\n";
  for (int i = 1; i <= 5; ++i) xml += "<student><姓名>学生" + std::to_string(i) + "</姓名></student>\n";
  xml += "</roster>\n";
  const std::string cut = xml.substr(0, xml.find("学生4") + 3);  // inside the fourth record
  XmlRosterReader reader(write(cut, ".xml"), 2, "student");
  RosterFileChunk chunk;
  ASSERT_TRUE(reader.next(chunk));  // records 1 and 2: whole
  EXPECT_EQ(chunk.rows.size(), 2u);
  EXPECT_EQ(reader.error(), "");
  EXPECT_FALSE(reader.next(chunk));  // records 3 and 4: the file breaks off in 4
  EXPECT_NE(reader.error().find(".xml, line 6: "), std::string::npos) << reader.error();
  EXPECT_FALSE(reader.next(chunk));
}

TEST_F(RosterReaders, XmlWithoutARecordNamesWhatItsRootHolds) {
  XmlRosterReader reader(write("<roster>\n<学生><姓名>张小明</姓名></学生>\n</roster>\n", ".xml"), 10, "student");
  RosterFileChunk chunk;
  EXPECT_FALSE(reader.next(chunk));
  EXPECT_EQ(reader.error(),
            "the file holds no <student> element (its root <roster> holds <学生> elements); the adapter's "
            "record_element names the element of one student");
}

TEST_F(RosterReaders, XmlInGb18030AsDeclaredIsHandedOnInUtf8AndOtherEncodingsAreRefused) {
  // "张小明" in GB 18030.
  const std::string name = "\xD5\xC5\xD0\xA1\xC3\xF7";
  // Element names in ASCII: an editor would write the names in GB 18030 too; the text is what counts.
  XmlRosterReader ascii(write("<?xml version='1.0' encoding='gbk'?>\n<roster><student><name>" + name +
                                  "</name></student></roster>\n",
                              ".xml"),
                        10, "student");
  RosterFileChunk chunk;
  ASSERT_TRUE(ascii.next(chunk)) << ascii.error();
  EXPECT_EQ(chunk.payload.substr(chunk.rows[0].offset, chunk.rows[0].size), "<student><name>张小明</name></student>\n");

  std::string error;
  EXPECT_FALSE(xml_roster_encoding("\xFF\xFE<\0r\0", error));
  EXPECT_EQ(error, "the file is in UTF-16 or UTF-32; save the roster as UTF-8 (or GB 18030)");
  EXPECT_FALSE(xml_roster_encoding("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><roster/>", error));
  EXPECT_EQ(error, "the file declares encoding ISO-8859-1; an XML roster is read in UTF-8 or GB 18030");
  EXPECT_EQ(xml_roster_encoding("\xEF\xBB\xBF<?xml version=\"1.0\"?><roster/>", error), "UTF-8");
}

TEST(RosterKinds, ByTheFileNameForA15DropAndCsvForEveryFileOfA14Drop) {
  RosterReadSettings settings;
  settings.kind_by_name = true;
  std::string error;
  EXPECT_EQ(roster_kind_of("roster.CSV", settings, error), RosterKind::csv);
  EXPECT_EQ(roster_kind_of("roster.txt", settings, error), RosterKind::csv);
  EXPECT_EQ(roster_kind_of("学生名单.xlsx", settings, error), RosterKind::xlsx);
  EXPECT_EQ(roster_kind_of("roster.Xml", settings, error), RosterKind::xml);
  EXPECT_FALSE(roster_kind_of("roster.xls", settings, error));
  EXPECT_EQ(error,
            "a roster is read by its file name: .csv or .txt (CSV), .xlsx (an Excel workbook) or .xml; 'roster.xls' "
            "is none of them (save an .xls workbook as .xlsx)");
  EXPECT_FALSE(roster_kind_of("roster", settings, error));
  settings.kind_by_name = false;
  EXPECT_EQ(roster_kind_of("roster.dat", settings, error), RosterKind::csv);
  EXPECT_EQ(roster_payload(RosterKind::xml).document_format, std::string("xml"));
  EXPECT_EQ(roster_payload(RosterKind::xlsx).charset, std::string("UTF-8"));
  EXPECT_EQ(roster_payload(RosterKind::csv).charset, std::string(""));
}

}  // namespace
}  // namespace kq::runtime
