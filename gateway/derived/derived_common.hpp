#pragma once
// The vocabulary every derived-value rule set shares: how sure we are of a table, why a value
// was not computed, and how a value the sender sent disagrees with the one the gateway computed.
#include <optional>
#include <string>
#include <string_view>

#include "gateway/config/source_location.hpp"

namespace kq::derived {

// How far a table has been checked against the official text. Carried from the research
// notes into every table file (`confidence: V|S|U`) and into docs/derived-values.md, so that a
// reader of a score can find out what it rests on.
enum class Confidence {
  verified,    // V: checked against the official text, or several independent sources agree
  secondary,   // S: one secondary source; consistent, but not yet checked against the official text
  unverified,  // U: from memory or inferred
};

std::string_view confidence_tag(Confidence confidence);  // "V", "S", "U"
std::optional<Confidence> parse_confidence(std::string_view tag);

// Where a table came from: its confidence, a note on its source, and its place in the file (for
// error messages and the coverage listing in the docs).
struct TableSource {
  Confidence confidence = Confidence::unverified;
  std::string note;
  config::SourceLocation where;
};

// A value the gateway did not compute, and why. The path is relative to the record
// ("items[2]", "total_score", "right_eye"); the reason is a sentence for the sender.
struct Refusal {
  std::string path;
  std::string reason;
  bool operator==(const Refusal&) const = default;
};

// A value the sender sent that disagrees with the one the gateway computed. The record keeps
// the computed value (the raw message keeps the sent one); this goes to the receipt.
struct QualityWarning {
  std::string path;      // "items[2].score"
  std::string item;      // "run_50m", or the field name for record-level values
  std::string sent;      // as text: "95", "优秀", "true"
  std::string computed;  // likewise
  std::string rule;      // "cspfs-2014@1.0.0"
  bool operator==(const QualityWarning&) const = default;
};

// A number as a receipt shows it: no trailing zeros, at most `decimals` places ("95", "89.95").
std::string format_number(double value, int decimals = 2);

// "<set>@<version>": how records name the rule set that produced a value.
inline std::string rule_id(std::string_view set, std::string_view version) {
  return std::string(set) + "@" + std::string(version);
}

}  // namespace kq::derived
