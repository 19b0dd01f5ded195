#pragma once
// Character sets of inbound payloads, decoded to UTF-8.
//
// Chinese senders use UTF-8 or GB 18030 and its subsets GBK / GB 2312 (Excel's "CSV" on a Chinese
// Windows is GBK; card readers write GB 18030). Everything inside the gateway is UTF-8, so each
// format decodes at its boundary with these helpers. Decoding never guesses: an invalid byte is an
// error that names its offset, so the sender can be told where the file is damaged.
//
// Shared by every format (CSV, fixed-width, JSON, HL7 v2 when MSH-18 or the channel says GB 18030).
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/error_kind.hpp"

namespace kq::formats {

enum class Charset { kUtf8, kGb18030, kGbk, kAscii };

// "UTF-8", "utf8", "GB18030", "GB-18030", "GBK", "CP936", "GB2312", "ASCII", "US-ASCII" (case,
// '-', '_' and spaces ignored). GB 2312 is read as GBK, its superset. Nothing for anything else.
std::optional<Charset> parse_charset(std::string_view name);
std::string_view charset_name(Charset charset);  // "UTF-8", "GB18030", "GBK", "ASCII"

// Why a payload could not be decoded: the byte offset (0-based, in the input) of the first byte
// that is not part of a valid character, and a description such as "invalid GB18030 byte 0xFF".
struct DecodeError {
  std::size_t offset = 0;
  std::string message;
  // data_type for bytes that are not text in the charset; internal when this system cannot
  // decode the charset at all (no iconv converter), which is not the sender's fault.
  core::ErrorKind kind = core::ErrorKind::data_type;
};

// Offset of the first byte that does not belong to a well-formed UTF-8 character (overlong forms,
// surrogates and code points above U+10FFFF are ill-formed), or nothing when `text` is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// "byte 0xFF" for an error message: the raw byte, never inserted as is (it would break the UTF-8
// of the message).
std::string describe_byte(unsigned char byte);

// Decodes many pieces of one payload with one converter (a fixed-width batch decodes every field
// separately; opening iconv per field would dominate). Not thread-safe: one decoder per thread.
class CharsetDecoder {
 public:
  explicit CharsetDecoder(Charset charset);
  ~CharsetDecoder();
  CharsetDecoder(const CharsetDecoder&) = delete;
  CharsetDecoder& operator=(const CharsetDecoder&) = delete;

  Charset charset() const { return charset_; }
  // Appends the UTF-8 form of `bytes` to `out`. On error returns false, leaves `out` with what was
  // decoded before the bad byte and fills `error` (offset relative to `bytes`).
  bool decode(std::string_view bytes, std::string& out, DecodeError& error);

 private:
  struct Iconv;
  Charset charset_;
  std::unique_ptr<Iconv> iconv_;  // only for the GB charsets; UTF-8 and ASCII are validated in place
};

// One-shot form of CharsetDecoder::decode; a leading UTF-8 byte-order mark is dropped when the
// charset is UTF-8.
bool decode_to_utf8(std::string_view bytes, Charset charset, std::string& out, DecodeError& error);

}  // namespace kq::formats
