#pragma once
// HL7 v2 acknowledgements (MSA + ERR), in original (AA/AE/AR) or enhanced (CA/CE/CR) mode.
//
// The ACK is written with the standard encoding characters (|^~\&) whatever the message used, and
// every value echoed from the sender (MSH-10 above all) is escaped, so a hostile control id cannot
// forge segments or fields. What the ACK needs from the message's MSH is read once, when the
// message is decoded (AckHeader), and kept for the acknowledgement: nothing is parsed twice.
#include <kangqiao/plugin.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace his {

enum class AckCode { accept, error, reject };

// From the message's MSH; components of MSH-3/4 (HD) are kept apart so they can be escaped one by
// one. Empty when the message could not be read that far.
struct AckHeader {
  std::vector<std::string> sending_application;  // MSH-3.1 .. MSH-3.3
  std::vector<std::string> sending_facility;      // MSH-4.1 .. MSH-4.3
  std::string trigger_event;                      // MSH-9.2
  std::string control_id;                         // MSH-10
  std::string processing_id;                      // MSH-11.1
  std::string version;                            // MSH-12.1
  bool enhanced = false;                          // MSH-15 or MSH-16 valued: CA/CE/CR
};

struct AckContext {
  std::string sending_application = "KANGQIAO";  // our MSH-3
  std::string sending_facility;                  // our MSH-4
  std::string timestamp;                         // MSH-7, yyyyMMddHHmmss+0800
  std::string control_id;                        // our MSH-10 (unique per ACK)
  std::size_t max_errors = 50;                   // ERR segments at most; the last says how many more
};

// The ACK for a message with header `request`.
std::string build_ack(const AckHeader& request, AckCode code, std::string_view text,
                      const std::vector<kangqiao::ErrorDetail>& errors, const AckContext& context);

// ERR-2, an error location (ERL: segment^sequence^field^repetition^component^subcomponent):
// "PID-19" → "PID^1^19", "PID-3[2].1" → "PID^1^3^2^1", "OBX[3]-5.1" → "OBX^3^5^1^1".
std::string error_location(std::string_view location);

// HL7 table 0357 (message error condition codes) for an error kind: ERR-3.
int condition_code(kq_error_kind kind);

// `text` with the standard encoding characters escaped and segment breaks replaced by spaces.
std::string escaped(std::string_view text);

}  // namespace his
