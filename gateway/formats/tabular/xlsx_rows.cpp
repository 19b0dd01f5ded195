// An XLSX sheet row by row: the package, the sheet and the parser of xlsx_parts.hpp, kept open
// between rows. See xlsx_rows.hpp.
#include "gateway/formats/tabular/xlsx_rows.hpp"

#include <optional>

#include "gateway/formats/parse_checks.hpp"
#include "gateway/formats/tabular/xlsx_package.hpp"
#include "gateway/formats/tabular/xlsx_parts.hpp"
#include "gateway/formats/xml/document.hpp"

namespace kq::formats {

struct XlsxSheetRows::State {
  State(std::string_view workbook, const ParseOptions& options) : package(workbook, options.max_bytes) {}

  XlsxPackage package;
  XlsxOpenSheet sheet;
  std::optional<XmlReader> reader;
  std::optional<XlsxSheetParser> parser;
  std::size_t last_row = 0;
  ParseError error;
};

XlsxSheetRows::XlsxSheetRows(std::string_view workbook, const ParseOptions& options)
    : state_(std::make_unique<State>(workbook, options)) {
  ensure_libxml_initialised();
  State& s = *state_;
  if (!within_max_bytes(workbook, options, "workbook", s.error)) return;
  if (!s.package.open()) {
    s.error = {"", s.package.error(), s.package.error_kind()};
    return;
  }
  if (!open_sheet(s.package, options, s.sheet, s.error)) return;
  s.reader.emplace(s.sheet.xml, s.sheet.sheet.part, options.max_depth);
  s.parser.emplace(s.sheet);
}

XlsxSheetRows::~XlsxSheetRows() = default;

const ParseError& XlsxSheetRows::error() const { return state_->error; }

const std::string& XlsxSheetRows::sheet_name() const { return state_->sheet.sheet.name; }

bool XlsxSheetRows::next(TabularRow& row) {
  State& s = *state_;
  if (!s.parser || !s.error.message.empty()) return false;
  if (!s.parser->next(*s.reader, row, s.error)) return false;
  if (row.number <= s.last_row) {
    s.error = {"sheet " + s.sheet.sheet.name + ", row " + std::to_string(row.number),
               "the rows are not in ascending order (row " + std::to_string(row.number) + " follows row " +
                   std::to_string(s.last_row) + "); open the workbook in a spreadsheet program and save it again",
               core::ErrorKind::structure};
    return false;
  }
  s.last_row = row.number;
  return true;
}

std::uint64_t XlsxSheetRows::bytes_read() const {
  return state_->reader ? state_->reader->bytes_consumed() : 0;
}

std::uint64_t XlsxSheetRows::bytes_total() const { return state_->sheet.xml.size(); }

}  // namespace kq::formats
