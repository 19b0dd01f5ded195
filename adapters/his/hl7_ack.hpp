#pragma once
// HL7 v2 acknowledgements (MSA + ERR), in original (AA/AE/AR) or enhanced (CA/CE/CR) mode.
//
// Every value echoed from the sender (MSH-10 above all) is escaped before it goes into the ACK,
// so a hostile control id cannot forge segments or fields.
#include <string>
#include <string_view>
#include <vector>

#include "gateway/formats/hl7v2/message.hpp"

namespace kq::his {

enum class AckCode { accept, error, reject };

struct AckError {
  std::string location;  // "PID-19", "OBX[3]-5.1", "MSH-9" or "" for the message as a whole
  std::string message;
  int code = 207;        // HL7 table 0357: 100 segment, 101 required field, 102 data type,
                         // 103 table value, 200 unsupported message type, 207 application error
};

struct AckContext {
  std::string sending_application = "KANGQIAO";  // our MSH-3
  std::string sending_facility;                  // our MSH-4
  std::string timestamp;                         // MSH-7, yyyyMMddHHmmss+0800
  std::string control_id;                        // our MSH-10 (unique per ACK)
};

// Builds the ACK for `request` (its header may be partial when the message could not be parsed:
// then pass nullptr and the ACK uses defaults and an empty MSA-2).
std::string build_ack(const formats::Hl7Header* request, AckCode code, std::string_view text,
                      const std::vector<AckError>& errors, const AckContext& context);

// "PID-19" → "PID^1^19", "OBX[3]-5.1" → "OBX^3^5^1" (ERR-2 error location, an ERL).
std::string error_location(std::string_view location, const formats::Hl7Separators& separators);

}  // namespace kq::his
