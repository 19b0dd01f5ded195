#include "his_https.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

namespace his {

namespace {

// Where a CDA document (WS/T 500) names the organisation that keeps it.
constexpr const char* kCustodianId =
    "/hl7:ClinicalDocument/hl7:custodian/hl7:assignedCustodian/"
    "hl7:representedCustodianOrganization/hl7:id/@extension";
// Where a JSON visit record (README.md, "JSON visit records") names its hospital.
constexpr const char* kJsonOrganisation = "/hospital/creditCode";

constexpr std::size_t kMaxIdempotencyKey = 200;

// What decode() decided, for the reply.
struct HttpsState {
  std::optional<Problem> problem;  // the request was refused before it reached the store
};

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
             std::vector<kangqiao::ErrorDetail> errors = {}) {
  Problem p;
  p.status = status;
  p.slug = slug;
  p.title = title;
  p.detail = std::move(detail);
  p.errors = std::move(errors);
  return p;
}

// The rejection the host stores for a refused request: its first error, or the detail.
kangqiao::ErrorDetail rejection_of(const Problem& p, kq_error_kind kind) {
  if (!p.errors.empty()) return p.errors.front();
  return {kind, "", p.detail};
}

void reply(kangqiao::AckSink& out, const Problem& problem) {
  out.status(problem.status);
  out.content_type("application/problem+json");
  out.write(problem_json(problem));
}

}  // namespace

HisHttps::HisHttps(const kangqiao::Host& host, const kangqiao::Config& config)
    : documents_path_(config.string("documents_path").value_or("/v1/his/documents")),
      records_path_(config.string("records_path").value_or("/v1/his/records")),
      cda_custodian_(host.compile_path("xml", kCustodianId)),
      json_organisation_(host.compile_path("json", kJsonOrganisation)) {
  for (const std::string* path : {&documents_path_, &records_path_}) {
    if (path->empty() || (*path)[0] != '/') {
      throw kangqiao::PluginError("route paths must start with '/', got '" + *path + "'");
    }
  }
  if (documents_path_ == records_path_) {
    throw kangqiao::PluginError("documents_path and records_path must differ, both are '" + documents_path_ + "'");
  }
  host.add_http_route("POST", documents_path_.c_str());
  host.add_http_route("POST", records_path_.c_str());
}

HisHttps::Route HisHttps::route_of(const kangqiao::Inbound& in) const {
  if (in.channel() == documents_path_) return Route::documents;
  if (in.channel() == records_path_) return Route::records;
  return Route::unknown;
}

std::optional<Problem> HisHttps::refusal(const kangqiao::Inbound& in, Route route) const {
  if (route == Route::unknown) {
    return make(404, "not-found", "Not found", "no his route at " + std::string(in.channel()),
                {{KQ_ERROR_UNSUPPORTED, "", "no his route at " + std::string(in.channel())}});
  }
  if (in.principal().empty()) {
    return make(401, "unauthenticated", "Client certificate required",
                "push with the client certificate your organisation was issued (curl --cert/--key)",
                {{KQ_ERROR_NOT_PERMITTED, "", "no client certificate"}});
  }
  if (in.organisation().empty()) {
    return make(403, "no-organisation", "Forbidden",
                "principal '" + std::string(in.principal()) +
                    "' has no organisation configured, so its records could not be attributed",
                {{KQ_ERROR_NOT_PERMITTED, "", "the principal has no organisation"}});
  }
  const std::string type = media_type(in.content_type());
  if (route == Route::documents && !is_xml_type(type)) {
    return make(415, "unsupported-media-type", "Unsupported media type",
                "send XML documents with Content-Type application/xml (or text/xml), not '" + type + "'",
                {{KQ_ERROR_UNSUPPORTED, "Content-Type", "must be application/xml or text/xml"}});
  }
  if (route == Route::records && !is_json_type(type)) {
    return make(415, "unsupported-media-type", "Unsupported media type",
                "send JSON records with Content-Type application/json, not '" + type + "'",
                {{KQ_ERROR_UNSUPPORTED, "Content-Type", "must be application/json"}});
  }
  if (!valid_idempotency_key(in.idempotency_key())) {
    return make(400, "bad-idempotency-key", "Bad Idempotency-Key",
                "the Idempotency-Key header must be 1 to 200 visible ASCII characters",
                {{KQ_ERROR_DATA_TYPE, "Idempotency-Key", "has spaces, control or non-ASCII characters, or is too long"}});
  }
  if (in.payload().empty()) {
    return make(400, "empty-body", "Empty body", "the request has no body",
                {{KQ_ERROR_REQUIRED, "", "the body is empty"}});
  }
  return std::nullopt;
}

