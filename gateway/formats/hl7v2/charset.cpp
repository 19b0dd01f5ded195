#include "gateway/formats/hl7v2/charset.hpp"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace kq::formats::hl7v2 {

namespace {

struct CharsetName {
  std::string_view key;  // upper case, without spaces, '-', '_' and '/'
  Charset charset;
};

constexpr Charset other(const char* name, bool ascii_trail_bytes = false) {
  return Charset{CharsetKind::other, name, ascii_trail_bytes};
}

// HL7 table 0211 values, the DICOM-style "ISO IR nnn" terms some interfaces use, and the plain
// names HIS vendors put in MSH-18 or that a channel configures.
constexpr std::array<CharsetName, 47> kNames{{
    {"UNICODEUTF8", {}},
    {"UTF8", {}},
    {"ISOIR192", {}},
    {"ASCII", {CharsetKind::ascii, "ASCII", false}},
    {"USASCII", {CharsetKind::ascii, "ASCII", false}},
    {"ISOIR6", {CharsetKind::ascii, "ASCII", false}},
    {"GB180302000", other("GB18030", true)},
    {"GB180302005", other("GB18030", true)},
    {"GB180302022", other("GB18030", true)},
    {"GB18030", other("GB18030", true)},
    {"GBK", other("GBK", true)},
    {"CP936", other("GBK", true)},
    // GB 2312 is read as GBK, its superset: senders that label their bytes GB2312 routinely
    // send GBK-only characters (rare surnames), and refusing those would lose real patients.
    {"GB2312", other("GBK", true)},
    {"GB23121980", other("GBK", true)},
    {"EUCCN", other("GBK", true)},
    {"BIG5", other("BIG5", true)},
    {"CNS116431992", other("EUC-TW")},
    {"EUCTW", other("EUC-TW")},
    {"KSX1001", other("EUC-KR")},
    {"EUCKR", other("EUC-KR")},
    {"88591", other("ISO-8859-1")},
    {"88592", other("ISO-8859-2")},
    {"88593", other("ISO-8859-3")},
    {"88594", other("ISO-8859-4")},
    {"88595", other("ISO-8859-5")},
    {"88596", other("ISO-8859-6")},
    {"88597", other("ISO-8859-7")},
    {"88598", other("ISO-8859-8")},
    {"88599", other("ISO-8859-9")},
    {"885915", other("ISO-8859-15")},
    {"ISO88591", other("ISO-8859-1")},
    {"ISO88592", other("ISO-8859-2")},
    {"ISO88595", other("ISO-8859-5")},
    {"ISO88597", other("ISO-8859-7")},
    {"ISO88599", other("ISO-8859-9")},
    {"ISO885915", other("ISO-8859-15")},
    {"LATIN1", other("ISO-8859-1")},
    {"ISOIR100", other("ISO-8859-1")},
    {"ISOIR101", other("ISO-8859-2")},
    {"ISOIR109", other("ISO-8859-3")},
    {"ISOIR110", other("ISO-8859-4")},
    {"ISOIR144", other("ISO-8859-5")},
    {"ISOIR127", other("ISO-8859-6")},
    {"ISOIR126", other("ISO-8859-7")},
    {"ISOIR138", other("ISO-8859-8")},
    {"ISOIR148", other("ISO-8859-9")},
    {"ISOIR203", other("ISO-8859-15")},
}};

// Closes the conversion descriptor on every path out of transcode_to_utf8.
class IconvHandle {
 public:
  explicit IconvHandle(const char* from) : cd_(iconv_open("UTF-8", from)) {}
  ~IconvHandle() {
    if (ok()) iconv_close(cd_);
  }
  IconvHandle(const IconvHandle&) = delete;
  IconvHandle& operator=(const IconvHandle&) = delete;
  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return cd_; }

 private:
  iconv_t cd_;
};

}  // namespace

std::optional<Charset> resolve_charset(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (c == ' ' || c == '-' || c == '_' || c == '/' || c == '\t') continue;
    key += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    if (key.size() > 16) return std::nullopt;  // longer than any name we know
  }
  for (const CharsetName& entry : kNames) {
    if (entry.key == key) return entry.charset;
  }
  return std::nullopt;
}

std::size_t find_non_ascii(std::string_view bytes) {
  std::size_t i = 0;
  // Eight bytes at a time: nearly every message is mostly ASCII.
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + i, sizeof word);
    if ((word & 0x8080808080808080ULL) != 0) break;
  }
  for (; i < bytes.size(); ++i) {
    if (static_cast<unsigned char>(bytes[i]) >= 0x80) return i;
  }
  return std::string_view::npos;
}

std::size_t find_invalid_utf8(std::string_view bytes) {
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, bytes.data() + i, sizeof word);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t length = utf8_sequence_length(bytes.substr(i));
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

bool transcode_to_utf8(std::string_view in, const char* from, std::string& out,
                       std::size_t& bad_offset) {
  bad_offset = 0;
  IconvHandle cd(from);
  if (!cd.ok()) return false;
  // iconv takes a non-const input pointer for historical reasons; it never writes through it.
  char* in_ptr = const_cast<char*>(in.data());
  std::size_t in_left = in.size();
  const std::size_t start = out.size();
  // Double-byte sets grow by half at most (2 bytes -> 3), single-byte sets up to three times.
  std::size_t produced = 0;
  out.resize(start + in.size() * 3 / 2 + 16);
  while (in_left > 0) {
    char* out_ptr = out.data() + start + produced;
    std::size_t out_left = out.size() - start - produced;
    const std::size_t rc = iconv(cd.get(), &in_ptr, &in_left, &out_ptr, &out_left);
    produced = static_cast<std::size_t>(out_ptr - (out.data() + start));
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() + in_left * 3 + 16);
      continue;
    }
    // EILSEQ: an invalid sequence; EINVAL: a sequence cut off by the end of the input.
    out.resize(start + produced);
    bad_offset = in.size() - in_left;
    return false;
  }
  out.resize(start + produced);
  return true;
}

std::string show_bytes(std::string_view bytes, std::size_t limit) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string shown;
  for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte >= 0x20 && byte < 0x7f) {
      shown += static_cast<char>(byte);
    } else {
      shown += "\\x";
      shown += kHex[byte >> 4];
      shown += kHex[byte & 0x0f];
    }
  }
  if (bytes.size() > limit) shown += "...";
  return shown;
}

}  // namespace kq::formats::hl7v2
