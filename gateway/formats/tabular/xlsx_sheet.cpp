// One XLSX worksheet, streamed into tabular rows (sheetData/row/c elements).
#include <algorithm>

#include "gateway/formats/tabular/xlsx_parts.hpp"
#include "gateway/formats/xml/reader.hpp"

namespace kq::formats {

namespace {

constexpr std::size_t kMaxRows = 1048576;  // Excel's limit; larger numbers mean a damaged sheet

// "C12" -> column 2, row 12. Either part may be absent in a damaged file; the caller falls back
// to counting.
bool parse_reference(std::string_view ref, std::uint32_t& column, std::size_t& row) {
  std::size_t letters = 0;
  while (letters < ref.size() &&
         ((ref[letters] >= 'A' && ref[letters] <= 'Z') || (ref[letters] >= 'a' && ref[letters] <= 'z'))) {
    ++letters;
  }
  const auto col = parse_column_letters(ref.substr(0, letters));
  if (!col || letters == ref.size()) return false;
  std::size_t number = 0;
  for (char c : ref.substr(letters)) {
    if (c < '0' || c > '9' || number > kMaxRows) return false;
    number = number * 10 + static_cast<std::size_t>(c - '0');
  }
  column = *col;
  row = number;
  return true;
}

std::size_t parse_row_number(const std::string& text) {
  std::size_t number = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || number > kMaxRows) return 0;
    number = number * 10 + static_cast<std::size_t>(c - '0');
  }
  return number;
}

struct CellState {
  std::uint32_t column = 0;
  std::string type;  // the t attribute: s, str, inlineStr, b, e, n (default), d
  std::size_t style = 0;
  std::string value;        // text of <v>
  std::string inline_text;  // text of <is>/<t> (rich runs joined)
};

class SheetReader {
 public:
  SheetReader(const XlsxSheet& sheet, const std::vector<std::string>& shared, const std::vector<NumberStyle>& styles,
              bool date1904)
      : sheet_(sheet), shared_(shared), styles_(styles), date1904_(date1904) {}

  bool read(XmlReader& reader, std::vector<TabularRow>& rows, ParseError& error) {
    enum class Collect { kNone, kValue, kInline };
    Collect collect = Collect::kNone;
    int phonetic_depth = -1;
    while (reader.next()) {
      const std::string_view name = reader.local_name();
      if (reader.is_start()) {
        if (name == "row") {
          const std::size_t number = parse_row_number(reader.attribute("r").value_or(""));
          row_ = TabularRow{number != 0 ? number : last_row_ + 1, {}};
          last_row_ = row_.number;
          next_column_ = 0;
          if (reader.is_empty_element()) finish_row(rows);
        } else if (name == "c") {
          if (!start_cell(reader, error)) return false;
          if (reader.is_empty_element()) continue;  // no value: an empty cell with a style
        } else if (name == "v") {
          collect = reader.is_empty_element() ? Collect::kNone : Collect::kValue;
        } else if (name == "rPh" && !reader.is_empty_element()) {
          phonetic_depth = reader.depth();
        } else if (name == "t" && phonetic_depth < 0 && !reader.is_empty_element()) {
          collect = Collect::kInline;
        }
      } else if (reader.is_end()) {
        if (name == "v" || name == "t") {
          collect = Collect::kNone;
        } else if (name == "rPh" && reader.depth() == phonetic_depth) {
          phonetic_depth = -1;
        } else if (name == "c") {
          if (!finish_cell(error)) return false;
        } else if (name == "row") {
          finish_row(rows);
        }
      } else if (reader.is_text()) {
        if (collect == Collect::kValue) cell_.value += reader.value();
        if (collect == Collect::kInline) cell_.inline_text += reader.value();
      }
    }
    if (reader.failed()) {
      error = {reader.error_location(), reader.error_message(), core::ErrorKind::structure};
      return false;
    }
    return true;
  }

