// The text of an HL7 v2 message: which character set it is in, whether its bytes are valid in
// that set (or its UTF-8 form, when it must be transcoded), and where its segments and fields
// are. For UTF-8 and ASCII, the one pass that finds the field separators also checks the bytes.
// SSE2 is part of every x86-64; elsewhere (or with KQ_HL7V2_SCALAR, to test that path) the
// scanner falls back to a plain loop over the block.
#if defined(__SSE2__) && !defined(KQ_HL7V2_SCALAR)
#define KQ_HL7V2_SSE2 1
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <limits>
#include <optional>

#include "gateway/formats/hl7v2/message.hpp"

namespace kq::formats {

namespace {

using hl7v2::CharsetKind;
using hl7v2::is_segment_name_char;

constexpr std::size_t kMsh18 = 18;

bool is_line_end(char c) { return c == '\r' || c == '\n'; }

// Finds the bytes the index must look at, 16 at a time: the field separator, CR, LF, the
// repetition and escape characters and, when the text is checked, every byte above 0x7F. mask()
// returns one bit per such byte of the block at `p`; the caller walks the bits. With SSE2 (every
// x86-64) a block costs a handful of instructions, which is what keeps parsing near the cost of a
// bare split.
class SpecialBytes {
 public:
  SpecialBytes(char field, char repetition, char escape, bool check_high_bytes)
      : field_(field), repetition_(repetition), escape_(escape), check_high_(check_high_bytes) {
#if defined(KQ_HL7V2_SSE2)
    field_v_ = _mm_set1_epi8(field);
    repetition_v_ = _mm_set1_epi8(repetition);
    escape_v_ = _mm_set1_epi8(escape);
    cr_v_ = _mm_set1_epi8('\r');
    lf_v_ = _mm_set1_epi8('\n');
#endif
  }

  static constexpr std::size_t kBlock = 16;

  // `available` bytes from `p` are readable; only the first min(available, 16) count.
  std::uint32_t mask(const char* p, std::size_t available) const {
#if defined(KQ_HL7V2_SSE2)
    if (available >= kBlock) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i separators = _mm_or_si128(
          _mm_cmpeq_epi8(v, field_v_),
          _mm_or_si128(_mm_cmpeq_epi8(v, repetition_v_), _mm_cmpeq_epi8(v, escape_v_)));
      const __m128i hits = _mm_or_si128(
          separators, _mm_or_si128(_mm_cmpeq_epi8(v, cr_v_), _mm_cmpeq_epi8(v, lf_v_)));
      auto bits = static_cast<std::uint32_t>(_mm_movemask_epi8(hits));
      if (check_high_) bits |= static_cast<std::uint32_t>(_mm_movemask_epi8(v));
      return bits;
    }
#endif
    std::uint32_t bits = 0;
    for (std::size_t i = 0; i < available && i < kBlock; ++i) {
      const char c = p[i];
      const bool hit = c == field_ || c == repetition_ || c == escape_ || c == '\r' || c == '\n' ||
                       (check_high_ && static_cast<unsigned char>(c) >= 0x80);
      bits |= static_cast<std::uint32_t>(hit) << i;
    }
    return bits;
  }

 private:
  char field_, repetition_, escape_;
  bool check_high_;
#if defined(KQ_HL7V2_SSE2)
  __m128i field_v_, repetition_v_, escape_v_, cr_v_, lf_v_;
#endif
};

// The bits of a block's mask for the bytes at `offset` and after.
std::uint32_t bits_from(std::uint32_t bits, std::size_t offset) {
  return offset >= 32 ? 0 : bits & (~0u << offset);
}

std::string_view trim_spaces(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;
}

// MSH-18 as seen by a scan that takes every byte from 0x81 up as the first byte of a
// double-byte character and skips its partner, so that GBK or Big5 text in MSH-3..MSH-17
// cannot fake a field separator. Used only when MSH holds such bytes.
std::string_view find_msh18_double_byte(std::string_view text, const Hl7Separators& separators) {
  std::size_t field = 1, begin = std::string_view::npos;  // text[3] is MSH-1 itself
  for (std::size_t i = 3; i < text.size() && !is_line_end(text[i]); ++i) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x81) {
      if (i + 1 < text.size() && !is_line_end(text[i + 1])) ++i;
      continue;
    }
    if (c != separators.field) continue;
    if (begin != std::string_view::npos) return trim_spaces(text.substr(begin, i - begin));
    if (++field == kMsh18) begin = i + 1;
  }
  if (begin == std::string_view::npos) return {};
  const std::string_view rest = text.substr(begin);
  return trim_spaces(
      rest.substr(0, std::min(rest.find_first_of("\r\n"), rest.find(separators.repetition))));
}

