#include "his_mllp.hpp"

#include <algorithm>
#include <ctime>
#include <memory>

namespace his {

namespace {

// What decode() learns for the ACK of the same message.
struct MllpState {
  AckHeader header;
};

std::string timestamp_now() {
  // HL7 DTM in China Standard Time, which is what hospital systems expect to read.
  const std::time_t t = std::time(nullptr) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S+0800", &tm);
  return buf;
}

std::size_t code_points(std::string_view utf8) {
  std::size_t n = 0;
  for (const char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// The first control character of `text` (U+0000–U+001F, U+007F), or -1.
int control_character(std::string_view text) {
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) return b;
  }
  return -1;
}

// The first `n` characters of a UTF-8 text.
std::string utf8_prefix(std::string_view utf8, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t seen = 0; i < utf8.size(); ++i) {
    if ((static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80 && seen++ == n) break;
  }
  return std::string(utf8.substr(0, i));
}

std::string hex_code(int byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("U+00") + kHex[(byte >> 4) & 0xF] + kHex[byte & 0xF];
}

}  // namespace

HisMllp::HisMllp(const kangqiao::Host& host, const kangqiao::Config& config)
    : charset_(config.string("charset").value_or("")) {
  ack_.sending_application = config.string("application").value_or("KANGQIAO");
  ack_.sending_facility = config.string("facility").value_or("");
  ack_.max_errors = static_cast<std::size_t>(config.integer("max_err_segments").value_or(50));
  max_control_id_ = static_cast<std::size_t>(config.integer("max_control_id_length").value_or(199));
  for (const auto& t : config.list("message_types")) {
    if (t.size() < 7 || t[3] != '^') {
      throw kangqiao::PluginError("message_types: '" + t + "' is not TYPE^EVENT (e.g. ADT^A01)");
    }
    accepted_.insert(t);
  }
  if (accepted_.empty()) accepted_ = {"ADT^A01", "ADT^A03", "ADT^A04", "ADT^A08", "ADT^A40", "ORU^R01"};
  auto path = [&host](const char* text) { return host.compile_path("hl7v2", text); };
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i + 1);
    paths_.sending_application[i] = path(("MSH-3." + n).c_str());
    paths_.sending_facility[i] = path(("MSH-4." + n).c_str());
  }
  paths_.sending_application_field = path("MSH-3");
  paths_.sending_facility_field = path("MSH-4");
  paths_.message_type = path("MSH-9.1");
  paths_.trigger_event = path("MSH-9.2");
  paths_.control_id = path("MSH-10");
  paths_.control_id_repetitions = path("MSH-10[*]");
  paths_.processing_id = path("MSH-11.1");
  paths_.version = path("MSH-12.1");
  paths_.accept_ack_type = path("MSH-15");
  paths_.application_ack_type = path("MSH-16");
  host.add_mllp_route();
}

AckHeader HisMllp::read_header(const kangqiao::Document& message) const {
  AckHeader h;
  for (int i = 0; i < 3; ++i) {
    h.sending_application.emplace_back(message.text(paths_.sending_application[i]));
    h.sending_facility.emplace_back(message.text(paths_.sending_facility[i]));
  }
  h.trigger_event = message.text(paths_.trigger_event);
  h.control_id = message.text(paths_.control_id);
  h.processing_id = message.text(paths_.processing_id);
  h.version = message.text(paths_.version);
  h.enhanced = !message.text(paths_.accept_ack_type).empty() || !message.text(paths_.application_ack_type).empty();
  return h;
}

AckHeader HisMllp::header_of_unparsable(std::string_view payload, kangqiao::DecodeSink& out) const {
  const std::string_view msh = payload.substr(0, payload.find_first_of("\r\n"));
  if (msh.substr(0, 3) != "MSH") return {};
  try {
    return read_header(out.parse("hl7v2", msh, charset_));
  } catch (const kangqiao::ParseFailure&) {
    return {};  // not even MSH can be read: the ACK goes out with defaults and an empty MSA-2
  }
}

