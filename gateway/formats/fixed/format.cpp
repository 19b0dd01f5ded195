// Fixed-width record format: record splitting, the document and its paths. Rules: see fixed.hpp.
#include "gateway/formats/fixed/format.hpp"

#include <set>

#include "gateway/formats/charset.hpp"
#include "gateway/formats/parse_checks.hpp"
#include "gateway/formats/fixed/fields.hpp"

namespace kq::formats {

namespace {

std::string byte_range(std::size_t first, std::size_t last) {
  return "bytes " + std::to_string(first) + ".." + std::to_string(last);
}

bool line_break(char c) { return c == '\r' || c == '\n'; }

class FixedPath final : public Path {
 public:
  FixedPath(std::string text, std::string field) : text_(std::move(text)), field_(std::move(field)) {}

  const std::string& text() const override { return text_; }

  std::vector<Match> select(const Document& document, const Match* scope) const override {
    std::vector<Match> out;
    const auto* doc = dynamic_cast<const FixedDocument*>(&document);
    if (doc == nullptr) return out;
    const auto [first, last] = records_in_scope(doc->records().size(), scope);
    const std::size_t field = field_.empty() ? 0 : doc->field_index(field_);
    if (!field_.empty() && field >= doc->fields().size()) return out;
    for (std::size_t r = first; r < last; ++r) {
      if (field_.empty()) {
        out.push_back(Match{"", doc->record_location(r), r});
      } else if (const std::string& value = doc->records()[r].values[field]; !value.empty()) {
        out.push_back(Match{value, doc->field_location(r, field), r});
      }
    }
    return out;
  }

 private:
  std::string text_;
  std::string field_;
};

bool check_layout(const ParseOptions& options, ParseError& error) {
  std::set<std::string> names;
  for (const FixedField& f : options.fixed_fields) {
    const std::string what = "field '" + f.name + "'";
    std::string problem;
    if (f.name.empty()) {
      problem = "a field has no name";
    } else if (!names.insert(f.name).second) {
      problem = what + " is declared twice";
    } else if (f.length == 0) {
      problem = what + " has length 0";
    } else if (!known_field_type(f.type)) {
      problem = what + " has unknown type '" + f.type + "'; use string, digits, number, date or time";
    } else if (options.record_length > 0 &&
               (f.offset >= options.record_length || f.length > options.record_length - f.offset)) {
      problem = what + " (" + byte_range(f.offset + 1, f.offset + f.length) + ") runs past the end of the " +
                std::to_string(options.record_length) + "-byte record";
    }
    if (!problem.empty()) {
      error = {"layout", problem, core::ErrorKind::internal};  // the mapping's layout, not the sender's batch
      return false;
    }
  }
  return true;
}

// Record boundaries: [begin, end) in the payload and the 1-based record number.
struct Span {
  std::size_t number;
  std::size_t begin;
  std::size_t end;
};

bool split_fixed(std::string_view bytes, std::size_t length, std::vector<Span>& spans, ParseError& error) {
  std::size_t pos = 0;
  while (true) {
    while (pos < bytes.size() && line_break(bytes[pos])) ++pos;
    if (pos >= bytes.size()) return true;
    const std::size_t number = spans.size() + 1;
    const std::size_t available = std::min(length, bytes.size() - pos);
    const std::string_view window = bytes.substr(pos, available);
    const std::size_t brk = window.find_first_of("\r\n");
    if (brk != std::string_view::npos) {
      error = {"record " + std::to_string(number) + " (" + byte_range(pos + 1, pos + brk) + ")",
               std::to_string(brk) + " bytes before a line break, expected " + std::to_string(length),
               core::ErrorKind::structure};
      return false;
    }
    if (available < length) {
      error = {"record " + std::to_string(number), std::to_string(available) + " bytes, expected " +
                                                       std::to_string(length) + " (the batch ends inside the record)",
               core::ErrorKind::structure};
      return false;
    }
    spans.push_back({number, pos, pos + length});
    pos += length;
  }
}

void split_lines(std::string_view bytes, std::vector<Span>& spans) {
  std::size_t pos = 0;
  std::size_t line = 0;
  while (pos < bytes.size()) {
    ++line;
    std::size_t end = bytes.find('\n', pos);
    const std::size_t next = end == std::string_view::npos ? bytes.size() : end + 1;
    if (end == std::string_view::npos) end = bytes.size();
    if (end > pos && bytes[end - 1] == '\r') --end;
    if (end > pos) spans.push_back({line, pos, end});
    pos = next;
  }
}

class FixedFormat final : public Format {
 public:
  std::string_view name() const override { return "fixed"; }

