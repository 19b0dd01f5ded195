#pragma once
// Character sets of HL7 v2 messages: the names of HL7 table 0211 (MSH-18) and the aliases HIS
// vendors actually send, strict UTF-8 validation, and transcoding to UTF-8 with glibc iconv.
//
// Nothing here replaces a bad byte. A message whose bytes do not fit its character set is
// refused with the place of the first bad byte, because a silently mangled name or ID number
// is worse than a negative acknowledgement: the sender can fix and resend, a wrong record
// spreads.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kq::formats::hl7v2 {

enum class CharsetKind : std::uint8_t {
  utf8,   // validated in place; the parsed message is the payload itself
  ascii,  // validated in place
  other,  // transcoded to UTF-8 by iconv before the message is split into segments
};

struct Charset {
  CharsetKind kind = CharsetKind::utf8;
  const char* name = "UTF-8";  // the glibc iconv name, also what Hl7Message::charset() reports
  // Double-byte sets (GB 18030, GBK, Big5) whose second bytes include '\', '^', '|' and '~'.
  // Their bytes cannot be split at separators before they are transcoded.
  bool ascii_trail_bytes = false;
};

// The character set named by an MSH-18 value or a channel override: "UNICODE UTF-8",
// "GB 18030-2000", "GBK", "8859/1", "ISO IR100", "BIG-5", "KS X 1001"... Case, spaces, '-', '_'
// and '/' are ignored. Nothing for a set the gateway does not read (UTF-16/32, which cannot be
// split as bytes; the ISO 2022 Japanese sets, which switch sets inside a value).
std::optional<Charset> resolve_charset(std::string_view name);

// Offset of the first byte that does not belong to a well-formed UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF included), or npos.
std::size_t find_invalid_utf8(std::string_view bytes);

// The length of the well-formed UTF-8 sequence that starts `bytes` with a byte above 0x7F, or 0
// when it is not one. Inline: the parser calls it for every non-ASCII character.
inline std::size_t utf8_sequence_length(std::string_view bytes) {
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  const unsigned char lead = at(0);
  // Most Chinese text: three bytes, with no overlong or surrogate form possible for these leads.
  if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    return bytes.size() >= 3 && (at(1) & 0xC0) == 0x80 && (at(2) & 0xC0) == 0x80 ? 3 : 0;
  }
  // Unicode 15, table 3-7: the lead byte fixes the length and the range of the second byte;
  // the narrowed ranges exclude overlong forms, surrogates and values above U+10FFFF.
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (bytes.size() < length || at(1) < low || at(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (at(k) < 0x80 || at(k) > 0xBF) return 0;
  }
  return length;
}

// Offset of the first byte above 0x7F, or npos.
std::size_t find_non_ascii(std::string_view bytes);

// Appends `in`, in the iconv character set `from`, to `out` as UTF-8. On a byte sequence that is
// invalid (or cut short) in `from`, returns false with `bad_offset` at its first byte in `in`;
// `out` then holds the transcoded text before it.
bool transcode_to_utf8(std::string_view in, const char* from, std::string& out,
                       std::size_t& bad_offset);

// Bytes for an error message: printable ASCII as is, anything else as \xNN, at most `limit`
// bytes followed by "..." so that a hostile payload cannot flood a log line.
std::string show_bytes(std::string_view bytes, std::size_t limit = 24);

}  // namespace kq::formats::hl7v2
