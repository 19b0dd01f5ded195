#pragma once
// HL7 v2 encoding characters (MSH-1 and MSH-2) and the escape sequences that let a value carry
// them. Values stay raw inside a parsed message; they are unescaped only when a value is read,
// and only when it actually holds the escape character, so most reads are a plain copy.
#include <cstddef>
#include <string>
#include <string_view>

namespace kq::formats {

// The separators a message declares for itself. The defaults are the usual `|^~\&`, but a sender
// may choose others and the parser takes whatever MSH-1 and MSH-2 say.
struct Hl7Separators {
  char field = '|';
  char component = '^';
  char repetition = '~';
  char escape = '\\';
  char subcomponent = '&';
  char truncation = '\0';  // v2.7 fifth MSH-2 character ('#'); '\0' when the message has none
};

}  // namespace kq::formats

namespace kq::formats::hl7v2 {

struct Charset;

// Appends `raw` to `out` with escape sequences resolved: \F\ \S\ \T\ \R\ \E\ (and \P\ when a
// truncation character is declared) become the separator they name, \.br\ a line feed, and
// \Xhh..\ the bytes it spells, read in the message's character set `charset`. Anything else
// (\H\, \N\, \Cxxyy\, a \X\ whose bytes are not valid text, an escape with no closing
// character) is kept verbatim: dropping or guessing would change what the sender wrote.
void append_unescaped(std::string& out, std::string_view raw, const Hl7Separators& separators,
                      const Charset& charset);

// Text made safe to place in a field: every separator, the escape character and the truncation
// character become their escape sequences, CR and LF become \X0D\ and \X0A\. The inverse of
// append_unescaped, so an echoed value (MSH-10 in an ACK) can never forge a field or a segment.
std::string escape_value(std::string_view text, const Hl7Separators& separators);

inline bool is_segment_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Position of `c` in `text` from `from` on, or text.size(). Most values are a few bytes long,
// where a plain loop beats a call to memchr; long ones go to memchr.
inline std::size_t find_char(std::string_view text, char c, std::size_t from = 0) {
  if (from < text.size() && text.size() - from >= 32) {
    const std::size_t at = text.find(c, from);
    return at == std::string_view::npos ? text.size() : at;
  }
  while (from < text.size() && text[from] != c) ++from;
  return from;
}

// The `n`-th (1-based) part of `text` split at `separator`; `found` is false when there are
// fewer parts. Part 1 of a text without the separator is the whole text.
inline std::string_view nth_part(std::string_view text, char separator, std::size_t n,
                                 bool& found) {
  std::size_t begin = 0;
  for (std::size_t i = 1; i < n; ++i) {
    const std::size_t next = find_char(text, separator, begin);
    if (next == text.size()) {
      found = false;
      return {};
    }
    begin = next + 1;
  }
  found = true;
  return text.substr(begin, find_char(text, separator, begin) - begin);
}

// How many parts `text` has when split at `separator` (at least 1).
inline std::size_t count_parts(std::string_view text, char separator) {
  std::size_t parts = 1;
  for (char c : text) parts += c == separator ? 1 : 0;
  return parts;
}

// The HL7 null: a value of exactly two double quotes, which tells the receiver to clear it.
inline bool is_hl7_null(std::string_view raw) { return raw == "\"\""; }

}  // namespace kq::formats::hl7v2
