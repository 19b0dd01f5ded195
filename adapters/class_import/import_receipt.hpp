#pragma once
// What a school gets back for a class sheet (docs/adapters/class_imports.md): a JSON receipt for
// the uploading system, and the same findings as a rejects file a clerk opens in Excel — one line
// per finding with the row number, the sheet's own column header, the cell's value and the reason.
#include <kangqiao/plugin.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace class_import {

// What decode() learnt about the file, for the receipt.
struct ImportState {
  std::string format;  // "csv" or "xlsx"
  std::optional<kangqiao::Document> document;  // the host's parse, valid until acknowledge returns
  std::optional<kangqiao::ErrorDetail> refusal;  // the file was refused whole
  int refusal_status = 422;
};

// One line of the rejects file and one item of the receipt.
struct Finding {
  std::size_t row = 0;   // as the spreadsheet shows it; 0: about the file as a whole
  std::string column;    // the sheet's header text; empty when the finding names none
  std::string value;     // the cell as read; empty for an empty cell
  std::string reason;
  bool imported = false;  // false: kept out (an error); true: stored, but worth a look (a note)
};

// Splits a place the mapping engine names ("row 3, column 左眼裸眼视力", "sheet 学生, row 3,
// column 班级 (C3)") into its row and column.
void parse_place(std::string_view place, std::size_t& row, std::string& column);

struct Receipt {
  int http_status = 200;
  std::string json;         // the receipt
  std::string rejects_csv;  // UTF-8 with a BOM, CRLF line ends: what Excel on Chinese Windows expects
};

// `value_of(row, column)` reads a cell of the file, "" when it cannot.
Receipt make_receipt(const ImportState* state, const kangqiao::Outcome& outcome,
                     const std::function<std::string(std::size_t row, const std::string& column)>& value_of);

}  // namespace class_import
