#include "hl7_ack.hpp"

#include <cctype>

namespace his {

namespace {

const char* code_text(AckCode code, bool enhanced) {
  switch (code) {
    case AckCode::accept: return enhanced ? "CA" : "AA";
    case AckCode::error: return enhanced ? "CE" : "AE";
    case AckCode::reject: return enhanced ? "CR" : "AR";
  }
  return "AR";
}

const char* condition_text(int code) {
  switch (code) {
    case 100: return "Segment sequence error";
    case 101: return "Required field missing";
    case 102: return "Data type error";
    case 103: return "Table value not found";
    case 104: return "Value too long";
    case 200: return "Unsupported message type";
    case 201: return "Unsupported event code";
    case 204: return "Unknown key identifier";
    case 205: return "Duplicate key identifier";
    default: return "Application internal error";
  }
}

// An HD field (MSH-3/4) from its components, each escaped.
std::string hd(const std::vector<std::string>& components) {
  std::string out;
  std::size_t used = components.size();
  while (used > 0 && components[used - 1].empty()) --used;  // no trailing ^
  for (std::size_t i = 0; i < used; ++i) {
    if (i > 0) out += '^';
    out += escaped(components[i]);
  }
  return out;
}

std::string err_segment(const kangqiao::ErrorDetail& e) {
  const int code = condition_code(e.kind);
  // ERR-2 location, ERR-3 condition (HL7 table 0357), ERR-4 severity, ERR-8 user message.
  return "\rERR||" + error_location(e.location) + "|" + std::to_string(code) + "^" + condition_text(code) +
         "^HL70357|E||||" + escaped(e.location.empty() ? e.reason : e.location + ": " + e.reason);
}

}  // namespace

std::string escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '|': out += "\\F\\"; break;
      case '^': out += "\\S\\"; break;
      case '~': out += "\\R\\"; break;
      case '\\': out += "\\E\\"; break;
      case '&': out += "\\T\\"; break;
      case '\r':
      case '\n': out += ' '; break;  // a segment break can never be echoed
      default:
        // Nor can other control characters (NUL, ESC …): a receiver's parser or terminal may act
        // on them.
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? '?' : c;
    }
  }
  return out;
}

int condition_code(kq_error_kind kind) {
  switch (kind) {
    case KQ_ERROR_REQUIRED: return 101;
    case KQ_ERROR_DATA_TYPE: return 102;
    case KQ_ERROR_CODE_UNKNOWN: return 103;
    case KQ_ERROR_TOO_LONG: return 104;
    case KQ_ERROR_STRUCTURE: return 100;
    case KQ_ERROR_UNSUPPORTED: return 200;
    case KQ_ERROR_UNSUPPORTED_EVENT: return 201;
    case KQ_ERROR_UNKNOWN_KEY: return 204;
    case KQ_ERROR_DUPLICATE_KEY: return 205;
    case KQ_ERROR_INTERNAL:
    case KQ_ERROR_NOT_PERMITTED: return 207;
    case KQ_ERROR_UNSPECIFIED: return 102;  // a content problem the gateway did not classify
  }
  return 102;
}

std::string error_location(std::string_view location) {
  // In:  segment ["[" occurrence "]"] ["-" field ["[" repetition "]"] ["." component ["." sub]]]
  // Out: ERL = segment ^ sequence ^ field ^ field repetition ^ component ^ subcomponent, trailing
  // parts left off when the location does not go that deep.
  std::size_t i = 0;
  auto digits = [&]() {
    std::string n;
    while (i < location.size() && std::isdigit(static_cast<unsigned char>(location[i])) != 0) n += location[i++];
    return n;
  };
  auto bracketed = [&](std::string& out) {
    if (i >= location.size() || location[i] != '[') return true;
    ++i;
    out = digits();
    if (i >= location.size() || location[i] != ']' || out.empty()) return false;
    ++i;
    return true;
  };
  std::string segment;
  while (i < location.size() && std::isalnum(static_cast<unsigned char>(location[i])) != 0 && segment.size() < 3) {
    segment += location[i++];
  }
  std::string occurrence = "1";
  if (segment.size() != 3 || !bracketed(occurrence)) return {};
  std::string out = segment + "^" + occurrence;
  if (i >= location.size() || location[i] != '-') return out;
  ++i;
  const std::string field = digits();
  if (field.empty()) return out;
  out += "^" + field;
  std::string repetition = "1";
  if (!bracketed(repetition)) return out;
  if (i >= location.size() || location[i] != '.') {
    return repetition == "1" ? out : out + "^" + repetition;
  }
  out += "^" + repetition;
  for (int depth = 0; depth < 2 && i < location.size() && location[i] == '.'; ++depth) {
    ++i;
    const std::string part = digits();
    if (part.empty()) break;
    out += "^" + part;
  }
  return out;
}

std::string build_ack(const AckHeader& request, AckCode code, std::string_view text,
                      const std::vector<kangqiao::ErrorDetail>& errors, const AckContext& context) {
  std::string ack = "MSH|^~\\&|";
  ack += escaped(context.sending_application) + "|" + escaped(context.sending_facility) + "|";
  // The receiver of the ACK is the sender of the message.
  ack += hd(request.sending_application) + "|" + hd(request.sending_facility) + "|";
  ack += context.timestamp + "||ACK";
  if (!request.trigger_event.empty()) ack += "^" + escaped(request.trigger_event) + "^ACK";
  ack += "|" + escaped(context.control_id) + "|";
  ack += request.processing_id.empty() ? "P" : escaped(request.processing_id);
  ack += "|";
  ack += request.version.empty() ? "2.5" : escaped(request.version);
  ack += "\rMSA|";
  ack += code_text(code, request.enhanced);
  ack += "|" + escaped(request.control_id);
  if (!text.empty()) ack += "|" + escaped(text.substr(0, 80));
  // A message can carry thousands of errors; the reply stays bounded, the dead letter keeps all.
  const bool capped = context.max_errors > 0 && errors.size() > context.max_errors;
  const std::size_t shown = capped ? context.max_errors - 1 : errors.size();
  for (std::size_t i = 0; i < shown; ++i) ack += err_segment(errors[i]);
  if (capped) {
    const std::size_t left_out = errors.size() - shown;
    ack += err_segment({errors[shown].kind, "",
                        std::to_string(left_out) + " more errors not shown; the gateway keeps them all with "
                                                   "the stored message"});
  }
  return ack;
}

}  // namespace his