// Where byte `offset` of a (partly decoded) message lies, in HL7 terms: "PID-5" inside a field,
// "segment 3" inside a segment name. `segment_number` is 1-based. Used on the error path only.
std::string locate(std::string_view text, std::size_t offset, char field_separator,
                   std::size_t& segment_number) {
  segment_number = 0;
  std::size_t begin = 0, name_end = 0, fields = 0;
  bool in_segment = false;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    const char c = text[i];
    if (is_line_end(c)) {
      in_segment = false;
      continue;
    }
    if (!in_segment) {
      in_segment = true;
      ++segment_number;
      begin = i;
      fields = 0;
    }
    if (c == field_separator) {
      if (fields == 0) name_end = i;
      ++fields;
    }
  }
  if (!in_segment) ++segment_number;  // the bad byte starts a segment
  const std::string segment = "segment " + std::to_string(segment_number);
  if (!in_segment || fields == 0) return segment;
  const std::string_view name = text.substr(begin, name_end - begin);
  if (name.size() != 3 || !std::all_of(name.begin(), name.end(), is_segment_name_char)) {
    return segment;
  }
  return std::string(name) + "-" + std::to_string(fields + (name == "MSH" ? 1 : 0));
}

}  // namespace

bool Hl7Message::decode_and_index(const ParseOptions& options, ParseError& error) {
  // MSH first, without checking its bytes: MSH-18 says how to check them.
  std::size_t pos = 0, bad = std::string_view::npos;
  if (!index_segments(pos, 1, CharsetKind::other, bad, error)) return false;
  const bool msh_is_ascii = hl7v2::find_non_ascii(segment_text(0)) == std::string_view::npos;

  enum class Origin { channel, msh18, assumed } origin = Origin::assumed;
  std::string_view declared;  // points into text_, which stays put until transcoding succeeds
  std::optional<hl7v2::Charset> charset = hl7v2::Charset{};
  if (!options.charset.empty()) {
    origin = Origin::channel;
    declared = options.charset;
    charset = hl7v2::resolve_charset(declared);
    if (!charset) {
      // The gateway's own configuration is wrong, not the sender's message.
      error = {"charset",
               "unsupported character set '" + hl7v2::show_bytes(declared) + "' configured for the channel",
               core::ErrorKind::internal};
      return false;
    }
  } else {
    bool found = false;
    declared = trim_spaces(hl7v2::nth_part(raw_field(0, kMsh18), separators_.repetition, 1, found));
    if (!msh_is_ascii) {
      const std::string_view wide = find_msh18_double_byte(text_, separators_);
      const auto wide_charset = hl7v2::resolve_charset(wide);
      if (wide_charset && wide_charset->ascii_trail_bytes) declared = wide;
    }
    if (!declared.empty()) {
      origin = Origin::msh18;
      charset = hl7v2::resolve_charset(declared);
      if (!charset) {
        // A value that is not in the table of character sets (HL7 table 0211) as we know it.
        error = {"MSH-18", "unsupported character set '" + hl7v2::show_bytes(declared) + "'",
                 core::ErrorKind::code_unknown};
        return false;
      }
    }
  }
  charset_ = *charset;

  // `at` is the bad byte's offset in `prefix` (the text before it, decoded), `raw_offset` its
  // offset in the payload after what parse() skipped.
  auto invalid = [&](std::string_view prefix, std::size_t at, std::size_t raw_offset) {
    std::string why;
    switch (origin) {
      case Origin::channel: why = "the channel's character set " + std::string(declared); break;
      case Origin::msh18: why = std::string(declared) + " (MSH-18)"; break;
      case Origin::assumed:
        why = "UTF-8, assumed because neither MSH-18 nor the channel names a character set";
        break;
    }
    std::size_t segment = 0;
    std::string location = locate(prefix, at, separators_.field, segment);
    error = {std::move(location),
             "bytes not valid in " + why + " at byte " + std::to_string(skipped_ + raw_offset) +
                 " (segment " + std::to_string(segment) +
                 "): " + hl7v2::show_bytes(std::string_view(text_).substr(raw_offset, 4), 4),
             core::ErrorKind::data_type};
    return false;
  };

  switch (charset_.kind) {
    case CharsetKind::utf8:
      bad = hl7v2::find_invalid_utf8(segment_text(0));
      if (bad != std::string_view::npos) return invalid(text_, bad, bad);
      break;
    case CharsetKind::ascii:
      if (!msh_is_ascii) {
        bad = hl7v2::find_non_ascii(segment_text(0));
        return invalid(text_, bad, bad);
      }
      break;
    case CharsetKind::other: {
      // Pure ASCII reads the same in every set we support and needs no transcoding.
      if (hl7v2::find_non_ascii(text_) == std::string_view::npos) break;
      std::string decoded;
      decoded.reserve(text_.size() + text_.size() / 2);
      if (!hl7v2::transcode_to_utf8(text_, charset_.name, decoded, bad)) {
        return invalid(decoded, decoded.size(), bad);
      }
      if (decoded.size() > kMaxText) {
        error = {"byte 0", "message is too large once decoded", core::ErrorKind::too_long};
        return false;
      }
      text_.swap(decoded);
      declared = {};  // it pointed into the payload, which `decoded` now holds and drops
      clear_index();
      pos = 0;
      break;
    }
  }
  if (!index_segments(pos, std::numeric_limits<std::size_t>::max(), charset_.kind, bad, error)) {
    return bad == std::string_view::npos ? false : invalid(text_, bad, bad);
  }
  return true;
}

