#pragma once
// Fixed-width records: card-reader POS batches (fixed 50-byte records) and other
// positional exports. The layout comes from the mapping through ParseOptions::fixed_fields.
//
// Records: with ParseOptions::record_length = L > 0 the batch is a run of L-byte records. Terminals
// and the tools that copy their batches often add CR, LF or CRLF after each record: line-break
// bytes *between* records (and at the end) are skipped, which is safe because a record's own bytes
// never hold one. A line break *inside* an L-byte window means a short record and is a ParseError,
// as is a batch that ends inside a record ("record 7": "38 bytes, expected 50"). With
// record_length = 0 every line is a record (LF or CRLF), blank lines are skipped but counted, so
// record N is line N; a field past the end of a short line is simply empty.
//
// Fields: offset and length in bytes (0-based offset; locations number bytes from 1, the way
// layout specifications do). Text is ASCII or GB 18030 (ParseOptions::charset, default GB18030,
// which reads ASCII unchanged; UTF-8 and GBK also accepted). Types and what a match gives:
//   string  decoded text, spaces, NUL padding and ideographic spaces (U+3000) trimmed at both ends
//   digits  ASCII digits, surrounding spaces trimmed, leading zeros kept ("000123")
//   number  optional sign, digits, optional decimal point: normalised ("+0012.50" -> "12.50")
//   date    yyyyMMdd, a real calendar date: given as ISO "2024-03-05"
//   time    HHmmss, 00:00:00..23:59:59: given as "08:30:00"
// A field that is blank (and a date of all zeros, the terminals' "no date") gives no match.
//
// A field that fails its type is recorded in record_errors() with its place and the bytes found,
// "record 3, bytes 10..27 (student_no): expected digits, found '20A4'", and gives no match. The
// error is found while parsing, where the bytes, offsets and declared type are all at hand, so the
// pipeline can report every bad field of a batch at once; the mapping engine sees only good values.
//
// Path syntax: `records` or `records[*]` selects every record (handle = record index, location
// "record 3 (bytes 101..150)" in file offsets); a field name (as declared in the layout) selects
// that field inside a record scope, or in every record without one.
#include <string>
#include <vector>

#include "gateway/formats/source.hpp"

namespace kq::formats {

const Format& fixed_format();

struct FieldError {
  std::size_t record = 0;      // 1-based
  std::string field;           // the layout's name
  std::size_t first_byte = 0;  // 1-based within the record, inclusive
  std::size_t last_byte = 0;
  std::string message;  // "expected digits, found '20A4'"

  // "record 3, bytes 10..27 (student_no): expected digits, found '20A4'"
  std::string text() const;
};

class FixedDocument final : public Document {
 public:
  struct Record {
    std::size_t number = 0;      // 1-based (line number in line mode)
    std::size_t first_byte = 0;  // 1-based file offsets, inclusive
    std::size_t last_byte = 0;
    std::vector<std::string> values;  // one per layout field; "" = blank or invalid
  };

  FixedDocument(std::vector<FixedField> fields, std::vector<Record> records, std::vector<FieldError> errors);

  std::string_view format() const override { return "fixed"; }
  const std::vector<FixedField>& fields() const { return fields_; }
  const std::vector<Record>& records() const { return records_; }
  const std::vector<FieldError>& record_errors() const { return errors_; }

  // Index of a layout field by name; fields().size() when there is none.
  std::size_t field_index(std::string_view name) const;
  std::string record_location(std::size_t record) const;                    // "record 3 (bytes 101..150)"
  std::string field_location(std::size_t record, std::size_t field) const;  // "record 3, bytes 10..27 (card_no)"

 private:
  std::vector<FixedField> fields_;
  std::vector<Record> records_;
  std::vector<FieldError> errors_;
};

}  // namespace kq::formats
