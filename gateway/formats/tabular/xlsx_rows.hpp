#pragma once
// One sheet of an XLSX workbook read row by row, for a reader that hands rows on in chunks rather
// than building a TabularDocument of a whole sheet: the roster drop (runtime/roster_reader.hpp)
// syncs a sheet of up to Excel's 1,048,576 rows a few thousand at a time.
//
// The cells are those of xlsx.hpp, read by the same code: shared and inline strings, numbers at
// Excel's 15 digits, date cells as ISO dates. What differs: rows come in the order the worksheet
// part holds them and must be in ascending order (every spreadsheet program writes them so; a
// part that does not is refused rather than sorted, which would need every row in memory), and
// the header row is not set apart (the caller decides).
//
// Memory: a workbook is a ZIP archive, so the chosen sheet's part is inflated whole and held with
// the shared-string table while the rows are read; the rows themselves are not kept.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/formats/source.hpp"
#include "gateway/formats/tabular/tabular.hpp"

namespace kq::formats {

class XlsxSheetRows {
 public:
  // `workbook` must outlive the reader. Opens the package and the sheet options.sheet names (the
  // first visible sheet when empty); options.max_bytes caps the file and what it inflates to.
  XlsxSheetRows(std::string_view workbook, const ParseOptions& options);
  ~XlsxSheetRows();
  XlsxSheetRows(const XlsxSheetRows&) = delete;
  XlsxSheetRows& operator=(const XlsxSheetRows&) = delete;

  // Why the workbook or a row could not be read; empty message while all is well.
  const ParseError& error() const;
  const std::string& sheet_name() const;
  // The next row that has a cell (blank rows are skipped but keep their numbers); false at the end
  // of the sheet or on an error (error() says which).
  bool next(TabularRow& row);
  // Bytes of the worksheet part read so far, and in all: how far through the sheet the reader is.
  std::uint64_t bytes_read() const;
  std::uint64_t bytes_total() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kq::formats
