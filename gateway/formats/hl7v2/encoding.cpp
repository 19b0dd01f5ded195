#include "gateway/formats/hl7v2/encoding.hpp"

#include "gateway/formats/hl7v2/charset.hpp"

namespace kq::formats::hl7v2 {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The bytes of a \Xhh..\ escape as text in the message's character set, appended to `out`.
// False (and `out` untouched) when the digits are not an even, non-zero number of hex digits or
// the bytes are not valid in that set; the caller then keeps the escape as written.
bool append_hex_escape(std::string& out, std::string_view digits, const Charset& charset) {
  if (digits.empty() || digits.size() % 2 != 0) return false;
  std::string bytes;
  bytes.reserve(digits.size() / 2);
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    const int high = hex_value(digits[i]);
    const int low = hex_value(digits[i + 1]);
    if (high < 0 || low < 0) return false;
    bytes += static_cast<char>(high * 16 + low);
  }
  switch (charset.kind) {
    case CharsetKind::utf8:
      if (find_invalid_utf8(bytes) != std::string_view::npos) return false;
      out += bytes;
      return true;
    case CharsetKind::ascii:
      if (find_non_ascii(bytes) != std::string_view::npos) return false;
      out += bytes;
      return true;
    case CharsetKind::other: {
      std::string decoded;
      std::size_t bad_offset = 0;
      if (!transcode_to_utf8(bytes, charset.name, decoded, bad_offset)) return false;
      out += decoded;
      return true;
    }
  }
  return false;
}

}  // namespace

void append_unescaped(std::string& out, std::string_view raw, const Hl7Separators& separators,
                      const Charset& charset) {
  const char escape = separators.escape;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const std::size_t open = raw.find(escape, pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = raw.find(escape, open + 1);
    if (close == std::string_view::npos) break;  // unterminated: the rest stays as written
    out.append(raw.substr(pos, open - pos));
    const std::string_view name = raw.substr(open + 1, close - open - 1);
    char single = '\0';
    if (name.size() == 1) {
      switch (name[0]) {
        case 'F': single = separators.field; break;
        case 'S': single = separators.component; break;
        case 'T': single = separators.subcomponent; break;
        case 'R': single = separators.repetition; break;
        case 'E': single = separators.escape; break;
        case 'P': single = separators.truncation; break;
        default: break;
      }
    }
    if (single != '\0') {
      out += single;
    } else if (name == ".br") {
      out += '\n';
    } else if (!(name.size() > 1 && name[0] == 'X' &&
                 append_hex_escape(out, name.substr(1), charset))) {
      out.append(raw.substr(open, close - open + 1));  // unknown: verbatim, both escape characters
    }
    pos = close + 1;
  }
  out.append(raw.substr(pos));
}

std::string escape_value(std::string_view text, const Hl7Separators& separators) {
  std::string out;
  out.reserve(text.size());
  const char escape = separators.escape;
  auto sequence = [&](std::string_view name) {
    out += escape;
    out += name;
    out += escape;
  };
  for (char c : text) {
    if (c == separators.field) {
      sequence("F");
    } else if (c == separators.component) {
      sequence("S");
    } else if (c == separators.subcomponent) {
      sequence("T");
    } else if (c == separators.repetition) {
      sequence("R");
    } else if (c == escape) {
      sequence("E");
    } else if (separators.truncation != '\0' && c == separators.truncation) {
      sequence("P");
    } else if (c == '\r') {
      sequence("X0D");
    } else if (c == '\n') {
      sequence("X0A");
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace kq::formats::hl7v2
