// example_echo: the smallest useful Kangqiao plugin.
//
// It serves one HTTP route. The request body is one canonical record or an array of them
// (JSON); the plugin hands the body to the host as a "canonical+json" document, uses the
// Idempotency-Key header as the message key, and answers the sender after the host's commit:
// 201 with the stored ids, 200 for an identical resend, RFC 7807 problem JSON otherwise.
// Everything else (TLS, limits, the transaction, dedupe, audit) is the host's work.
#include <kangqiao/plugin.hpp>

#include <string>

namespace {

const char* const kNoEnum[] = {nullptr};

const kq_field_spec kFields[] = {
    {sizeof(kq_field_spec), "path", KQ_FIELD_STRING, 0, "/example/records",
     "URL path of the POST route that receives records.", 0, 0, 0, nullptr},
    {sizeof(kq_field_spec), "require_organisation", KQ_FIELD_BOOL, 0, "true",
     "Reject requests that did not authenticate with a client certificate mapped to an "
     "organisation.", 0, 0, 0, nullptr},
    {sizeof(kq_field_spec), "max_body_bytes", KQ_FIELD_BYTES, 0, "1MiB",
     "Largest request body the route accepts.", 1, 1, 64 * 1024 * 1024, nullptr},
};

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xF];
          out += hex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string quoted(std::string_view s) { return "\"" + json_escape(s) + "\""; }

class EchoAdapter final : public kangqiao::Adapter {
 public:
  EchoAdapter(const kangqiao::Host& host, const kangqiao::Config& config)
      : require_organisation_(config.boolean("require_organisation").value_or(true)),
        max_body_bytes_(config.integer("max_body_bytes").value_or(1 << 20)) {
    const std::string path = config.string("path").value_or("/example/records");
    if (path.empty() || path[0] != '/') {
      throw kangqiao::PluginError("path must start with '/', got '" + path + "'");
    }
    host.add_http_route("POST", path.c_str());
  }

  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) override {
    if (require_organisation_ && in.peer_organisation().empty()) {
      out.reject("this route needs a client certificate mapped to an organisation");
      return;
    }
    if (in.payload().size() > static_cast<std::size_t>(max_body_bytes_)) {
      out.reject("body is larger than max_body_bytes");
      return;
    }
    if (in.content_type().find("json") == std::string_view::npos) {
      out.reject("Content-Type must be application/json");
      return;
    }
    if (!in.idempotency_key().empty()) out.set_message_key(in.idempotency_key());
    out.emit("canonical+json", in.payload());
  }

  void acknowledge(const kangqiao::Inbound&, const kangqiao::Outcome& outcome,
                   kangqiao::AckSink& out) override {
    switch (outcome.kind()) {
      case KQ_OUTCOME_COMMITTED:
      case KQ_OUTCOME_DUPLICATE: {
        std::string body = "{\"message_id\":" + quoted(outcome.message_id()) + ",\"record_ids\":[";
        bool first = true;
        for (const kq_str& id : outcome.record_ids()) {
          if (!first) body += ",";
          body += quoted(kangqiao::view(id));
          first = false;
        }
        body += "],\"duplicate\":";
        body += outcome.kind() == KQ_OUTCOME_DUPLICATE ? "true}" : "false}";
        out.status(outcome.kind() == KQ_OUTCOME_DUPLICATE ? 200 : 201);
        out.content_type("application/json");
        out.write(body);
        return;
      }
      case KQ_OUTCOME_CONTENT_ERROR: problem(out, 422, "Unprocessable record", outcome); return;
      case KQ_OUTCOME_REJECTED: problem(out, 400, "Request rejected", outcome); return;
      case KQ_OUTCOME_CONFLICT: problem(out, 409, "Idempotency-Key reused", outcome); return;
      case KQ_OUTCOME_TRANSIENT: problem(out, 503, "Not stored, retry later", outcome); return;
    }
    problem(out, 500, "Unknown outcome", outcome);
  }

 private:
  static void problem(kangqiao::AckSink& out, int status, const char* title,
                      const kangqiao::Outcome& outcome) {
    std::string body = "{\"type\":\"about:blank\",\"title\":" + quoted(title) +
                       ",\"status\":" + std::to_string(status);
    if (!outcome.reason().empty()) body += ",\"detail\":" + quoted(outcome.reason());
    if (!outcome.message_id().empty()) body += ",\"message_id\":" + quoted(outcome.message_id());
    body += ",\"errors\":[";
    bool first = true;
    for (const kq_field_error& e : outcome.errors()) {
      if (!first) body += ",";
      body += "{\"field\":" + quoted(kangqiao::view(e.location)) +
              ",\"reason\":" + quoted(kangqiao::view(e.message)) + "}";
      first = false;
    }
    body += "]}";
    out.status(status);
    out.content_type("application/problem+json");
    out.write(body);
  }

  bool require_organisation_;
  std::int64_t max_body_bytes_;
};

}  // namespace

KQ_DEFINE_PLUGIN(EchoAdapter, "example_echo", "1.0.0",
                 "Receives canonical records as JSON over HTTPS and answers after commit.",
                 kFields)
