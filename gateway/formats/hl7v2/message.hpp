#pragma once
// One parsed HL7 v2 message (ER7, the pipe-and-hat encoding).
//
// The message text is held once, as UTF-8, and every segment and field is an offset into it:
// parsing finds the segment and field boundaries and nothing else. Repetitions, components and
// subcomponents are split, and escapes resolved, only when a value is read. A payload in UTF-8
// or ASCII is validated in place and never rewritten; any other character set is transcoded
// to UTF-8 first, because GB 18030 / GBK / Big5 second bytes can equal '|', '^', '~' or '\'.
//
// Character set: ParseOptions::charset, when set, wins over MSH-18 (a channel's operator knows
// what a sender really sends better than a mislabelled MSH-18 does); otherwise the first
// repetition of MSH-18; otherwise UTF-8 (which accepts plain ASCII).
//
// Accepted leniently: CR, LF or CRLF between segments, blank lines, a leading UTF-8 byte-order
// mark. Refused (ParseError with location and reason): no MSH first, bad MSH-1 / MSH-2, MSH
// without MSH-9 to MSH-12, a malformed segment name, a second MSH (two messages in one
// payload), bytes invalid in the character set, a payload over ParseOptions::max_bytes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/formats/hl7v2/charset.hpp"
#include "gateway/formats/hl7v2/encoding.hpp"
#include "gateway/formats/source.hpp"

namespace kq::formats::hl7v2 {

// A segment name (3 bytes) as one integer, so that finding segments compares integers.
constexpr std::uint32_t pack_segment_name(std::string_view name) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(name[0])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(name[1])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(name[2]));
}

}  // namespace kq::formats::hl7v2

namespace kq::formats {

// What the HIS adapter needs from MSH to route, deduplicate and acknowledge a message. Values
// are decoded (escapes resolved); an HL7 null ("") reads as empty.
struct Hl7Header {
  std::string sending_application;    // MSH-3, whole field ("HIS" or "HIS^1.2.3^ISO")
  std::string sending_facility;       // MSH-4
  std::string receiving_application;  // MSH-5
  std::string receiving_facility;     // MSH-6
  std::string date_time;              // MSH-7.1, as sent ("20240912103015+0800")
  std::string message_type;           // MSH-9.1 "ADT"          (required)
  std::string trigger_event;          // MSH-9.2 "A01"
  std::string message_structure;      // MSH-9.3 "ADT_A01"
  std::string control_id;             // MSH-10                 (required)
  std::string processing_id;          // MSH-11.1 "P", "D", "T" (required)
  std::string version;                // MSH-12.1 "2.4"         (required)
  std::string accept_ack_type;        // MSH-15 "AL", "NE", "ER", "SU" or ""
  std::string application_ack_type;   // MSH-16
  std::string character_set;          // MSH-18, first repetition, as declared ("" if none)

  // Enhanced acknowledgement mode (commit ACK with CA/CE/CR) when MSH-15 or MSH-16 is valued;
  // original mode (AA/AE/AR) otherwise.
  bool enhanced_ack_mode() const {
    return !accept_ack_type.empty() || !application_ack_type.empty();
  }
};

class Hl7Message final : public Document {
 public:
  static std::unique_ptr<Hl7Message> parse(std::string_view bytes, const ParseOptions& options,
                                           ParseError& error);
  // The MSH segment alone, parsed as parse() would: enough to address a reply (the ACK) to a
  // message that parse() has already checked, at a fraction of the cost.
  static std::unique_ptr<Hl7Message> parse_header(std::string_view bytes, const ParseOptions& options,
                                                  ParseError& error);

  Hl7Message(const Hl7Message&) = delete;
  Hl7Message& operator=(const Hl7Message&) = delete;

  std::string_view format() const override { return "hl7v2"; }
  const Hl7Header& header() const { return header_; }
  const Hl7Separators& separators() const { return separators_; }
  const hl7v2::Charset& charset_info() const { return charset_; }
  std::string_view charset() const { return charset_.name; }  // effective: "UTF-8", "GB18030"...
  std::string_view text() const { return text_; }             // the whole message, UTF-8

