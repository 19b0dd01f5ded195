#pragma once
// Reads a CSV roster in chunks of whole rows, so that a file of a million rows is processed with
// memory flat in its size (the student_registry drop, docs/adapters/student_registry.md).
//
// Rows end at a line feed outside double quotes: a quoted field may hold a line break. The scan
// works on bytes, which is safe for UTF-8 and for GB 18030 alike: neither uses the bytes of '"',
// ',', CR or LF inside a multi-byte character (GB 18030's second bytes are 0x30–0x39 and
// 0x40–0xFE, excluding 0x7F). Every chunk starts with the file's header row, so a CSV mapping maps
// a chunk as it would map the whole file; the line number of each row's first line is kept, for
// the report of rejected rows. A UTF-8 byte-order mark before the header is dropped; empty lines
// are skipped (they still count as lines).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/runtime/roster_reader.hpp"

namespace kq::runtime {

// Finds row ends in a byte stream fed in pieces. Pure: the unit tests drive it directly.
class CsvRowScanner {
 public:
  // Scans text[from, size) and returns the offset just past the next row end (a '\n' outside
  // quotes), or npos when the row continues past the text; the state carries over.
  std::size_t find_row_end(std::string_view text, std::size_t from);
  // Line feeds seen so far (inside quotes too): the line number of what comes next is this + 1.
  std::int64_t line_feeds() const { return line_feeds_; }

 private:
  bool quoted_ = false;
  std::int64_t line_feeds_ = 0;
};

// A chunk's head is the header row with its line ending; it has no tail. end_offset counts the
// file's bytes.
class CsvChunker final : public RosterReader {
 public:
  // Opens the file and reads its header row; error() says why when it cannot.
  CsvChunker(const std::filesystem::path& file, std::size_t rows_per_chunk);
  const std::string& error() const override { return error_; }
  const std::string& header() const { return header_; }

  // The next chunk (at most rows_per_chunk rows); false at the end of the file or on a read error.
  bool next(RosterFileChunk& chunk) override;
  std::uint64_t total_bytes() const override { return file_bytes_; }

 private:
  bool fill();  // reads more of the file into buffer_; false at the end
  // The next row of the file (without leading empty lines); false at the end.
  bool next_row(std::string_view& row, std::int64_t& line);

  std::ifstream in_;
  std::size_t rows_per_chunk_;
  std::string buffer_;
  std::size_t start_ = 0;  // of the unconsumed part of buffer_
  std::size_t scan_ = 0;   // where the scanner stopped in buffer_
  std::uint64_t consumed_ = 0;  // file bytes before buffer_[start_]
  bool eof_ = false;
  CsvRowScanner scanner_;
  std::int64_t row_line_ = 1;  // line of the row that starts at start_
  std::string header_;
  std::string error_;
  std::uint64_t file_bytes_ = 0;
};

}  // namespace kq::runtime
