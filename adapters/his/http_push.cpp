#include "adapters/his/http_push.hpp"

#include <algorithm>
#include <cctype>

#include "gateway/formats/json/format.hpp"
#include "gateway/formats/xml/format.hpp"

namespace kq::his {

namespace {

// Where a CDA document (WS/T 500) names the organisation that keeps it.
constexpr const char* kCustodianId =
    "/hl7:ClinicalDocument/hl7:custodian/hl7:assignedCustodian/"
    "hl7:representedCustodianOrganization/hl7:id/@extension";
// Where a JSON visit record (README.md, "JSON visit records") names its hospital.
constexpr const char* kJsonOrganisation = "/hospital/creditCode";

constexpr std::size_t kMaxIdempotencyKey = 200;

std::unique_ptr<formats::Path> compile(const formats::Format& format, const char* text) {
  std::string error;
  auto path = format.compile_path(text, error);
  if (!path) throw kangqiao::PluginError(std::string("internal path ") + text + ": " + error);
  return path;
}

// "Application/XML; charset=UTF-8" → "application/xml"
std::string media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.remove_suffix(1);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) type.remove_prefix(1);
  std::string out(type);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_xml_type(const std::string& type) {
  return type == "application/xml" || type == "text/xml" || (type.rfind("application/", 0) == 0 && ends_with(type, "+xml"));
}

bool is_json_type(const std::string& type) {
  return type == "application/json" || (type.rfind("application/", 0) == 0 && ends_with(type, "+json"));
}

bool valid_idempotency_key(std::string_view key) {
  if (key.size() > kMaxIdempotencyKey) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Problem make(int status, const char* slug, const char* title, std::string detail,
             std::vector<ProblemError> errors = {}) {
  Problem p;
  p.status = status;
  p.slug = slug;
  p.title = title;
  p.detail = std::move(detail);
  p.errors = std::move(errors);
  return p;
}

void reply(kangqiao::AckSink& out, const Problem& problem) {
  out.status(problem.status);
  out.content_type("application/problem+json");
  out.write(problem_json(problem));
}

}  // namespace

HttpPush::HttpPush(PushRoutes routes)
    : routes_(std::move(routes)),
      cda_custodian_(compile(formats::xml_format(), kCustodianId)),
      json_organisation_(compile(formats::json_format(), kJsonOrganisation)) {}

HttpPush::Route HttpPush::route_of(const kangqiao::Inbound& in) const {
  if (in.channel() == routes_.documents_path) return Route::documents;
  if (in.channel() == routes_.records_path) return Route::records;
  return Route::unknown;
}

std::optional<Problem> HttpPush::refusal(const kangqiao::Inbound& in) const {
  const Route route = route_of(in);
  if (route == Route::unknown) {
    return make(404, "not-found", "Not found", "no his route at " + std::string(in.channel()));
  }
  if (kangqiao::view(in.raw->peer_principal).empty()) {
    return make(401, "unauthenticated", "Client certificate required",
                "push with the client certificate your organisation was issued (curl --cert/--key)");
  }
  if (in.peer_organisation().empty()) {
    return make(403, "no-organisation", "Forbidden",
                "principal '" + std::string(kangqiao::view(in.raw->peer_principal)) +
                    "' has no organisation configured, so its records could not be attributed");
  }
  const std::string type = media_type(in.content_type());
  if (route == Route::documents && !is_xml_type(type)) {
    return make(415, "unsupported-media-type", "Unsupported media type",
                "send XML documents with Content-Type application/xml (or text/xml), not '" + type + "'",
                {{"Content-Type", "must be application/xml or text/xml"}});
  }
  if (route == Route::records && !is_json_type(type)) {
    return make(415, "unsupported-media-type", "Unsupported media type",
                "send JSON records with Content-Type application/json, not '" + type + "'",
                {{"Content-Type", "must be application/json"}});
  }
  if (!valid_idempotency_key(in.idempotency_key())) {
    return make(400, "bad-idempotency-key", "Bad Idempotency-Key",
                "the Idempotency-Key header must be 1 to 200 visible ASCII characters",
                {{"Idempotency-Key", "has spaces, control or non-ASCII characters, or is too long"}});
  }
  return check_body(route, in);
}

std::optional<Problem> HttpPush::check_body(Route route, const kangqiao::Inbound& in) const {
  if (in.payload().empty()) {
    return make(400, "empty-body", "Empty body", "the request has no body", {{"", "the body is empty"}});
  }
  const bool xml = route == Route::documents;
  const formats::Format& format = xml ? formats::xml_format() : formats::json_format();
  formats::ParseError error;
  auto document = format.parse(in.payload(), formats::ParseOptions{}, error);
  if (!document) {
    return make(400, xml ? "malformed-xml" : "malformed-json", xml ? "Malformed XML" : "Malformed JSON",
                std::string(xml ? "the body is not an acceptable XML document: " : "the body is not valid JSON: ") +
                    error.message,
                {{error.location, error.message}});
  }
  const std::string organisation(in.peer_organisation());
  const formats::Path& named = xml ? *cda_custodian_ : *json_organisation_;
  for (const formats::Match& m : named.select(*document, nullptr)) {
    if (m.text.empty() || m.text == organisation) continue;
    return make(403, "organisation-mismatch", "Organisation mismatch",
                "the body names organisation '" + m.text + "', but the client certificate belongs to '" +
                    organisation + "'; push each hospital's data with its own certificate",
                {{m.location, "names organisation '" + m.text + "', expected '" + organisation + "' or nothing"}});
  }
  return std::nullopt;
}

void HttpPush::decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) const {
  if (auto problem = refusal(in)) {
    out.reject(problem->detail);
    return;
  }
  // Scoped by organisation: hospital B reusing hospital A's key is a new message, not a conflict.
  if (!in.idempotency_key().empty()) {
    out.set_message_key(std::string(in.peer_organisation()) + "|" + std::string(in.idempotency_key()));
  }
  out.emit(route_of(in) == Route::documents ? "xml" : "json", in.payload());
}