void Hl7Message::clear_index() {
  segments_.clear();
  piece_starts_.clear();
}

bool Hl7Message::index_segments(std::size_t& pos, std::size_t max_segments, CharsetKind check,
                                std::size_t& bad_byte, ParseError& error) {
  bad_byte = std::string_view::npos;
  const std::string_view text = text_;
  const char* const t = text.data();
  const std::size_t n = text.size();
  const char field = separators_.field;
  const SpecialBytes scanner(field, separators_.repetition, separators_.escape,
                             check != CharsetKind::other);
  if (segments_.empty()) {
    // Typical segments are 60-120 bytes with fields of 5-10: reserve so that indexing rarely
    // reallocates.
    segments_.reserve(n / 48 + 4);
    piece_starts_.reserve(n / 5 + 16);
  }
  std::size_t at = pos;
  while (at < n && is_line_end(t[at])) ++at;
  if (at >= n || segments_.size() >= max_segments) {
    pos = at;
    return true;
  }
  Segment segment;
  auto open = [&](std::size_t begin) {
    segment = Segment{};
    segment.begin = static_cast<std::uint32_t>(begin);
    segment.first_piece = static_cast<std::uint32_t>(piece_starts_.size());
    piece_starts_.push_back(segment.begin);
  };
  auto close = [&](std::size_t end) {
    segment.end = static_cast<std::uint32_t>(end);
    piece_starts_.push_back(static_cast<std::uint32_t>(end + 1));
    segment.pieces = static_cast<std::uint32_t>(piece_starts_.size()) - segment.first_piece - 1;
    const std::size_t number = segments_.size() + 1;
    const std::size_t name_end =
        segment.pieces > 1 ? (piece_starts_[segment.first_piece + 1] & kOffsetMask) - 1 : end;
    const std::string_view name = text.substr(segment.begin, name_end - segment.begin);
    if (name.size() != 3 || !is_segment_name_char(name[0]) || !is_segment_name_char(name[1]) ||
        !is_segment_name_char(name[2])) {
      error = {
          "segment " + std::to_string(number),
          "segment name must be 3 upper-case letters or digits: '" + hl7v2::show_bytes(name) + "'",
          core::ErrorKind::structure};
      return false;
    }
    segment.type = pack_segment_name(name);
    if (number > 1 && segment.type == kMshType) {
      error = {"segment " + std::to_string(number),
               "a second MSH segment starts another message; send one message per payload",
               core::ErrorKind::structure};
      return false;
    }
    segments_.push_back(segment);
    return true;
  };

  open(at);
  std::size_t skip_to = at;  // bytes before this were consumed (a multi-byte character)
  for (std::size_t block = at; block < n; block += SpecialBytes::kBlock) {
    std::uint32_t bits = scanner.mask(t + block, n - block);
    if (skip_to > block) bits = bits_from(bits, skip_to - block);
    while (bits != 0) {
      const std::size_t i = block + static_cast<std::size_t>(std::countr_zero(bits));
      bits &= bits - 1;
      const char c = t[i];
      if (c == field) {
        piece_starts_.push_back(static_cast<std::uint32_t>(i + 1));
      } else if (c == '\r' || c == '\n') {
        if (!close(i)) return false;
        std::size_t next = i + 1;
        while (next < n && is_line_end(t[next])) ++next;
        if (next >= n || segments_.size() >= max_segments) {
          pos = next;
          return true;
        }
        open(next);
        if (next > i + 1) skip_to = next;
        bits = bits_from(bits, next - block);
      } else if (c == separators_.repetition) {
        piece_starts_.back() |= kRepeatsFlag;
      } else if (c == separators_.escape) {
        piece_starts_.back() |= kEscapedFlag;
      } else {
        const std::size_t length =
            check == CharsetKind::utf8 ? hl7v2::utf8_sequence_length(text.substr(i)) : 0;
        if (length == 0) {
          bad_byte = i;
          return false;
        }
        skip_to = i + length;  // continuation bytes are not separators; skip their bits
        bits = bits_from(bits, skip_to - block);
      }
    }
  }
  if (!close(n)) return false;
  pos = n;
  return true;
}

}  // namespace kq::formats
