// example_echo: the smallest useful Kangqiao plugin.
//
// It serves one HTTP route. The request body is one canonical record or an array of them
// (JSON); the plugin hands the body to the host as a "canonical+json" document, uses the
// Idempotency-Key header as the message key (the host scopes it to the sender's organisation),
// and answers the sender after the host's commit: 201 with the stored ids, 200 for an identical
// resend, problem JSON otherwise. Everything else (TLS, roles, limits, the transaction, dedupe,
// audit) is the host's work.
#include <kangqiao/json.hpp>
#include <kangqiao/plugin.hpp>

#include <string>

namespace {

using kangqiao::Field;

constexpr kq_field_spec kFields[] = {
    Field::string("path").defaults("/example/records").describe("URL path of the POST route that receives records."),
    Field::boolean("require_organisation")
        .defaults("true")
        .describe("Reject requests that did not authenticate with a client certificate mapped to an organisation."),
    Field::bytes("max_body_bytes")
        .defaults("1MiB")
        .range(1, 64 * 1024 * 1024)
        .describe("Largest request body the route accepts."),
};

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
    if (require_organisation_ && in.organisation().empty()) {
      out.reject(KQ_ERROR_NOT_PERMITTED, "", "this route needs a client certificate mapped to an organisation");
      return;
    }
    if (in.payload().size() > static_cast<std::size_t>(max_body_bytes_)) {
      out.reject(KQ_ERROR_TOO_LONG, "", "body is larger than max_body_bytes");
      return;
    }
    if (in.content_type().find("json") == std::string_view::npos) {
      out.reject(KQ_ERROR_UNSUPPORTED, "Content-Type", "must be application/json");
      return;
    }
    if (!in.idempotency_key().empty()) out.set_message_key(in.idempotency_key());
    out.emit("canonical+json", in.payload());
  }

  void acknowledge(const kangqiao::Inbound&, const kangqiao::Outcome& outcome, kangqiao::AckSink& out) override {
    switch (outcome.kind()) {
      case KQ_OUTCOME_COMMITTED:
      case KQ_OUTCOME_DUPLICATE: {
        kangqiao::json::Array ids;
        for (const kq_str& id : outcome.record_ids()) ids.add(kangqiao::view(id));
        kangqiao::json::Object body;
        body.add("message_id", outcome.message_id())
            .add("record_ids", ids)
            .add_raw("duplicate", outcome.kind() == KQ_OUTCOME_DUPLICATE ? "true" : "false");
        out.status(outcome.kind() == KQ_OUTCOME_DUPLICATE ? 200 : 201);
        out.content_type("application/json");
        out.write(body.str());
        return;
      }
      case KQ_OUTCOME_CONTENT_ERROR: problem(out, 422, "Unprocessable record", outcome); return;
      case KQ_OUTCOME_REJECTED: problem(out, rejected_status(outcome), "Request rejected", outcome); return;
      case KQ_OUTCOME_CONFLICT: problem(out, 409, "Idempotency-Key reused", outcome); return;
      case KQ_OUTCOME_TRANSIENT: problem(out, 503, "Not stored, retry later", outcome); return;
      case KQ_OUTCOME_NOTHING_TO_DO: break;  // never asked for by this plugin
    }
    problem(out, 500, "Unknown outcome", outcome);
  }

 private:
  static int rejected_status(const kangqiao::Outcome& outcome) {
    const auto errors = outcome.errors();
    if (errors.empty()) return 400;
    switch (errors.front().kind) {
      case KQ_ERROR_NOT_PERMITTED: return 403;
      case KQ_ERROR_TOO_LONG: return 413;
      case KQ_ERROR_UNSUPPORTED: return 415;
      case KQ_ERROR_INTERNAL: return 500;
      default: return 400;
    }
  }

  static void problem(kangqiao::AckSink& out, int status, const char* title, const kangqiao::Outcome& outcome) {
    kangqiao::json::Object body;
    body.add("type", "about:blank").add("title", title).add("status", status);
    if (!outcome.reason().empty()) body.add("detail", outcome.reason());
    if (!outcome.message_id().empty()) body.add("message_id", outcome.message_id());
    kangqiao::json::Array errors;
    for (const kangqiao::ErrorDetail& e : outcome.errors()) {
      errors.add_raw(kangqiao::json::Object()
                         .add("field", e.location)
                         .add("reason", e.reason)
                         .add("kind", kangqiao::error_kind_name(e.kind))
                         .str());
    }
    body.add("errors", errors);
    out.status(status);
    out.content_type("application/problem+json");
    out.write(body.str());
  }

  bool require_organisation_;
  std::int64_t max_body_bytes_;
};

constexpr kangqiao::PluginInfo kInfo{
    .name = "example_echo",
    .version = "1.1.0",
    .description = "Receives canonical records as JSON over HTTPS and answers after commit.",
    .fields = kFields,
};

}  // namespace

KQ_DEFINE_PLUGIN(kInfo, EchoAdapter)
