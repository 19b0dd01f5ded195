#include "gateway/runtime/csv_chunker.hpp"

namespace kq::runtime {

namespace {

constexpr std::size_t kReadBlock = 1 << 20;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool blank(std::string_view row) { return row.find_first_not_of("\r\n") == std::string_view::npos; }

}  // namespace

std::size_t CsvRowScanner::find_row_end(std::string_view text, std::size_t from) {
  for (std::size_t i = from; i < text.size(); ++i) {
    const char c = text[i];
    // A doubled quote inside a quoted field toggles twice: the state comes out right without
    // looking ahead, which a chunk boundary between the two quotes would not allow.
    if (c == '"') {
      quoted_ = !quoted_;
    } else if (c == '\n') {
      ++line_feeds_;
      if (!quoted_) return i + 1;
    }
  }
  return std::string_view::npos;
}

CsvChunker::CsvChunker(const std::filesystem::path& file, std::size_t rows_per_chunk)
    : in_(file, std::ios::binary), rows_per_chunk_(rows_per_chunk == 0 ? 1 : rows_per_chunk) {
  if (!in_) {
    error_ = "cannot open the file";
    return;
  }
  std::error_code ec;
  file_bytes_ = std::filesystem::file_size(file, ec);
  std::string_view row;
  std::int64_t line = 0;
  if (!next_row(row, line)) {
    error_ = in_.bad() ? "cannot read the file" : "the file is empty: a roster needs a header row";
    return;
  }
  if (row.starts_with(kUtf8Bom)) row.remove_prefix(kUtf8Bom.size());
  header_.assign(row);
  if (header_.back() != '\n') header_ += '\n';
}

bool CsvChunker::fill() {
  if (eof_) return false;
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    // Keep the buffer small: drop what was consumed before reading more.
    buffer_.erase(0, start_);
    scan_ -= start_;
    start_ = 0;
  }
  const std::size_t old = buffer_.size();
  buffer_.resize(old + kReadBlock);
  in_.read(buffer_.data() + old, static_cast<std::streamsize>(kReadBlock));
  const auto got = static_cast<std::size_t>(in_.gcount());
  buffer_.resize(old + got);
  if (got < kReadBlock) eof_ = true;
  return got > 0;
}

bool CsvChunker::next_row(std::string_view& row, std::int64_t& line) {
  for (;;) {
    std::size_t end = scanner_.find_row_end(buffer_, scan_);
    while (end == std::string_view::npos) {
      scan_ = buffer_.size();
      if (!fill()) break;
      end = scanner_.find_row_end(buffer_, scan_);
    }
    if (end == std::string_view::npos) {
      if (start_ >= buffer_.size()) return false;
      end = buffer_.size();  // the last row, without a line ending
    }
    const std::size_t begin = start_;
    line = row_line_;
    consumed_ += end - start_;
    start_ = end;
    scan_ = end;
    row_line_ = scanner_.line_feeds() + 1;
    row = std::string_view(buffer_).substr(begin, end - begin);
    if (!blank(row)) return true;
  }
}

bool CsvChunker::next(RosterFileChunk& chunk) {
  chunk.payload.assign(header_);
  chunk.header_size = header_.size();
  chunk.footer_size = 0;
  chunk.rows.clear();
  std::string_view row;
  std::int64_t line = 0;
  while (chunk.rows.size() < rows_per_chunk_ && next_row(row, line)) {
    chunk.rows.push_back(RosterRow{chunk.payload.size(), row.size(), line});
    chunk.payload.append(row);
    if (row.back() != '\n') {
      chunk.payload += '\n';
      ++chunk.rows.back().size;
    }
  }
  chunk.end_offset = consumed_;
  if (in_.bad()) error_ = "cannot read the file";
  return !chunk.rows.empty();
}

}  // namespace kq::runtime
