// his: hospital HIS systems push to the gateway, over one of two transports (config `transport`):
//  - mllp: HL7 v2. The plugin checks the envelope (MSH), names the message for dedupe
//    (MSH-3|MSH-4|MSH-10), hands the message to the host's mapping engine as an "hl7v2" document,
//    and after the host's commit answers with an ACK: AA/CA only when the raw message, the
//    records, the dedupe key and the audit row are committed; AE/CE with ERR segments for content
//    errors; AR/CR for messages that cannot be accepted.
//  - https: CDA-style XML documents and JSON visit records POSTed over mutual TLS (http_push.hpp),
//    answered 201 after commit or with RFC 7807 problem JSON.
#include <kangqiao/plugin.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <set>
#include <string>

#include "adapters/his/hl7_ack.hpp"
#include "adapters/his/http_push.hpp"
#include "gateway/formats/hl7v2/message.hpp"

namespace {

const char* const kCharsets[] = {"", "UTF-8", "GB18030", "GBK", nullptr};
const char* const kTransports[] = {"mllp", "https", nullptr};

const kq_field_spec kFields[] = {
    {sizeof(kq_field_spec), "transport", KQ_FIELD_ENUM, 0, "mllp",
     "mllp: HL7 v2 frames on an MLLP listener; https: POST routes for XML documents and JSON "
     "records on an HTTP(S) listener (use one with mutual TLS).", 0, 0, 0, kTransports},
    {sizeof(kq_field_spec), "documents_path", KQ_FIELD_STRING, 0, "/v1/his/documents",
     "https: URL path of the POST route for CDA-style XML documents.", 0, 0, 0, nullptr},
    {sizeof(kq_field_spec), "records_path", KQ_FIELD_STRING, 0, "/v1/his/records",
     "https: URL path of the POST route for JSON visit records.", 0, 0, 0, nullptr},
    {sizeof(kq_field_spec), "charset", KQ_FIELD_ENUM, 0, "",
     "Character set for senders that leave MSH-18 empty (GB18030 for many Chinese HIS); "
     "empty: UTF-8.", 0, 0, 0, kCharsets},
    {sizeof(kq_field_spec), "message_types", KQ_FIELD_STRING_LIST, 0, nullptr,
     "Accepted MSH-9 types as TYPE^EVENT; default ADT^A01, A03, A04, A08, A40 and ORU^R01.", 0, 0, 0,
     nullptr},
    {sizeof(kq_field_spec), "application", KQ_FIELD_STRING, 0, "KANGQIAO",
     "MSH-3 of the acknowledgements the gateway sends.", 0, 0, 0, nullptr},
    {sizeof(kq_field_spec), "facility", KQ_FIELD_STRING, 0, "",
     "MSH-4 of the acknowledgements the gateway sends.", 0, 0, 0, nullptr},
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

// Rejection reasons travel as "LOCATION: text" so the ACK can place them in ERR-2.
std::pair<std::string, std::string> split_reason(std::string_view reason) {
  const std::size_t colon = reason.find(": ");
  if (colon != std::string_view::npos && colon <= 12 && reason.substr(0, colon).find(' ') == std::string_view::npos) {
    return {std::string(reason.substr(0, colon)), std::string(reason.substr(colon + 2))};
  }
  return {std::string(), std::string(reason)};
}

int error_code_for(std::string_view location, std::string_view message) {
  if (location.rfind("MSH-9", 0) == 0) return 200;
  if (message.find("required") != std::string_view::npos || message.find("missing") != std::string_view::npos) {
    return 101;
  }
  if (message.find("code") != std::string_view::npos || message.find("value set") != std::string_view::npos) {
    return 103;
  }
  return 207;
}

class HisAdapter final : public kangqiao::Adapter {
 public:
  HisAdapter(const kangqiao::Host& host, const kangqiao::Config& config)
      : charset_(config.string("charset").value_or("")),
        application_(config.string("application").value_or("KANGQIAO")),
        facility_(config.string("facility").value_or("")) {
    for (const auto& t : config.list("message_types")) {
      if (t.size() < 7 || t[3] != '^') {
        throw kangqiao::PluginError("message_types: '" + t + "' is not TYPE^EVENT (e.g. ADT^A01)");
      }
      accepted_.insert(t);
    }
    if (accepted_.empty()) {
      accepted_ = {"ADT^A01", "ADT^A03", "ADT^A04", "ADT^A08", "ADT^A40", "ORU^R01"};
    }
    if (config.string("transport").value_or("mllp") == "https") {
      kq::his::PushRoutes routes;
      routes.documents_path = config.string("documents_path").value_or(routes.documents_path);
      routes.records_path = config.string("records_path").value_or(routes.records_path);
      for (const std::string* path : {&routes.documents_path, &routes.records_path}) {
        if (path->empty() || (*path)[0] != '/') {
          throw kangqiao::PluginError("route paths must start with '/', got '" + *path + "'");
        }
      }
      if (routes.documents_path == routes.records_path) {
        throw kangqiao::PluginError("documents_path and records_path must differ, both are '" +
                                    routes.documents_path + "'");
      }
      push_ = std::make_unique<kq::his::HttpPush>(routes);
      host.add_http_route("POST", push_->routes().documents_path.c_str());
      host.add_http_route("POST", push_->routes().records_path.c_str());
    } else {
      host.add_mllp_route();
    }
  }

  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) override {
    if (in.raw->transport == KQ_TRANSPORT_HTTP && push_) {
      push_->decode(in, out);
      return;
    }
    // The whole message, not just MSH: a structure or charset error is refused here (AR) with
    // its exact place, where the mapping engine would report it once per candidate mapping.
    kq::formats::ParseError error;
    kq::formats::ParseOptions options;
    options.charset = charset_;
    auto message = kq::formats::Hl7Message::parse(in.payload(), options, error);
    if (!message) {
      out.reject((error.location.empty() ? std::string() : error.location + ": ") + error.message);
      return;
    }
    const auto& h = message->header();
    const std::string type = h.message_type + "^" + h.trigger_event;
    if (accepted_.count(type) == 0) {
      out.reject("MSH-9: message type " + type + " is not accepted on this channel");
      return;
    }
    out.set_message_key(h.sending_application + "|" + h.sending_facility + "|" + h.control_id);
    // The mapping engine parses again with the same charset rule; the format carries the
    // channel's override so GB 18030 senders without MSH-18 map correctly.
    out.emit(charset_.empty() ? "hl7v2" : ("hl7v2;charset=" + charset_).c_str(), in.payload());
  }

  void acknowledge(const kangqiao::Inbound& in, const kangqiao::Outcome& outcome,
                   kangqiao::AckSink& out) override {
    if (in.raw->transport == KQ_TRANSPORT_HTTP && push_) {
      push_->acknowledge(in, outcome, out);
      return;
    }
    kq::formats::ParseError error;
    auto message = parse_header(in.payload(), error);  // MSH addresses the reply
    const kq::formats::Hl7Header* header = message ? &message->header() : nullptr;
    kq::his::AckContext context{application_, facility_, timestamp_now(), ack_control_id(outcome)};
    std::vector<kq::his::AckError> errors;
    kq::his::AckCode code = kq::his::AckCode::accept;
    std::string text;
    switch (outcome.kind()) {
      case KQ_OUTCOME_COMMITTED:
      case KQ_OUTCOME_DUPLICATE:
        break;
      case KQ_OUTCOME_CONTENT_ERROR:
        code = kq::his::AckCode::error;
        for (const kq_field_error& e : outcome.errors()) {
          const std::string location(kangqiao::view(e.location));
          const std::string message_text(kangqiao::view(e.message));
          errors.push_back({location, message_text, error_code_for(location, message_text)});
        }
        text = "message stored for review; correct and resend";
        break;
      case KQ_OUTCOME_REJECTED: {
        code = kq::his::AckCode::reject;
        auto [location, reason] = split_reason(outcome.reason());
        errors.push_back({location, reason, error_code_for(location, reason)});
        break;
      }
      case KQ_OUTCOME_CONFLICT:
        code = kq::his::AckCode::reject;
        text = "message control id already used for a different message";
        break;
      case KQ_OUTCOME_TRANSIENT:
        // Never positive: the sender must resend, and dedupe makes the resend safe.
        code = kq::his::AckCode::error;
        text = "not stored, please resend";
        break;
    }
    out.content_type("application/hl7-v2");
    out.write(kq::his::build_ack(header, code, text, errors, context));
  }

 private:
  std::unique_ptr<kq::formats::Hl7Message> parse_header(std::string_view payload,
                                                        kq::formats::ParseError& error) const {
    kq::formats::ParseOptions options;
    options.charset = charset_;
    return kq::formats::Hl7Message::parse_header(payload, options, error);
  }

  std::string ack_control_id(const kangqiao::Outcome& outcome) {
    std::string id = "KQ";
    for (char c : outcome.message_id()) {
      if (c != '-' && id.size() < 22) id += c;
    }
    if (id.size() == 2) id += std::to_string(++counter_);
    return id;
  }

  std::string charset_;
  std::string application_;
  std::string facility_;
  std::set<std::string> accepted_;
  std::unique_ptr<kq::his::HttpPush> push_;  // set when transport is https
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace

KQ_DEFINE_PLUGIN(HisAdapter, "his", "0.2.0",
                 "Hospital HIS: HL7 v2 over MLLP, or CDA XML and JSON over HTTPS; answered after commit.",
                 kFields)
