#pragma once
// HL7 v2 source paths as mappings write them, compiled once and evaluated per message.
//
// Syntax (segment names are 3 upper-case letters or digits; every index counts from 1):
//   PID, OBX, OBX[*]    every segment of that name; the match's text is the raw segment and its
//                       handle the segment's 0-based index in the message, so it can be a scope
//   OBX[2]              the second OBX (of the message, or of the scope; see below)
//   PID-5               field 5, first repetition, as text: components joined with the
//                       message's component separator as written, escapes resolved
//   PID-3[2], PID-3[*]  the second repetition; every repetition
//   PID-5.1, PID-5.1.2  a component; a subcomponent of it
//   MSH-1, MSH-2        the field separator; the encoding characters (no components)
//   /PID-3              a leading '/' reads from the whole message even inside a scope
// A segment without an index means every segment of that name; a field without an index means
// its first repetition (what HL7 calls "the" value of a repeating field).
//
// Scopes. In the scope of a segment match S (an iteration over `OBR` or `OBX`), a path whose
// segment name is S's own refers to S itself; a path naming another segment refers to the
// segments of that name that follow S, up to the next segment named like S. So with
// `OBR[*]` as the iteration, `OBX-5` gives the results of the current order only: "each OBR
// with its OBX". Segment indices are counted within the scope: `OBX[2]-5` in an OBR scope is
// the second OBX of that group. A segment before S (PID, in an OBR scope) is not in the scope;
// write `/PID-3` for it. A scope whose handle is not a segment of the message selects nothing.
//
// Empty and absent. An absent or empty value gives no match, so a mapping's default applies.
// A value of exactly "" (the HL7 null) gives a match with empty text, so a mapping can tell the
// sender's "delete this value" apart from "not sent".
//
// Locations are in HL7 terms with the actual indices: `OBX[3]-5.1` names the message's third
// OBX, `PID-3[2].1` the second repetition. A segment index appears when the message holds more
// than one segment of that name, a repetition index when the field has more than one.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/formats/hl7v2/message.hpp"
#include "gateway/formats/source.hpp"

namespace kq::formats::hl7v2 {

inline constexpr std::uint32_t kEvery = 0xFFFFFFFF;
inline constexpr std::uint32_t kMaxPathNumber = 99999;

struct PathSpec {
  bool absolute = false;                 // written with a leading '/'
  std::uint32_t segment_type = 0;        // Hl7Message::pack_segment_name
  std::uint32_t segment_index = kEvery;  // n >= 1, or kEvery (no index, or [*])
  std::uint32_t field = 0;               // 0: the segment itself
  std::uint32_t repetition = 1;          // n >= 1, or kEvery ([*]); 1 when not written
  std::uint32_t component = 0;           // 0: the whole repetition
  std::uint32_t subcomponent = 0;        // 0: the whole component
};

// Parses a path. On error returns false with `error` naming the problem precisely
// ("segment name must be 3 upper-case letters or digits: 'PI'", "field number must be ≥ 1").
bool parse_path(std::string_view text, PathSpec& spec, std::string& error);

// Appends the matches of `spec` in `message`, inside `scope` (nullptr: the whole message),
// in message order.
void select_matches(const Hl7Message& message, const PathSpec& spec, const Match* scope,
                    std::vector<Match>& out);
// The same matches handed to `visitor` (Path::visit): values without escapes are views into
// the message, so nothing is allocated for them.
void visit_matches(const Hl7Message& message, const PathSpec& spec, const Match* scope,
                   MatchVisitor& visitor);

// A compiled path for Format::compile_path; nullptr and `error` set when `text` is not a path.
std::unique_ptr<Path> compile_path(std::string_view text, std::string& error);

}  // namespace kq::formats::hl7v2
