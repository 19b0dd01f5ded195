#pragma once
// Source documents as the mapping engine sees them, whatever their format.
//
// A Format parses a payload into a Document and compiles path expressions (at mapping load
// time, so a bad path is a `kangqiao check` error, not a runtime surprise). A compiled Path
// selects Matches from a Document, either from the whole document or inside the scope of an
// earlier Match (the current element of an iteration: one OBR group, one CSV row, one XML node).
// Every Match says where it came from in the sender's own terms, so errors can be explained to
// the sender: "PID-19: 11010519491231002X fails the check digit".
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error_kind.hpp"

namespace kq::formats {

struct Match {
  std::string text;          // the value, decoded to UTF-8 (escapes resolved); "" when empty
  std::string location;      // "PID-3[2].1", "row 12, column 班级", "/ClinicalDocument/id/@root",
                             // "record 3, bytes 10..27 (card_no)", "/patient/name/0"
  std::uint64_t handle = 0;  // format-specific position, used when this match is a scope
};

// The records (rows, fixed-width records) a path looks at among `count`: all of them, or only
// the one a scope match stands on (its handle is the record index). [first, last); empty when
// the scope is not a record of this document.
struct RecordRange {
  std::size_t first = 0;
  std::size_t last = 0;
};
inline RecordRange records_in_scope(std::size_t count, const Match* scope) {
  if (scope == nullptr) return {0, count};
  if (scope->handle >= count) return {};
  const auto at = static_cast<std::size_t>(scope->handle);
  return {at, at + 1};
}

// A match as Path::visit hands it over: views into the document (or into a buffer of the
// path's, for a value whose escapes had to be resolved), valid only during the call.
struct MatchView {
  std::string_view text;      // as Match::text
  std::string_view location;  // as Match::location
  std::uint64_t handle = 0;
};

// Receives the matches of Path::visit, in document order. Returning false stops the visit
// (a single-valued field needs only the first value).
class MatchVisitor {
 public:
  virtual ~MatchVisitor() = default;
  virtual bool take(const MatchView& match) = 0;
};

class Document {
 public:
  virtual ~Document() = default;
  virtual std::string_view format() const = 0;
};

class Path {
 public:
  virtual ~Path() = default;
  // Every match inside `scope` (nullptr: the whole document), in document order. A path that
  // finds nothing returns an empty vector; an empty field that is present returns a match with
  // empty text only where the format distinguishes the two (HL7 "" vs absent, XML empty element).
  virtual std::vector<Match> select(const Document& document, const Match* scope) const = 0;
  // The same matches, handed to `visitor` one by one without collecting them: what the mapping
  // engine uses for values, so that reading a field allocates nothing it does not keep.
  // Formats whose documents already hold every value override it; the default selects.
  virtual void visit(const Document& document, const Match* scope, MatchVisitor& visitor) const {
    for (const Match& match : select(document, scope)) {
      if (!visitor.take({match.text, match.location, match.handle})) return;
    }
  }
  virtual const std::string& text() const = 0;  // the path as written
};

// A fixed-width field declared by a mapping (card-reader POS records).
struct FixedField {
  std::string name;
  std::size_t offset = 0;  // 0-based byte offset within the record
  std::size_t length = 0;  // bytes
  std::string type = "string";  // string | digits | number | date (yyyyMMdd) | time (HHmmss)
};

struct ParseOptions {
  std::string charset;                // "" = the format's default / what the payload declares;
                                      // "UTF-8", "GB18030", "GBK": override (e.g. a channel whose
                                      // HL7 sender leaves MSH-18 empty but sends GB 18030)
  std::size_t max_bytes = 16 * 1024 * 1024;
  std::size_t max_depth = 256;        // XML/JSON nesting
  // Tabular formats
  char csv_delimiter = ',';
  bool has_header = true;
  std::string sheet;                  // XLSX sheet name; "" = the first sheet
  // Fixed-width records
  std::size_t record_length = 0;      // bytes per record; 0 = one record per line
  std::vector<FixedField> fixed_fields;
};

struct ParseError {
  std::string location;  // where in the payload ("MSH-1", "line 3", "byte 120", "row 7")
  std::string message;
  core::ErrorKind kind = core::ErrorKind::structure;  // what a sender's protocol calls it
};

class Format {
 public:
  virtual ~Format() = default;
  virtual std::string_view name() const = 0;  // "hl7v2", "xml", "csv", "xlsx", "fixed", "json"
  // Compiles a path of this format's syntax. On error returns nullptr and sets `error` to a
  // reason that names the problem ("segment name must be 3 characters: 'PI'").
  virtual std::unique_ptr<Path> compile_path(std::string_view text, std::string& error) const = 0;
  // Parses a payload. On error returns nullptr and fills `error`.
  virtual std::unique_ptr<Document> parse(std::string_view bytes, const ParseOptions& options,
                                          ParseError& error) const = 0;
};

// The formats built into the gateway, by name; nullptr for an unknown name.
const Format* find_format(std::string_view name);
// Payloads the format returned by find_format(name) has parsed since the process started.
std::uint64_t parse_count(std::string_view name);

}  // namespace kq::formats
