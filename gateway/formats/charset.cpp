#include "gateway/formats/charset.hpp"

#include <iconv.h>

#include <array>
#include <cctype>
#include <cerrno>

namespace kq::formats {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string normalise(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '-' || c == '_' || c == ' ') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

const char* iconv_name(Charset charset) { return charset == Charset::kGbk ? "GBK" : "GB18030"; }

}  // namespace

std::optional<Charset> parse_charset(std::string_view name) {
  const std::string n = normalise(name);
  if (n == "UTF8") return Charset::kUtf8;
  if (n == "GB18030") return Charset::kGb18030;
  if (n == "GBK" || n == "CP936" || n == "GB2312" || n == "EUCCN") return Charset::kGbk;
  if (n == "ASCII" || n == "USASCII") return Charset::kAscii;
  return std::nullopt;
}

std::string_view charset_name(Charset charset) {
  switch (charset) {
    case Charset::kUtf8:
      return "UTF-8";
    case Charset::kGb18030:
      return "GB18030";
    case Charset::kGbk:
      return "GBK";
    case Charset::kAscii:
      return "ASCII";
  }
  return "?";
}

std::string describe_byte(unsigned char byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0x0f];
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t extra = 0;
    unsigned char lo = 0x80;  // the range of the second byte excludes overlongs and surrogates
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + extra >= n) return i;  // truncated at the end
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (std::size_t k = 2; k <= extra; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
    }
    i += extra + 1;
  }
  return std::nullopt;
}

struct CharsetDecoder::Iconv {
  iconv_t handle = reinterpret_cast<iconv_t>(-1);
  ~Iconv() {
    if (handle != reinterpret_cast<iconv_t>(-1)) iconv_close(handle);
  }
};

CharsetDecoder::CharsetDecoder(Charset charset) : charset_(charset) {
  if (charset == Charset::kGb18030 || charset == Charset::kGbk) {
    iconv_ = std::make_unique<Iconv>();
    iconv_->handle = iconv_open("UTF-8", iconv_name(charset));
  }
}

CharsetDecoder::~CharsetDecoder() = default;

bool CharsetDecoder::decode(std::string_view bytes, std::string& out, DecodeError& error) {
  if (charset_ == Charset::kUtf8 || charset_ == Charset::kAscii) {
    std::optional<std::size_t> bad;
    if (charset_ == Charset::kUtf8) {
      bad = find_invalid_utf8(bytes);
    } else {
      for (std::size_t i = 0; i < bytes.size() && !bad; ++i) {
        if (static_cast<unsigned char>(bytes[i]) >= 0x80) bad = i;
      }
    }
    if (bad) {
      out.append(bytes.substr(0, *bad));
      error.offset = *bad;
      error.kind = core::ErrorKind::data_type;
      error.message = "not valid " + std::string(charset_name(charset_)) + " text (" +
                      describe_byte(static_cast<unsigned char>(bytes[*bad])) + ")";
      return false;
    }
    out.append(bytes);
    return true;
  }
  if (!iconv_ || iconv_->handle == reinterpret_cast<iconv_t>(-1)) {
    error.offset = 0;
    error.kind = core::ErrorKind::internal;
    error.message = "this system cannot decode " + std::string(charset_name(charset_)) + " (iconv)";
    return false;
  }
  iconv(iconv_->handle, nullptr, nullptr, nullptr, nullptr);  // a fresh shift state per piece
  // iconv takes non-const input pointers but does not write through them.
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  std::array<char, 4096> buffer{};
  while (in_left > 0) {
    char* dst = buffer.data();
    std::size_t dst_left = buffer.size();
    const std::size_t rc = iconv(iconv_->handle, &in, &in_left, &dst, &dst_left);
    const int failure = rc == static_cast<std::size_t>(-1) ? errno : 0;
    out.append(buffer.data(), buffer.size() - dst_left);
    if (failure == 0 || failure == E2BIG) continue;
    error.offset = bytes.size() - in_left;
    error.kind = core::ErrorKind::data_type;
    const auto byte = static_cast<unsigned char>(bytes[error.offset]);
    const std::string name(charset_name(charset_));
    error.message = failure == EINVAL ? "incomplete " + name + " character at the end (" + describe_byte(byte) + ")"
                                      : "not valid " + name + " text (" + describe_byte(byte) + ")";
    return false;
  }
  return true;
}

bool decode_to_utf8(std::string_view bytes, Charset charset, std::string& out, DecodeError& error) {
  std::size_t skipped = 0;
  if (charset == Charset::kUtf8 && bytes.substr(0, kUtf8Bom.size()) == kUtf8Bom) {
    skipped = kUtf8Bom.size();
    bytes.remove_prefix(skipped);
  }
  out.reserve(out.size() + bytes.size() + bytes.size() / 2);
  CharsetDecoder decoder(charset);
  if (decoder.decode(bytes, out, error)) return true;
  error.offset += skipped;
  return false;
}

}  // namespace kq::formats
