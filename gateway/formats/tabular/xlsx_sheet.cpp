// One XLSX worksheet, streamed into tabular rows (sheetData/row/c elements).
#include <algorithm>

#include "gateway/formats/tabular/xlsx_parts.hpp"

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

}  // namespace

bool XlsxSheetParser::next(XmlReader& reader, TabularRow& out, ParseError& error) {
  while (reader.next()) {
    const std::string_view name = reader.local_name();
    if (reader.is_start()) {
      if (name == "row") {
        const std::size_t number = parse_row_number(reader.attribute("r").value_or(""));
        row_ = TabularRow{number != 0 ? number : last_row_ + 1, {}};
        last_row_ = row_.number;
        next_column_ = 0;
        if (reader.is_empty_element() && finish_row(out)) return true;
      } else if (name == "c") {
        if (!start_cell(reader, error)) return false;
        if (reader.is_empty_element()) continue;  // no value: an empty cell with a style
      } else if (name == "v") {
        collect_ = reader.is_empty_element() ? Collect::kNone : Collect::kValue;
      } else if (name == "rPh" && !reader.is_empty_element()) {
        phonetic_depth_ = reader.depth();
      } else if (name == "t" && phonetic_depth_ < 0 && !reader.is_empty_element()) {
        collect_ = Collect::kInline;
      }
    } else if (reader.is_end()) {
      if (name == "v" || name == "t") {
        collect_ = Collect::kNone;
      } else if (name == "rPh" && reader.depth() == phonetic_depth_) {
        phonetic_depth_ = -1;
      } else if (name == "c") {
        if (!finish_cell(error)) return false;
      } else if (name == "row") {
        if (finish_row(out)) return true;
      }
    } else if (reader.is_text()) {
      if (collect_ == Collect::kValue) cell_.value += reader.value();
      if (collect_ == Collect::kInline) cell_.inline_text += reader.value();
    }
  }
  if (reader.failed()) {
    error = {reader.error_location(), reader.error_message(), core::ErrorKind::structure};
  }
  return false;
}

bool XlsxSheetParser::start_cell(XmlReader& reader, ParseError& error) {
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

bool XlsxSheetParser::finish_cell(ParseError& error) {
  std::string text;
  const std::string& t = cell_.type;
  const std::vector<std::string>& shared = sheet_.shared_strings;
  if (t == "s") {
    if (cell_.value.empty()) return true;
    const std::size_t index = parse_row_number(cell_.value);
    if (index >= shared.size() || (index == 0 && cell_.value != "0")) {
      error = {cell_location(), "shared string " + cell_.value + " does not exist (the workbook has " +
                                    std::to_string(shared.size()) + ")",
               core::ErrorKind::structure};
      return false;
    }
    text = shared[index];
  } else if (t == "inlineStr") {
    text = decode_ooxml_escapes(cell_.inline_text);
  } else if (t == "str" || t == "e" || t == "d") {
    text = decode_ooxml_escapes(cell_.value);  // formula text, "#N/A", or an ISO date as written
  } else if (t == "b") {
    if (!cell_.value.empty()) text = cell_.value == "0" ? "false" : "true";
  } else if (!cell_.value.empty()) {
    const NumberStyle style = cell_.style < sheet_.styles.size() ? sheet_.styles[cell_.style] : NumberStyle::kNumber;
    text = render_numeric_cell(cell_.value, style, sheet_.date1904);
  }
  if (!text.empty()) row_.cells.push_back(TabularCell{cell_.column, std::move(text)});
  return true;
}

bool XlsxSheetParser::finish_row(TabularRow& out) {
  if (row_.cells.empty()) return false;
  // Writers emit cells in column order; sorting keeps lookups right when one does not.
  std::stable_sort(row_.cells.begin(), row_.cells.end(),
                   [](const TabularCell& a, const TabularCell& b) { return a.column < b.column; });
  out = std::move(row_);
  row_ = TabularRow{};
  return true;
}

std::string XlsxSheetParser::sheet_location() const {
  return "sheet " + sheet_.sheet.name + ", row " + std::to_string(row_.number);
}

std::string XlsxSheetParser::cell_location() const {
  return sheet_location() + " (" + column_letters(cell_.column) + std::to_string(row_.number) + ")";
}

bool read_sheet(const XlsxOpenSheet& sheet, const ParseOptions& options, std::vector<std::string>& headers,
                std::vector<TabularRow>& rows, ParseError& error) {
  XmlReader reader(sheet.xml, sheet.sheet.part, options.max_depth);
  XlsxSheetParser parser(sheet);
  std::vector<TabularRow> all;
  TabularRow row;
  ParseError failed;
  while (parser.next(reader, row, failed)) all.push_back(std::move(row));
  if (!failed.message.empty()) {
    error = std::move(failed);
    return false;
  }
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
