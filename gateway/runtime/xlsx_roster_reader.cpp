#include "gateway/runtime/xlsx_roster_reader.hpp"

#include <climits>
#include <fstream>

#include "gateway/formats/tabular/xlsx_rows.hpp"

namespace kq::runtime {

namespace {

// The workbook and all it inflates to: the XML reader takes at most INT_MAX bytes of one part,
// and a full sheet of a roster's eight columns is a few hundred MB.
constexpr std::size_t kMaxWorkbookBytes = INT_MAX;

void append_csv_field(std::string_view text, std::string& out) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(text);
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

void append_csv_record(const formats::TabularRow& row, std::string& out) {
  std::uint32_t column = 0;  // the next column to write
  for (const formats::TabularCell& cell : row.cells) {
    for (; column < cell.column; ++column) {
      if (column > 0) out += ',';
    }
    if (column > 0) out += ',';
    append_csv_field(cell.text, out);
    ++column;
  }
}

XlsxRosterReader::XlsxRosterReader(const std::filesystem::path& file, std::size_t rows_per_chunk,
                                   const std::string& sheet)
    : rows_per_chunk_(rows_per_chunk == 0 ? 1 : rows_per_chunk) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec) {
    error_ = "cannot read the file";
    return;
  }
  if (size > kMaxWorkbookBytes) {
    error_ = "the workbook is larger than " + std::to_string(kMaxWorkbookBytes) + " bytes";
    return;
  }
  std::ifstream in(file, std::ios::binary);
  workbook_.resize(static_cast<std::size_t>(size));
  if (!in.read(workbook_.data(), static_cast<std::streamsize>(size))) {
    error_ = "cannot read the file";
    return;
  }
  formats::ParseOptions options;
  options.max_bytes = kMaxWorkbookBytes;
  options.sheet = sheet;
  rows_ = std::make_unique<formats::XlsxSheetRows>(workbook_, options);
  formats::TabularRow first;
  if (!rows_->next(first)) {
    if (!rows_->error().message.empty()) {
      fail_with_sheet_error();
      return;
    }
    error_ = "the sheet '" + rows_->sheet_name() + "' is empty: a roster needs a header row";
    return;
  }
  append_csv_record(first, header_);
  header_ += '\n';
}

XlsxRosterReader::~XlsxRosterReader() = default;

void XlsxRosterReader::fail_with_sheet_error() {
  const formats::ParseError& e = rows_->error();
  error_ = e.location.empty() ? e.message : e.location + ": " + e.message;
}

bool XlsxRosterReader::next(RosterFileChunk& chunk) {
  chunk.payload.assign(header_);
  chunk.header_size = header_.size();
  chunk.footer_size = 0;
  chunk.rows.clear();
  if (!error_.empty()) return false;
  formats::TabularRow row;
  while (chunk.rows.size() < rows_per_chunk_ && rows_->next(row)) {
    const std::size_t offset = chunk.payload.size();
    append_csv_record(row, chunk.payload);
    chunk.payload += '\n';
    chunk.rows.push_back(RosterRow{offset, chunk.payload.size() - offset, static_cast<std::int64_t>(row.number)});
  }
  if (!rows_->error().message.empty()) {
    fail_with_sheet_error();
    return false;
  }
  chunk.end_offset = rows_->bytes_read();
  return !chunk.rows.empty();
}

std::uint64_t XlsxRosterReader::total_bytes() const { return rows_ ? rows_->bytes_total() : 0; }

}  // namespace kq::runtime