  std::unique_ptr<Path> compile_path(std::string_view text, std::string& error) const override {
    std::string_view t = text;
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    if (t == "records" || t == "records[*]") return std::make_unique<FixedPath>(std::string(text), "");
    if (t.empty() || t.find_first_of("[]/ \t") != std::string_view::npos) {
      error =
          "expected 'records', 'records[*]' or a field name from the record layout, found '" + std::string(text) + "'";
      return nullptr;
    }
    return std::make_unique<FixedPath>(std::string(text), std::string(t));
  }

  std::unique_ptr<Document> parse(std::string_view bytes, const ParseOptions& options,
                                  ParseError& error) const override {
    if (!within_max_bytes(bytes, options, "batch", error)) return nullptr;
    const auto charset = channel_charset(options, "GB18030", "GB18030, GBK, UTF-8 or ASCII", error);
    if (!charset) return nullptr;
    if (!check_layout(options, error)) return nullptr;
    std::vector<Span> spans;
    if (options.record_length > 0) {
      if (!split_fixed(bytes, options.record_length, spans, error)) return nullptr;
    } else {
      split_lines(bytes, spans);
    }
    CharsetDecoder decoder(*charset);
    std::vector<FixedDocument::Record> records;
    std::vector<FieldError> errors;
    records.reserve(spans.size());
    for (const Span& span : spans) {
      const std::string_view record = bytes.substr(span.begin, span.end - span.begin);
      FixedDocument::Record out{span.number, span.begin + 1, span.end, {}};
      out.values.resize(options.fixed_fields.size());
      for (std::size_t i = 0; i < options.fixed_fields.size(); ++i) {
        const FixedField& field = options.fixed_fields[i];
        if (field.offset >= record.size()) continue;  // past the end of a short line: blank
        std::string problem;
        if (!read_field(record.substr(field.offset, field.length), field, decoder, out.values[i], problem)) {
          out.values[i].clear();
          errors.push_back({span.number, field.name, field.offset + 1, field.offset + field.length, problem});
        }
      }
      records.push_back(std::move(out));
    }
    return std::make_unique<FixedDocument>(options.fixed_fields, std::move(records), std::move(errors));
  }
};

}  // namespace

std::string FieldError::text() const {
  return "record " + std::to_string(record) + ", " + byte_range(first_byte, last_byte) + " (" + field + "): " + message;
}

FixedDocument::FixedDocument(std::vector<FixedField> fields, std::vector<Record> records,
                             std::vector<FieldError> errors)
    : fields_(std::move(fields)), records_(std::move(records)), errors_(std::move(errors)) {}

std::size_t FixedDocument::field_index(std::string_view name) const {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return i;
  }
  return fields_.size();
}

std::string FixedDocument::record_location(std::size_t record) const {
  if (record >= records_.size()) return "record ?";
  const Record& r = records_[record];
  return "record " + std::to_string(r.number) + " (" + byte_range(r.first_byte, r.last_byte) + ")";
}

std::string FixedDocument::field_location(std::size_t record, std::size_t field) const {
  if (record >= records_.size() || field >= fields_.size()) return "record ?";
  const FixedField& f = fields_[field];
  return "record " + std::to_string(records_[record].number) + ", " + byte_range(f.offset + 1, f.offset + f.length) +
         " (" + f.name + ")";
}

const Format& fixed_format() {
  static const FixedFormat format;
  return format;
}

}  // namespace kq::formats
