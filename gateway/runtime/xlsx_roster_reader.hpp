#pragma once
// An XLSX roster for the roster drop (roster_reader.hpp): one sheet of the workbook, each row
// rendered as an RFC 4180 CSV record in UTF-8, so that the chunks, the per-row split, the row
// hash fast path and the roster CSV mapping serve XLSX unchanged.
//
// The sheet is read with the gateway's XLSX reader (formats/tabular/xlsx_rows.hpp): cells as
// Excel shows them, date cells as ISO dates. The first row with a cell is the header; blank rows
// are skipped. A row's "line" is its sheet row number, as Excel shows it.
//
// Memory: a workbook is a ZIP archive that must be read whole. The file, the sheet's inflated XML
// and its shared strings are held while the sheet is read (a few hundred MB for a full sheet of
// 1,048,576 rows); the rows themselves are rendered a chunk at a time.
#include <filesystem>
#include <memory>
#include <string>

#include "gateway/formats/tabular/tabular.hpp"
#include "gateway/runtime/roster_reader.hpp"

namespace kq::formats {
class XlsxSheetRows;
}

namespace kq::runtime {

class XlsxRosterReader final : public RosterReader {
 public:
  // `sheet`: the tab name; "": the first visible sheet.
  XlsxRosterReader(const std::filesystem::path& file, std::size_t rows_per_chunk, const std::string& sheet);
  ~XlsxRosterReader() override;

  const std::string& error() const override { return error_; }
  bool next(RosterFileChunk& chunk) override;
  std::uint64_t total_bytes() const override;
  const std::string& header() const { return header_; }

 private:
  void fail_with_sheet_error();

  std::string workbook_;  // the file's bytes: rows_ reads them in place
  std::unique_ptr<formats::XlsxSheetRows> rows_;
  std::size_t rows_per_chunk_;
  std::string header_;  // the header row as a CSV record with its line ending
  std::string error_;
};

// A sheet row as one CSV record (without a line ending): cells in column order, empty cells as
// empty fields, a field holding a comma, a quote or a line break in quotes with its quotes doubled.
void append_csv_record(const formats::TabularRow& row, std::string& out);

}  // namespace kq::runtime