  // Segments, 0-based, in message order (blank lines are not segments).
  std::size_t segment_count() const { return segments_.size(); }
  std::string_view segment_name(std::size_t segment) const {
    return std::string_view(text_).substr(segments_[segment].begin, 3);
  }
  std::string_view segment_text(std::size_t segment) const {
    const Segment& s = segments_[segment];
    return std::string_view(text_).substr(s.begin, s.end - s.begin);
  }
  // The name packed into an integer, for fast comparison: pack_segment_name("PID").
  std::uint32_t segment_type(std::size_t segment) const { return segments_[segment].type; }
  // 1-based position among the segments of the same name (the third OBX is occurrence 3), and
  // how many segments of that name the message holds.
  std::size_t occurrence(std::size_t segment) const { return segments_[segment].occurrence; }
  std::size_t occurrences(std::size_t segment) const { return segments_[segment].total; }
  // The first segment with the packed name `type`, and the next segment with the same name as
  // `segment`: npos when there is none. Paths walk these chains instead of every segment.
  std::size_t first_segment(std::uint32_t type) const;
  std::size_t next_of_same_name(std::size_t segment) const {
    const std::uint32_t next = segments_[segment].next_same;
    return next == kNone ? npos : next;
  }
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // The number of the last field present, in HL7 numbering (MSH-1 is the field separator).
  std::size_t field_count(std::size_t segment) const {
    const Segment& s = segments_[segment];
    return s.pieces - 1 + (s.type == kMshType ? 1 : 0);
  }
  // A field as written, and what indexing noticed about it, so that a read can skip looking.
  struct FieldView {
    std::string_view raw;          // repetitions, components, escapes as written; "" if absent
    bool has_repetitions = false;  // holds the repetition separator
    bool has_escapes = false;      // holds the escape character
  };
  // Field `field` (HL7 numbering, >= 1). Empty both when the field is absent and when it is
  // empty.
  FieldView field(std::size_t segment, std::size_t field) const {
    const Segment& s = segments_[segment];
    std::size_t piece = field;
    if (s.type == kMshType) {
      // MSH-1 is the separator itself, so MSH's fields sit one piece to the left.
      if (field == 1) return {std::string_view(text_).substr(s.begin + 3, 1)};
      piece = field - 1;
    }
    if (piece == 0 || piece >= s.pieces) return {};
    const std::uint32_t* starts = piece_starts_.data() + s.first_piece;
    const std::uint32_t begin = starts[piece] & kOffsetMask;
    return {std::string_view(text_).substr(begin, (starts[piece + 1] & kOffsetMask) - 1 - begin),
            (starts[piece] & kRepeatsFlag) != 0, (starts[piece] & kEscapedFlag) != 0};
  }
  std::string_view raw_field(std::size_t segment, std::size_t field) const {
    return this->field(segment, field).raw;
  }

  // A raw value (of this message, or written with its separators) with escapes resolved,
  // appended to `out`: a plain copy when it has none.
  void append_decoded(std::string& out, std::string_view raw) const;
  // The same for a part of `field`: no search for escapes when indexing saw none in it.
  void append_decoded(std::string& out, std::string_view raw, const FieldView& field) const {
    if (field.has_escapes) {
      append_decoded(out, raw);
    } else {
      out.append(raw);
    }
  }
  std::string decoded(std::string_view raw) const {
    std::string out;
    append_decoded(out, raw);
    return out;
  }

  static constexpr std::uint32_t pack_segment_name(std::string_view name) {
    return hl7v2::pack_segment_name(name);
  }
  static constexpr std::uint32_t kMshType = hl7v2::pack_segment_name("MSH");

 private:
  struct Segment {
    std::uint32_t begin = 0;        // offset of the name
    std::uint32_t end = 0;          // one past the last byte, before CR/LF
    std::uint32_t first_piece = 0;  // index of its first entry in piece_starts_
    std::uint32_t pieces = 0;       // name + fields split at the field separator
    std::uint32_t type = 0;         // pack_segment_name(name)
    std::uint32_t occurrence = 0;
    std::uint32_t total = 0;
    std::uint32_t next_same = kNone;  // next segment with this name
  };
  struct FirstOfName {
    std::uint32_t type = 0;
    std::uint32_t segment = 0;
  };
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;
  // A piece start is an offset below 1 GiB with two flags above it.
  static constexpr std::uint32_t kRepeatsFlag = 0x80000000;
  static constexpr std::uint32_t kEscapedFlag = 0x40000000;
  static constexpr std::uint32_t kOffsetMask = 0x3FFFFFFF;

 public:
  // The largest message text (after transcoding) whose offsets fit.
  static constexpr std::size_t kMaxText = kOffsetMask - 2;

 private:
  Hl7Message() = default;
  // hl7v2_message.cpp: the MSH prefix before anything else, the header after everything else.
  bool read_msh_prefix(std::string_view bytes, ParseError& error);
  void link_segments();
  bool read_header(ParseError& error);
  // hl7v2_message_text.cpp: character set, validation or transcoding, segment index.
  bool decode_and_index(const ParseOptions& options, ParseError& error);
  bool index_segments(std::size_t& pos, std::size_t max_segments, hl7v2::CharsetKind check,
                      std::size_t& bad_byte, ParseError& error);
  void clear_index();

  std::string text_;
  std::size_t skipped_ = 0;  // payload bytes before MSH (a byte-order mark, blank lines)
  Hl7Separators separators_;
  hl7v2::Charset charset_;
  // The first segment of each name, when the message has at most names_.size() names (every
  // real message); with more, first_segment() scans.
  std::array<FirstOfName, 32> names_{};
  std::uint32_t name_count_ = 0;
  bool many_names_ = false;
  std::vector<Segment> segments_;
  // For each segment, the offset where each piece starts, then a sentinel one past its end
  // plus one, so piece i spans [starts[i], starts[i + 1] - 1) (offsets masked with
  // kOffsetMask; the flags say whether the piece holds a repetition or escape character).
  std::vector<std::uint32_t> piece_starts_;
  Hl7Header header_;
};

}  // namespace kq::formats