void HisMllp::decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) {
  MllpState& state = out.keep(std::make_unique<MllpState>());
  std::optional<kangqiao::Document> parsed;
  try {
    // The whole message, not just MSH: a structure or charset error is refused here (AR) with its
    // exact place, where the mapping engine would report it once per candidate mapping.
    parsed.emplace(out.parse("hl7v2", in.payload(), charset_));
  } catch (const kangqiao::ParseFailure& failure) {
    state.header = header_of_unparsable(in.payload(), out);
    out.reject(failure.detail());
    return;
  }
  const kangqiao::Document& message = *parsed;
  state.header = read_header(message);

  // The control id is the dedupe key's last part and is echoed in MSA-2: one value, of sane
  // length, without control characters.
  const std::string& control_id = state.header.control_id;
  if (message.value(paths_.control_id_repetitions, 1)) {
    out.reject(KQ_ERROR_DATA_TYPE, "MSH-10", "the message control id must be one value; it has repetitions (~)");
    return;
  }
  if (const std::size_t length = code_points(control_id); length > max_control_id_) {
    out.reject(KQ_ERROR_TOO_LONG, "MSH-10",
               "the message control id is " + std::to_string(length) + " characters long; at most " +
                   std::to_string(max_control_id_) + " are accepted");
    return;
  }
  if (const int c = control_character(control_id); c >= 0) {
    out.reject(KQ_ERROR_DATA_TYPE, "MSH-10", "the message control id holds the control character " + hex_code(c));
    return;
  }
  const std::string type(message.text(paths_.message_type));
  const std::string& event = state.header.trigger_event;
  if (accepted_.count(type + "^" + event) == 0) {
    const bool type_known = std::any_of(accepted_.begin(), accepted_.end(),
                                        [&type](const std::string& t) { return t.compare(0, 4, type + "^") == 0; });
    if (type_known) {
      out.reject(KQ_ERROR_UNSUPPORTED_EVENT, "MSH-9.2",
                 "trigger event " + event + " of " + type + " is not accepted on this channel");
    } else {
      out.reject(KQ_ERROR_UNSUPPORTED, "MSH-9", "message type " + type + "^" + event + " is not accepted on this channel");
    }
    return;
  }

  out.set_message_key(std::string(message.text(paths_.sending_application_field)) + "|" +
                      std::string(message.text(paths_.sending_facility_field)) + "|" + control_id);
  out.emit(message);
}

void HisMllp::acknowledge(const kangqiao::Inbound&, const kangqiao::Outcome& outcome, kangqiao::AckSink& out) {
  const MllpState* state = outcome.state<MllpState>();
  AckHeader header = state != nullptr ? state->header : AckHeader{};
  // MSA-2 echoes the control id, but never more of it than would be accepted: a 5,000-character
  // id in a message refused for any reason does not come back 5,000 characters long.
  header.control_id = utf8_prefix(header.control_id, max_control_id_);
  AckContext context = ack_;
  context.timestamp = timestamp_now();
  context.control_id = ack_control_id(outcome);
  std::vector<kangqiao::ErrorDetail> errors;
  AckCode code = AckCode::accept;
  std::string text;
  switch (outcome.kind()) {
    case KQ_OUTCOME_COMMITTED:
    case KQ_OUTCOME_DUPLICATE:
      break;
    case KQ_OUTCOME_CONTENT_ERROR:
      code = AckCode::error;
      errors = outcome.errors();
      text = "message stored for review; correct and resend";
      break;
    case KQ_OUTCOME_REJECTED:
      code = AckCode::reject;
      errors = outcome.errors();
      break;
    case KQ_OUTCOME_CONFLICT:
      code = AckCode::reject;
      text = "message control id already used for a different message";
      errors.push_back({KQ_ERROR_DUPLICATE_KEY, "MSH-10", std::string(outcome.reason())});
      break;
    case KQ_OUTCOME_NOTHING_TO_DO:  // never asked for by this adapter; never positive either
    case KQ_OUTCOME_TRANSIENT:
      // Never positive: the sender must resend, and dedupe makes the resend safe.
      code = AckCode::error;
      text = "not stored, please resend";
      errors.push_back({KQ_ERROR_INTERNAL, "", "not stored; send the message again"});
      break;
  }
  out.content_type("application/hl7-v2");
  out.write(build_ack(header, code, text, errors, context));
}

std::string HisMllp::ack_control_id(const kangqiao::Outcome& outcome) {
  std::string id = "KQ";
  for (const char c : outcome.message_id()) {
    if (c != '-' && id.size() < 22) id += c;
  }
  if (id.size() == 2) id += std::to_string(++counter_);
  return id;
}

}  // namespace his
