// CSV reader: bytes -> UTF-8 -> records -> TabularDocument. Paths: see tabular.hpp.
#include "gateway/formats/tabular/csv.hpp"

#include <utility>

#include "gateway/formats/charset.hpp"
#include "gateway/formats/parse_checks.hpp"

namespace kq::formats {

namespace {

struct Record {
  std::size_t row = 0;   // 1-based, counting records (what a spreadsheet shows)
  std::size_t line = 0;  // 1-based physical line where the record starts
  std::vector<std::string> fields;
};

// Row of the record that holds byte `offset` of the raw payload, for decoding errors (iconv
// reports byte offsets). Only quotes and line breaks are looked at: no UTF-8 or GB 18030
// multi-byte character contains those bytes (GBK trail bytes start at 0x40, GB 18030's four-byte
// forms use digits), so the scan is exact before decoding. Delimiters are not needed here, and
// '|' or '\' could be GBK trail bytes.
std::size_t row_at(std::string_view raw, std::size_t offset) {
  std::size_t row = 1;
  bool quoted = false;
  for (std::size_t i = 0; i < offset && i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '"') {
      quoted = !quoted;  // a doubled quote toggles twice: still inside
    } else if (!quoted && (c == '\n' || (c == '\r' && (i + 1 >= raw.size() || raw[i + 1] != '\n')))) {
      ++row;
    }
  }
  return row;
}

class CsvParser {
 public:
  CsvParser(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {}

  bool parse(std::vector<Record>& records, ParseError& error) {
    while (pos_ < text_.size()) {
      Record record{row_, line_, {}};
      if (!read_record(record.fields, error)) return false;
      records.push_back(std::move(record));
      ++row_;
    }
    return true;
  }

 private:
  // Reads one record up to and including its line break.
  bool read_record(std::vector<std::string>& fields, ParseError& error) {
    while (true) {
      std::string field;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        if (!read_quoted(field, error)) return false;
      } else {
        while (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' && text_[pos_] != '\r') {
          field += text_[pos_++];
        }
      }
      fields.push_back(std::move(field));
      if (pos_ >= text_.size()) return true;
      const char c = text_[pos_++];
      if (c == delimiter_) continue;
      if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
      ++line_;
      return true;
    }
  }

  bool read_quoted(std::string& field, ParseError& error) {
    const std::size_t start_line = line_;
    ++pos_;  // opening quote
    while (true) {
      const std::size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) {
        error.kind = core::ErrorKind::structure;
        error.location = "row " + std::to_string(row_) + " (line " + std::to_string(start_line) + ")";
        error.message = "a quoted field is never closed: the file ends inside it (unbalanced quotes)";
        return false;
      }
      const std::string_view chunk = text_.substr(pos_, quote - pos_);
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        if (chunk[i] == '\n' || (chunk[i] == '\r' && (i + 1 >= chunk.size() || chunk[i + 1] != '\n'))) ++line_;
      }
      field.append(chunk);
      pos_ = quote + 1;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        field += '"';
        ++pos_;
        continue;
      }
      break;
    }
    if (pos_ < text_.size()) {
      const char next = text_[pos_];
      if (next != delimiter_ && next != '\n' && next != '\r') {
        error.kind = core::ErrorKind::structure;
        error.location = "row " + std::to_string(row_) + " (line " + std::to_string(line_) + ")";
        error.message =
            "unexpected text after the closing quote of a field; a quote inside a quoted field "
            "must be doubled (\"\")";
        return false;
      }
    }
    return true;
  }

  std::string_view text_;
  char delimiter_;
  std::size_t pos_ = 0;
  std::size_t row_ = 1;
  std::size_t line_ = 1;
};

bool blank(const Record& record) {
  for (const std::string& f : record.fields) {
    if (!f.empty()) return false;
  }
  return true;
}

class CsvFormat final : public Format {
 public:
  std::string_view name() const override { return "csv"; }

  std::unique_ptr<Path> compile_path(std::string_view text, std::string& error) const override {
    return compile_tabular_path(text, error);
  }

  std::unique_ptr<Document> parse(std::string_view bytes, const ParseOptions& options,
                                  ParseError& error) const override {
    if (!within_max_bytes(bytes, options, "file", error)) return nullptr;
    const char delimiter = options.csv_delimiter;
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || delimiter == '\0') {
      error = {"options", "the CSV delimiter cannot be a quote, a line break or NUL", core::ErrorKind::internal};
      return nullptr;
    }
    const auto charset = channel_charset(options, "UTF-8", "UTF-8, GB18030 or GBK", error);
    if (!charset) return nullptr;
    std::string text;
    DecodeError bad;
    if (!decode_to_utf8(bytes, *charset, text, bad)) {
      error.kind = bad.kind;
      error.location = "row " + std::to_string(row_at(bytes, bad.offset)) + ", byte " + std::to_string(bad.offset + 1);
      error.message = bad.message;
      if (*charset == Charset::kUtf8) error.message += "; if the file was saved as GBK or GB 18030, set its charset";
      return nullptr;
    }
    std::vector<Record> records;
    if (!CsvParser(text, delimiter).parse(records, error)) return nullptr;
    return build(std::move(records), options.has_header);
  }

 private:
  static std::unique_ptr<Document> build(std::vector<Record> records, bool has_header) {
    std::vector<std::string> headers;
    std::vector<TabularRow> rows;
    bool header_seen = !has_header;
    for (Record& record : records) {
      if (blank(record)) continue;
      if (!header_seen) {
        for (const std::string& f : record.fields) headers.push_back(trim_header(f));
        header_seen = true;
        continue;
      }
      TabularRow row;
      row.number = record.row;
      for (std::size_t i = 0; i < record.fields.size() && i < kMaxColumns; ++i) {
        if (record.fields[i].empty()) continue;
        row.cells.push_back(TabularCell{static_cast<std::uint32_t>(i), std::move(record.fields[i])});
      }
      rows.push_back(std::move(row));
    }
    return std::make_unique<TabularDocument>("csv", "", std::move(headers), std::move(rows), false);
  }
};

}  // namespace

const Format& csv_format() {
  static const CsvFormat format;
  return format;
}

}  // namespace kq::formats
