#pragma once
// The files of a roster drop, read in chunks of whole records so that a roster of a million
// students goes through the pipeline a few thousand at a time (docs/adapters/student_registry.md).
//
// Three kinds of file, one shape of chunk: a small document the mapping reads as it would read the
// whole file, made of a head (CSV: the header row; XML: a fixed prolog and wrapper start tag), the
// records, and a tail (XML: the wrapper's end tag; CSV: nothing). The pipeline maps each record
// alone as head + record + tail (pipeline/roster_sync.hpp, ChunkClassifier::split).
//
//   .csv, .txt  CSV in the adapter's charset, streamed (csv_chunker.hpp): memory flat
//   .xlsx       one sheet of an Excel workbook, each row rendered as a CSV record in UTF-8
//               (xlsx_roster_reader.hpp): the workbook is read whole, memory grows with the sheet
//   .xml        one element per student, streamed (xml_roster_reader.hpp): memory flat
//
// The same bytes always give the same chunks: a run cut short skips its committed chunks by
// reading past them.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kq::runtime {

struct RosterRow {
  std::size_t offset = 0;  // in RosterFileChunk::payload
  std::size_t size = 0;    // with its line ending
  std::int64_t line = 0;   // where the record starts: CSV and XML a line of the file, XLSX a sheet row
};

struct RosterFileChunk {
  std::string payload;          // head, records, tail
  std::size_t header_size = 0;  // payload[0, header_size) is the head
  std::size_t footer_size = 0;  // the last footer_size bytes are the tail
  std::vector<RosterRow> rows;
  std::uint64_t end_offset = 0;  // how far the reader got, on the scale of RosterReader::total_bytes()
};

class RosterReader {
 public:
  virtual ~RosterReader() = default;
  // Why the file cannot be read: at opening, or at the chunk where it broke off. Empty while
  // every record so far was read.
  virtual const std::string& error() const = 0;
  // The next chunk (at most rows_per_chunk records); false at the end of the file or on an error.
  // A chunk in which the file breaks off is not handed out.
  virtual bool next(RosterFileChunk& chunk) = 0;
  // The scale of end_offset, for the estimate of the rows to come: the file's bytes for CSV and
  // XML, the sheet's inflated XML for XLSX.
  virtual std::uint64_t total_bytes() const = 0;
};

enum class RosterKind { csv, xlsx, xml };

// How a chunk of a kind reaches the plugin: the document format it must be emitted as, and the
// content type and charset of the chunk's payload ("" for CSV: the file's own, which only the
// adapter knows).
struct RosterPayload {
  const char* document_format;
  const char* content_type;
  const char* charset;
};
RosterPayload roster_payload(RosterKind kind);

struct RosterReadSettings {
  std::size_t rows_per_chunk = 5000;
  bool kind_by_name = false;   // ABI 1.5 drops: by the file's extension; 1.4 drops: every file is CSV
  std::string sheet;           // XLSX: the sheet's tab name; "": the first visible sheet
  std::string record_element;  // XML: the element that holds one student
};

// The kind of the file `name` (by its extension, case-insensitive), or nothing with `error`
// saying which kinds are read.
std::optional<RosterKind> roster_kind_of(const std::string& name, const RosterReadSettings& settings,
                                         std::string& error);

// Opens `file` as `kind`; the reader's error() says why when it cannot be read.
std::unique_ptr<RosterReader> open_roster_reader(RosterKind kind, const std::filesystem::path& file,
                                                 const RosterReadSettings& settings);

}  // namespace kq::runtime
