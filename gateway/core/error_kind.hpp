#pragma once
// What kind of problem an error is, in the sender's terms and independent of the protocol: a
// plugin turns it into its own vocabulary (HL7 table 0357 in ERR-3, an HTTP status), and
// nobody has to read the reason's text to decide. The values match kq_error_kind of the plugin
// ABI (plugins/sdk/include/kangqiao/plugin.h), which the plugin host checks at compile time.
#include <cstdint>
#include <optional>
#include <string_view>

namespace kq::core {

enum class ErrorKind : std::uint8_t {
  unspecified = 0,        // the content is wrong in a way not listed below
  required = 1,           // a required value is missing
  data_type = 2,          // a value has the wrong form or range: date, number, check digit
  code_unknown = 3,       // a coded value is not in its table or value set
  too_long = 4,           // a value is longer than allowed
  structure = 5,          // the envelope or a segment is malformed or out of place
  unsupported = 6,        // the message or document type is not accepted here
  unsupported_event = 7,  // the trigger event is not accepted here
  unknown_key = 8,        // the message refers to something the gateway does not know
  duplicate_key = 9,      // the message key was already used for other content
  not_permitted = 10,     // the sender may not send this
  internal = 11,          // the gateway or a plugin failed; not the sender's fault
};

inline constexpr std::uint8_t kLastErrorKind = 11;

// "required", "data-type", … : the name in problem JSON, dead-letter rows and logs.
std::string_view to_string(ErrorKind kind);
std::optional<ErrorKind> parse_error_kind(std::string_view text);

}  // namespace kq::core
