#include "adapters/his/hl7_ack.hpp"

#include <cctype>

#include "gateway/formats/hl7v2/encoding.hpp"

namespace kq::his {

namespace {

std::string escaped(std::string_view text, const formats::Hl7Separators& sep) {
  // Segment breaks can never be echoed, whatever the escaping rules say.
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) clean += (c == '\r' || c == '\n') ? ' ' : c;
  return formats::hl7v2::escape_value(clean, sep);
}

const char* code_text(AckCode code, bool enhanced) {
  switch (code) {
    case AckCode::accept: return enhanced ? "CA" : "AA";
    case AckCode::error: return enhanced ? "CE" : "AE";
    case AckCode::reject: return enhanced ? "CR" : "AR";
  }
  return "AR";
}

}  // namespace

std::string error_location(std::string_view location, const formats::Hl7Separators& sep) {
  // segment [ "[" occurrence "]" ] [ "-" field [ "." component [ "." subcomponent ] ] ]
  std::string segment;
  std::size_t i = 0;
  while (i < location.size() && std::isalnum(static_cast<unsigned char>(location[i])) != 0) {
    segment += location[i++];
  }
  if (segment.size() != 3) return {};
  std::string occurrence = "1";
  if (i < location.size() && location[i] == '[') {
    const std::size_t close = location.find(']', i);
    if (close == std::string_view::npos) return {};
    occurrence = std::string(location.substr(i + 1, close - i - 1));
    i = close + 1;
  }
  std::string out = segment + sep.component + occurrence;
  if (i < location.size() && location[i] == '-') {
    ++i;
    std::string number;
    for (; i <= location.size(); ++i) {
      const char c = i < location.size() ? location[i] : '.';
      if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
        number += c;
      } else if (c == '.' && !number.empty()) {
        out += sep.component + number;
        number.clear();
      } else if (c == '[') {  // a repetition: ERL has no place for it here; skip "[n]"
        const std::size_t close = location.find(']', i);
        if (close == std::string_view::npos) break;
        i = close;
      } else {
        break;
      }
    }
  }
  return out;
}

std::string build_ack(const formats::Hl7Header* request, AckCode code, std::string_view text,
                      const std::vector<AckError>& errors, const AckContext& context) {
  const formats::Hl7Separators sep;  // the ACK always uses the standard separators
  const bool enhanced = request != nullptr && request->enhanced_ack_mode();
  const std::string trigger = request != nullptr ? request->trigger_event : std::string();
  std::string ack = "MSH|^~\\&|";
  ack += escaped(context.sending_application, sep) + "|" + escaped(context.sending_facility, sep) + "|";
  if (request != nullptr) {
    // The receiver of the ACK is the sender of the message (MSH-3/4 are HD: keep components).
    ack += request->sending_application + "|" + request->sending_facility + "|";
  } else {
    ack += "||";
  }
  ack += context.timestamp + "||ACK";
  if (!trigger.empty()) ack += "^" + escaped(trigger, sep) + "^ACK";
  ack += "|" + escaped(context.control_id, sep) + "|";
  ack += request != nullptr && !request->processing_id.empty() ? escaped(request->processing_id, sep) : "P";
  ack += "|";
  ack += request != nullptr && !request->version.empty() ? escaped(request->version, sep) : "2.5";
  ack += "\rMSA|";
  ack += code_text(code, enhanced);
  ack += "|";
  if (request != nullptr) ack += escaped(request->control_id, sep);
  if (!text.empty()) ack += "|" + escaped(text.substr(0, 80), sep);
  for (const AckError& e : errors) {
    // ERR-2 location, ERR-3 code (HL7 table 0357), ERR-4 severity, ERR-8 user message.
    ack += "\rERR||" + error_location(e.location, sep) + "|" + std::to_string(e.code) + "^" +
           (e.code == 101 ? "Required field missing" : e.code == 102 ? "Data type error"
            : e.code == 103 ? "Table value not found" : e.code == 200 ? "Unsupported message type"
            : "Application internal error") +
           "^HL70357|E||||" + escaped(e.location.empty() ? e.message : e.location + ": " + e.message, sep);
  }
  return ack;
}

}  // namespace kq::his
