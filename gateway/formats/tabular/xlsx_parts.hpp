#pragma once
// Internal to kq_formats: the parts of an XLSX workbook the reader needs, and cell rendering.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/formats/source.hpp"
#include "gateway/formats/tabular/tabular.hpp"
#include "gateway/formats/tabular/xlsx_package.hpp"
#include "gateway/formats/xml/reader.hpp"

namespace kq::formats {

struct XlsxSheet {
  std::string name;  // as the tab shows it: "学生"
  std::string part;  // "xl/worksheets/sheet1.xml"
  bool hidden = false;
};

struct XlsxWorkbook {
  std::vector<XlsxSheet> sheets;
  std::string shared_strings_part;  // "" when the workbook has none
  std::string styles_part;
  bool date1904 = false;  // workbookPr date1904: serial 0 is 1904-01-01 (old Mac workbooks)
};

// How a numeric cell is shown, decided by its style's number format.
enum class NumberStyle : std::uint8_t { kNumber, kDate, kTime, kDateTime };

// Workbook, relationships: which sheets exist and where their parts are.
bool read_workbook(XlsxPackage& package, std::size_t max_depth, XlsxWorkbook& workbook, ParseError& error);
// The shared-string table (sharedStrings.xml): rich-text runs joined, phonetic runs left out.
bool read_shared_strings(XlsxPackage& package, const std::string& part, std::size_t max_depth,
                         std::vector<std::string>& strings, ParseError& error);
// The number style of every cell format (styles.xml cellXfs), by the `s` index cells use.
bool read_styles(XlsxPackage& package, const std::string& part, std::size_t max_depth, std::vector<NumberStyle>& styles,
                 ParseError& error);

// Classification of a number format: built-in ids (14–22 and the CJK date ids among 27–58) or a
// custom format code with date or time letters outside quotes and brackets.
NumberStyle classify_number_format(unsigned id, std::string_view code);

// A numeric cell's text: a date style gives ISO "2024-03-05", a time "08:30:00", a date-time
// "2024-03-05T08:30:00" (1900 system with Excel's phantom 1900-02-29, or the 1904 system); numbers
// give the shortest decimal text at Excel's 15 significant digits ("100", never "1.0E2").
// `value` is the text of the cell's <v>; it is returned unchanged when it is not a number.
std::string render_numeric_cell(std::string_view value, NumberStyle style, bool date1904);

// OOXML escapes characters XML cannot hold as _xHHHH_ (Excel writes a line break as _x000D_).
std::string decode_ooxml_escapes(std::string_view text);

// A workbook opened as far as one of its sheets: what every reading of that sheet needs.
struct XlsxOpenSheet {
  XlsxSheet sheet;
  std::vector<NumberStyle> styles;
  std::vector<std::string> shared_strings;
  bool date1904 = false;
  std::string xml;  // the worksheet part, inflated
};

// Reads the workbook's structure, chooses the sheet (options.sheet by its tab name, else the first
// visible one), reads its styles and shared strings and inflates the worksheet part.
bool open_sheet(XlsxPackage& package, const ParseOptions& options, XlsxOpenSheet& out, ParseError& error);

// Reads a worksheet's rows one at a time, in the order the part holds them (sheetData/row/c):
// the whole-sheet parse and the row-by-row reader (xlsx_rows.hpp) share it.
class XlsxSheetParser {
 public:
  explicit XlsxSheetParser(const XlsxOpenSheet& sheet) : sheet_(sheet) {}
  // The next row that has a cell (blank rows are skipped); false at the end of the part or on an
  // error, which `error` then holds.
  bool next(XmlReader& reader, TabularRow& row, ParseError& error);

 private:
  enum class Collect { kNone, kValue, kInline };
  bool start_cell(XmlReader& reader, ParseError& error);
  bool finish_cell(ParseError& error);
  bool finish_row(TabularRow& out);
  std::string sheet_location() const;
  std::string cell_location() const;

  struct CellState {
    std::uint32_t column = 0;
    std::string type;  // the t attribute: s, str, inlineStr, b, e, n (default), d
    std::size_t style = 0;
    std::string value;        // text of <v>
    std::string inline_text;  // text of <is>/<t> (rich runs joined)
  };

  const XlsxOpenSheet& sheet_;
  TabularRow row_;
  std::size_t last_row_ = 0;
  std::uint32_t next_column_ = 0;
  CellState cell_;
  Collect collect_ = Collect::kNone;
  int phonetic_depth_ = -1;  // inside <rPh>: ruby text that is not part of the value
};

// Reads one worksheet whole into rows (blank rows and empty cells left out, sorted by number) and
// headers.
bool read_sheet(const XlsxOpenSheet& sheet, const ParseOptions& options, std::vector<std::string>& headers,
                std::vector<TabularRow>& rows, ParseError& error);

}  // namespace kq::formats