 private:
  bool start_cell(XmlReader& reader, ParseError& error) {
    cell_ = CellState{};
    std::uint32_t column = next_column_;
    std::size_t row = row_.number;
    const std::string ref = reader.attribute("r").value_or("");
    if (!ref.empty() && (!parse_reference(ref, column, row) || row != row_.number)) {
      error = {sheet_location(), "cell reference '" + ref + "' is not in row " + std::to_string(row_.number),
               core::ErrorKind::structure};
      return false;
    }
    cell_.column = column;
    next_column_ = column + 1;
    cell_.type = reader.attribute("t").value_or("n");
    cell_.style = parse_row_number(reader.attribute("s").value_or("0"));
    return true;
  }

  bool finish_cell(ParseError& error) {
    std::string text;
    const std::string& t = cell_.type;
    if (t == "s") {
      if (cell_.value.empty()) return true;
      const std::size_t index = parse_row_number(cell_.value);
      if (index >= shared_.size() || (index == 0 && cell_.value != "0")) {
        error = {cell_location(), "shared string " + cell_.value + " does not exist (the workbook has " +
                                      std::to_string(shared_.size()) + ")",
                 core::ErrorKind::structure};
        return false;
      }
      text = shared_[index];
    } else if (t == "inlineStr") {
      text = decode_ooxml_escapes(cell_.inline_text);
    } else if (t == "str" || t == "e" || t == "d") {
      text = decode_ooxml_escapes(cell_.value);  // formula text, "#N/A", or an ISO date as written
    } else if (t == "b") {
      if (!cell_.value.empty()) text = cell_.value == "0" ? "false" : "true";
    } else if (!cell_.value.empty()) {
      const NumberStyle style = cell_.style < styles_.size() ? styles_[cell_.style] : NumberStyle::kNumber;
      text = render_numeric_cell(cell_.value, style, date1904_);
    }
    if (!text.empty()) row_.cells.push_back(TabularCell{cell_.column, std::move(text)});
    return true;
  }

  void finish_row(std::vector<TabularRow>& rows) {
    if (row_.cells.empty()) return;
    // Writers emit cells in column order; sorting keeps lookups right when one does not.
    std::stable_sort(row_.cells.begin(), row_.cells.end(),
                     [](const TabularCell& a, const TabularCell& b) { return a.column < b.column; });
    rows.push_back(std::move(row_));
    row_ = TabularRow{};
  }

  std::string sheet_location() const { return "sheet " + sheet_.name + ", row " + std::to_string(row_.number); }
  std::string cell_location() const {
    return sheet_location() + " (" + column_letters(cell_.column) + std::to_string(row_.number) + ")";
  }

  const XlsxSheet& sheet_;
  const std::vector<std::string>& shared_;
  const std::vector<NumberStyle>& styles_;
  bool date1904_;
  TabularRow row_;
  std::size_t last_row_ = 0;
  std::uint32_t next_column_ = 0;
  CellState cell_;
};

}  // namespace

bool read_sheet(std::string_view xml, const XlsxSheet& sheet, const std::vector<std::string>& shared_strings,
                const std::vector<NumberStyle>& styles, bool date1904, const ParseOptions& options,
                std::vector<std::string>& headers, std::vector<TabularRow>& rows, ParseError& error) {
  XmlReader reader(xml, sheet.part, options.max_depth);
  std::vector<TabularRow> all;
  if (!SheetReader(sheet, shared_strings, styles, date1904).read(reader, all, error)) return false;
  std::stable_sort(all.begin(), all.end(),
                   [](const TabularRow& a, const TabularRow& b) { return a.number < b.number; });
  std::size_t first = 0;
  if (options.has_header && !all.empty()) {
    for (const TabularCell& cell : all.front().cells) {
      if (headers.size() <= cell.column) headers.resize(cell.column + 1);
      headers[cell.column] = trim_header(cell.text);
    }
    first = 1;
  }
  rows.assign(std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(first)),
              std::make_move_iterator(all.end()));
  return true;
}

}  // namespace kq::formats