void HisHttps::decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) {
  HttpsState& state = out.keep(std::make_unique<HttpsState>());
  const Route route = route_of(in);
  auto refuse = [&](Problem problem, kq_error_kind kind) {
    out.reject(rejection_of(problem, kind));
    state.problem = std::move(problem);
  };
  if (auto problem = refusal(in, route)) {
    refuse(std::move(*problem), KQ_ERROR_NOT_PERMITTED);
    return;
  }
  const bool xml = route == Route::documents;
  std::optional<kangqiao::Document> parsed;
  try {
    parsed.emplace(out.parse(xml ? "xml" : "json", in.payload(), in.charset()));
  } catch (const kangqiao::ParseFailure& failure) {
    const kangqiao::ErrorDetail& e = failure.detail();
    refuse(make(400, xml ? "malformed-xml" : "malformed-json", xml ? "Malformed XML" : "Malformed JSON",
                std::string(xml ? "the body is not an acceptable XML document: " : "the body is not valid JSON: ") +
                    e.reason,
                {{KQ_ERROR_STRUCTURE, e.location, e.reason}}),
           KQ_ERROR_STRUCTURE);
    return;
  }
  const kangqiao::Document& document = *parsed;
  const std::string_view organisation = in.organisation();
  const kangqiao::Path& named = xml ? cda_custodian_ : json_organisation_;
  for (std::size_t n = 0; auto value = document.value(named, n); ++n) {
    if (value->empty() || *value == organisation) continue;
    const std::string text(*value);
    refuse(make(403, "organisation-mismatch", "Organisation mismatch",
                "the body names organisation '" + text + "', but the client certificate belongs to '" +
                    std::string(organisation) + "'; push each hospital's data with its own certificate",
                {{KQ_ERROR_NOT_PERMITTED, std::string(document.location(named, n)),
                  "names organisation '" + text + "', expected '" + std::string(organisation) + "' or nothing"}}),
           KQ_ERROR_NOT_PERMITTED);
    return;
  }
  if (!in.idempotency_key().empty()) out.set_message_key(in.idempotency_key());
  out.emit(document);
}

void HisHttps::acknowledge(const kangqiao::Inbound&, const kangqiao::Outcome& outcome, kangqiao::AckSink& out) {
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
      std::vector<kangqiao::ErrorDetail> errors = outcome.errors();
      std::string detail = std::to_string(errors.size()) +
                           " field error(s); nothing was recorded, the body is kept for review — "
                           "correct it and send it again";
      Problem p = make(422, "invalid-content", "Unprocessable content", std::move(detail), std::move(errors));
      p.message_id = std::string(outcome.message_id());
      reply(out, p);
      return;
    }
    case KQ_OUTCOME_REJECTED: {
      const HttpsState* state = outcome.state<HttpsState>();
      Problem p;
      if (state != nullptr && state->problem) {
        p = *state->problem;
      } else {
        // Refused without this adapter deciding: the plugin failed, which is not the sender's fault.
        const std::vector<kangqiao::ErrorDetail> errors = outcome.errors();
        const bool internal = !errors.empty() && errors.front().kind == KQ_ERROR_INTERNAL;
        p = make(internal ? 500 : 400, internal ? "internal" : "rejected",
                 internal ? "Internal error" : "Request rejected", std::string(outcome.reason()), errors);
      }
      p.message_id = std::string(outcome.message_id());
      reply(out, p);
      return;
    }
    case KQ_OUTCOME_CONFLICT: {
      Problem p = make(409, "idempotency-key-reused", "Idempotency-Key reused",
                       "this Idempotency-Key was already used for a different body; use a new key for new content",
                       {{KQ_ERROR_DUPLICATE_KEY, "Idempotency-Key", "already used for a different body"}});
      p.message_id = std::string(outcome.message_id());
      reply(out, p);
      return;
    }
    case KQ_OUTCOME_TRANSIENT: {
      // The host adds Retry-After to every 503.
      reply(out, make(503, "not-stored", "Not stored, retry later",
                      "nothing was stored; send the same request again, with the same Idempotency-Key, after "
                      "the time in Retry-After"));
      return;
    }
    case KQ_OUTCOME_NOTHING_TO_DO:  // never asked for by this adapter
      break;
  }
  reply(out, make(500, "internal", "Internal error", "unknown outcome"));
}

}  // namespace his