void HttpPush::acknowledge(const kangqiao::Inbound& in, const kangqiao::Outcome& outcome,
                           kangqiao::AckSink& out) const {
  switch (outcome.kind()) {
    case KQ_OUTCOME_COMMITTED:
    case KQ_OUTCOME_DUPLICATE: {
      // A duplicate is answered exactly like the first delivery: the client's retry succeeded.
      std::vector<std::string> ids;
      for (const kq_str& id : outcome.record_ids()) ids.emplace_back(kangqiao::view(id));
      out.status(201);
      out.content_type("application/json");
      out.write(created_json(outcome.message_id(), ids));
      return;
    }
    case KQ_OUTCOME_CONTENT_ERROR: {
      std::vector<ProblemError> errors;
      for (const kq_field_error& e : outcome.errors()) {
        errors.push_back({std::string(kangqiao::view(e.location)), std::string(kangqiao::view(e.message))});
      }
      std::string detail = std::to_string(errors.size()) +
                           " field error(s); nothing was recorded, the body is kept for review — "
                           "correct it and send it again";
      Problem p = make(422, "invalid-content", "Unprocessable content", std::move(detail), std::move(errors));
      p.message_id = std::string(outcome.message_id());
      reply(out, p);
      return;
    }
    case KQ_OUTCOME_REJECTED: {
      std::optional<Problem> p = refusal(in);
      if (!p) p = make(400, "rejected", "Request rejected", std::string(outcome.reason()));
      p->message_id = std::string(outcome.message_id());
      reply(out, *p);
      return;
    }
    case KQ_OUTCOME_CONFLICT: {
      Problem p = make(409, "idempotency-key-reused", "Idempotency-Key reused",
                       "this Idempotency-Key was already used for a different body; "
                       "use a new key for new content",
                       {{"Idempotency-Key", "already used for a different body"}});
      p.message_id = std::string(outcome.message_id());
      reply(out, p);
      return;
    }
    case KQ_OUTCOME_TRANSIENT: {
      // The host adds Retry-After to every 503.
      Problem p = make(503, "not-stored", "Not stored, retry later",
                       "nothing was stored; send the same request again, with the same "
                       "Idempotency-Key, after the time in Retry-After");
      reply(out, p);
      return;
    }
  }
  reply(out, make(500, "internal", "Internal error", "unknown outcome"));
}

}  // namespace kq::his
