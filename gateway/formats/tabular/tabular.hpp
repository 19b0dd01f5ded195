#pragma once
// Rows and columns: what CSV files and XLSX sheets become, and the paths that select from them.
//
// Path syntax (CSV and XLSX alike)
// --------------------------------
//   rows            every data row, in file order; also written rows[*]. A row match has empty
//                   text, its data-row index as handle and the location "row 12" ("sheet 学生,
//                   row 12" for XLSX), so it can be the scope of an iteration.
//   姓名            the column whose header is 姓名. Headers and names are compared exactly after
//                   trimming spaces (ASCII, tab and the ideographic space U+3000) and a BOM; when
//                   two columns share a header, the leftmost wins (reach the others with $N).
//   column[班级]    the same, written explicitly: for a header that is itself "rows", starts with
//                   '$', "column[" or "optional[", or has spaces at its ends worth keeping visible.
//   optional[总分]  the column 总分 when the file has it; a file without it is not an error (a
//                   sheet that may or may not carry the school's own scores): its cells are empty.
//   $3   $C         a column by position: 1-based number or spreadsheet letters (A = 1, AA = 27),
//                   for files without a header row or columns without a header.
//
// A column path inside a row scope gives that row's cell; without a scope it gives the cell of
// every data row, in order. Empty cells give no match. A header the file does not have also gives
// no match, because headers are only known once a file is parsed: `missing_column` turns that into
// "column '班级' not found; headers are 姓名, 性别, 左眼视力" for the mapping engine to report
// (except for optional[...]).
//
// Row numbers are those a spreadsheet shows: the header is usually row 1, a CSV record with
// line breaks inside quotes is still one row, and blank rows are skipped but keep their number.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/formats/source.hpp"

namespace kq::formats {

struct TabularCell {
  std::uint32_t column = 0;  // 0-based: A = 0
  std::string text;          // never empty: empty cells are not stored
};

struct TabularRow {
  std::size_t number = 0;          // 1-based, as a spreadsheet shows it
  std::vector<TabularCell> cells;  // by ascending column
};

class TabularDocument final : public Document {
 public:
  // `sheet` is "" for CSV. `cell_references` adds "(C12)" to cell locations (XLSX users look
  // cells up that way; in a CSV the letters would be the reader's invention).
  TabularDocument(std::string format, std::string sheet, std::vector<std::string> headers, std::vector<TabularRow> rows,
                  bool cell_references);

  std::string_view format() const override { return format_; }
  const std::string& sheet() const { return sheet_; }
  const std::vector<std::string>& headers() const { return headers_; }  // trimmed; "" = none
  const std::vector<TabularRow>& rows() const { return rows_; }         // data rows only

  std::optional<std::uint32_t> column_of(std::string_view header) const;
  const std::string* cell(std::size_t row, std::uint32_t column) const;    // nullptr when empty
  std::string row_location(std::size_t row) const;                         // "row 12"
  std::string cell_location(std::size_t row, std::uint32_t column) const;  // "row 12, column 班级"

  // "" when `path` is not a tabular path or every column it names exists; otherwise the reason,
  // e.g. "column '班级' not found; headers are 姓名, 性别, 左眼视力".
  std::string missing_column(const Path& path) const;

 private:
  std::string format_;
  std::string sheet_;
  std::vector<std::string> headers_;
  std::vector<TabularRow> rows_;
  bool cell_references_;
  std::unordered_map<std::string, std::uint32_t> columns_by_header_;
};

std::unique_ptr<Path> compile_tabular_path(std::string_view text, std::string& error);

// Header and cell-name normalisation: drops a BOM and surrounding spaces (ASCII, tab, U+3000).
std::string trim_header(std::string_view text);

// Spreadsheet column letters: 0 -> "A", 26 -> "AA". parse_column_letters("AA") == 26; nothing for
// anything but 1–3 letters within Excel's 16384 columns (A..XFD).
std::string column_letters(std::uint32_t column);
std::optional<std::uint32_t> parse_column_letters(std::string_view letters);

inline constexpr std::uint32_t kMaxColumns = 16384;

}  // namespace kq::formats
