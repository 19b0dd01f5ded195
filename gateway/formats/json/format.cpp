// JSON format: Boost.JSON documents and JSON Pointer paths with a '*' wildcard. See json.hpp.
#include "gateway/formats/json/format.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "gateway/formats/charset.hpp"
#include "gateway/formats/parse_checks.hpp"

namespace kq::formats {

namespace {

namespace json = boost::json;

class JsonDocument final : public Document {
 public:
  explicit JsonDocument(json::value root) : root_(std::move(root)) {}
  std::string_view format() const override { return "json"; }

  const json::value& root() const { return root_; }

  // Every value handed out in a match is remembered, so that its handle can be a scope later
  // without trusting a raw pointer that might come from another document.
  std::uint64_t remember(const json::value* value, const std::string& pointer) const {
    handed_out_.push_back({value, pointer});
    return handed_out_.size();
  }
  bool recall(std::uint64_t handle, const json::value*& value, std::string& pointer) const {
    if (handle == 0 || handle > handed_out_.size()) return false;
    value = handed_out_[handle - 1].value;
    pointer = handed_out_[handle - 1].pointer;
    return true;
  }

 private:
  struct HandedOut {
    const json::value* value;
    std::string pointer;
  };
  json::value root_;
  mutable std::vector<HandedOut> handed_out_;
};

struct Segment {
  std::string key;
  bool wildcard = false;
};

std::string escape_segment(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// RFC 6901 array index: "0" or digits without a leading zero; "-" (past the end) never matches.
bool array_index(std::string_view key, std::size_t size, std::size_t& index) {
  if (key.empty() || (key.size() > 1 && key[0] == '0')) return false;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
  return ec == std::errc{} && end == key.data() + key.size() && index < size;
}

std::string render_number(double d) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
  return ec == std::errc{} ? std::string(buffer, end) : std::to_string(d);
}

bool render(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::null:
      return false;
    case json::kind::bool_:
      out = v.get_bool() ? "true" : "false";
      return true;
    case json::kind::int64:
      out = std::to_string(v.get_int64());
      return true;
    case json::kind::uint64:
      out = std::to_string(v.get_uint64());
      return true;
    case json::kind::double_:
      out = render_number(v.get_double());
      return true;
    case json::kind::string:
      out = std::string(v.get_string());
      return true;
    case json::kind::array:
    case json::kind::object:
      out = json::serialize(v);
      return true;
  }
  return false;
}

class JsonPointer final : public Path {
 public:
  JsonPointer(std::string text, std::vector<Segment> segments)
      : text_(std::move(text)), segments_(std::move(segments)) {}

  const std::string& text() const override { return text_; }

  std::vector<Match> select(const Document& document, const Match* scope) const override {
    std::vector<Match> out;
    const auto* doc = dynamic_cast<const JsonDocument*>(&document);
    if (doc == nullptr) return out;
    const json::value* start = &doc->root();
    std::string pointer;
    if (scope != nullptr && !doc->recall(scope->handle, start, pointer)) return out;
    walk(*doc, *start, pointer, 0, out);
    return out;
  }

 private:
  void walk(const JsonDocument& doc, const json::value& value, const std::string& pointer, std::size_t depth,
            std::vector<Match>& out) const {
    if (depth == segments_.size()) {
      std::string text;
      if (!render(value, text)) return;
      out.push_back(Match{std::move(text), pointer.empty() ? "(root)" : pointer, doc.remember(&value, pointer)});
      return;
    }
    const Segment& segment = segments_[depth];
    if (const json::object* object = value.if_object()) {
      if (segment.wildcard) {
        for (const auto& member : *object) {
          walk(doc, member.value(), pointer + "/" + escape_segment(member.key()), depth + 1, out);
        }
      } else if (const json::value* member = object->if_contains(segment.key)) {
        walk(doc, *member, pointer + "/" + escape_segment(segment.key), depth + 1, out);
      }
    } else if (const json::array* array = value.if_array()) {
      if (segment.wildcard) {
        for (std::size_t i = 0; i < array->size(); ++i) {
          walk(doc, (*array)[i], pointer + "/" + std::to_string(i), depth + 1, out);
        }
      } else if (std::size_t index = 0; array_index(segment.key, array->size(), index)) {
        walk(doc, (*array)[index], pointer + "/" + segment.key, depth + 1, out);
      }
    }
  }

  std::string text_;
  std::vector<Segment> segments_;
};

// Line and column (in characters, as an editor counts them) of byte `offset` of UTF-8 `text`.
std::string line_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

class JsonFormat final : public Format {
 public:
  std::string_view name() const override { return "json"; }

  std::unique_ptr<Path> compile_path(std::string_view text, std::string& error) const override {
    std::vector<Segment> segments;
    if (!text.empty() && text.front() != '/') {
      error = "a JSON Pointer starts with '/' (or is empty for the whole document), found '" + std::string(text) + "'";
      return nullptr;
    }
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t next = text.find('/', pos + 1);
      const std::string_view raw = text.substr(pos + 1, next == std::string_view::npos ? text.npos : next - pos - 1);
      Segment segment;
      segment.wildcard = raw == "*";
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '~') {
          segment.key += raw[i];
        } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
          segment.key += raw[++i] == '0' ? '~' : '/';
        } else {
          error =
              "'~' in a JSON Pointer must be followed by 0 (for '~') or 1 (for '/'), in '" + std::string(text) + "'";
          return nullptr;
        }
      }
      segments.push_back(std::move(segment));
      pos = next == std::string_view::npos ? text.size() : next;
    }
    return std::make_unique<JsonPointer>(std::string(text), std::move(segments));
  }

  std::unique_ptr<Document> parse(std::string_view bytes, const ParseOptions& options,
                                  ParseError& error) const override {
    if (!within_max_bytes(bytes, options, "document", error)) return nullptr;
    const auto charset = channel_charset(options, "UTF-8", "UTF-8, GB18030 or GBK", error);
    if (!charset) return nullptr;
    std::string text;
    DecodeError bad;
    // Boost.JSON validates UTF-8 itself, but decoding first names the byte the same way every format does.
    if (!decode_to_utf8(bytes, *charset, text, bad)) {
      error = {"byte " + std::to_string(bad.offset + 1), bad.message, bad.kind};
      return nullptr;
    }
    json::parse_options parse_options;
    parse_options.max_depth = options.max_depth;
    json::parser parser(json::storage_ptr(), parse_options);
    boost::system::error_code ec;
    const std::size_t used = parser.write_some(text.data(), text.size(), ec);
    std::size_t offset = used;
    if (!ec) {
      const std::size_t rest = text.find_first_not_of(" \t\r\n", used);
      if (rest != std::string::npos) {
        error = {line_column(text, rest), "unexpected text after the JSON value", core::ErrorKind::structure};
        return nullptr;
      }
    }
    if (ec) {
      error.kind = core::ErrorKind::structure;
      error.location = line_column(text, offset);
      if (ec == json::error::too_deep) {
        error.message = "arrays and objects are nested more than " + std::to_string(options.max_depth) + " levels deep";
      } else if (ec == json::error::incomplete) {
        error.message = "the JSON text ends too early (incomplete)";
      } else {
        error.message = "invalid JSON: " + ec.message();
      }
      return nullptr;
    }
    return std::make_unique<JsonDocument>(parser.release());
  }
};

}  // namespace

const Format& json_format() {
  static const JsonFormat format;
  return format;
}

}  // namespace kq::formats
