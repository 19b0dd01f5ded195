#include "gateway/core/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <boost/json/serialize.hpp>

namespace kq::core {

namespace json = boost::json;

namespace {
template <typename Integer>
void append_integer(std::string& out, Integer number) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, number);
  out.append(buffer, static_cast<std::size_t>(result.ptr - buffer));
}
}  // namespace

void append_json_number(std::string& out, double number) {
  if (!std::isfinite(number)) {
    out += "null";  // JSON has no infinity; core never stores one, but a writer must not crash
    return;
  }
  char buffer[64];
  const double magnitude = std::fabs(number);
  // Shortest text that reads back as the same double; plain notation in the range people read,
  // exponent form only for the very large and the very small (where plain would be long).
  const bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e21);
  const auto result = plain ? std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::fixed)
                            : std::to_chars(buffer, buffer + sizeof buffer, number);
  std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  out += text;
  if (plain && text.find('.') == std::string_view::npos) out += ".0";
}

namespace {

// Eight bytes at a time: a byte is special if it is below 0x20, a quote or a backslash. Most
// text in a record body has none, so the common case is one test per eight bytes.
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// High bit set in each byte of `w` that is zero.
constexpr std::uint64_t zero_bytes(std::uint64_t w) { return (w - kOnes) & ~w & kHighs; }

bool has_special_byte(std::uint64_t w) {
  const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighs;  // bytes < 0x20
  return (below_space | zero_bytes(w ^ (kOnes * '"')) | zero_bytes(w ^ (kOnes * '\\'))) != 0;
}

// Index of the first byte at or after `from` that needs escaping, or text.size().
std::size_t next_special(std::string_view text, std::size_t from) {
  std::size_t i = from;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    if (has_special_byte(w)) break;
  }
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return i;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain_from = 0;
  for (std::size_t i = next_special(text, 0); i < text.size(); i = next_special(text, i + 1)) {
    const auto c = static_cast<unsigned char>(text[i]);
    out.append(text, plain_from, i - plain_from);  // UTF-8 passes through as it is
    plain_from = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(text, plain_from, text.size() - plain_from);
  out += '"';
}

void append_json_text(std::string& out, const json::object& object) {
  out += '{';
  bool first = true;
  for (const auto& entry : object) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, std::string_view(entry.key().data(), entry.key().size()));
    out += ':';
    append_json_text(out, entry.value());
  }
  out += '}';
}

std::string json_text(const json::object& object) {
  std::string out;
  out.reserve(512);
  append_json_text(out, object);
  return out;
}

void append_json_text(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::object: append_json_text(out, value.get_object()); return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& element : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append_json_text(out, element);
      }
      out += ']';
      return;
    }
    case json::kind::double_: append_json_number(out, value.get_double()); return;
    case json::kind::string: {
      const json::string& text = value.get_string();
      append_json_string(out, std::string_view(text.data(), text.size()));
      return;
    }
    case json::kind::int64: append_integer(out, value.get_int64()); return;
    case json::kind::uint64: append_integer(out, value.get_uint64()); return;
    case json::kind::bool_: out += value.get_bool() ? "true" : "false"; return;
    case json::kind::null: out += "null"; return;
  }
}

std::string json_text(const json::value& value) {
  std::string out;
  out.reserve(256);
  append_json_text(out, value);
  return out;
}

}  // namespace kq::core
