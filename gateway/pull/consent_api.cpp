// The consent admin API: recording a consent and withdrawing one (docs/pull-api.md, "Consents").
// A consent is a record of kind "consent", so it is versioned, audited and reaches the pull API
// like every record; the checks that need the store (the subject's age on the grant date, the
// rules across versions) are consent::check_consent_write.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "gateway/consent/record_facts.hpp"
#include "gateway/consent/registry.hpp"
#include "gateway/core/json_codec.hpp"
#include "gateway/core/json_text.hpp"
#include "gateway/core/uuid.hpp"
#include "gateway/pull/api_call.hpp"

namespace kq::pull {

namespace {

ApiResult invalid(const std::vector<core::FieldError>& errors) {
  boost::json::object o;
  o["type"] = "about:blank";
  o["title"] = "Unprocessable consent";
  o["status"] = 422;
  o["detail"] = errors.size() == 1 ? errors.front().path + ": " + errors.front().message
                                   : std::to_string(errors.size()) + " problems with the consent";
  boost::json::array list;
  for (const core::FieldError& e : errors) {
    list.push_back(boost::json::object{{"field", e.path}, {"message", e.message}, {"kind", core::to_string(e.kind)}});
  }
  o["errors"] = std::move(list);
  return reply(http::Response{422, "application/problem+json", core::json_text(o), {}});
}

std::optional<ApiResult> needs_consent_write(const ApiCall& call, std::string_view action) {
  if (call.principal.has_role(config::roles::consent_write)) return std::nullopt;
  ApiResult out = problem_reply(403, "Forbidden", "principal '" + call.principal.name + "' lacks the role consent.write",
                                "missing_role");
  boost::json::object detail;
  detail["api"] = "consents";
  detail["action"] = action;
  detail["refused"] = "missing_role";
  detail["peer"] = call.request.peer;
  out.batch.audit.push_back(store::AuditEntry{0, "110110", store::AuditAction::update,
                                              store::AuditOutcome::serious_failure, call.principal.name,
                                              call.principal.organisation, core::json_text(detail)});
  return out;
}

// A consent.write principal records consents only for persons in its jurisdiction.
bool subject_in_jurisdiction(const ApiCall& call, const std::string& person_id) {
  const consent::Requester* who = call.policy.requester(call.principal.name);
  const std::optional<store::StoredRecord> person = call.reader.record(person_id);
  if (who == nullptr || !person || person->kind != "person") return false;
  consent::OrgDirectory orgs(call.reader);
  return who->jurisdiction.covers(consent::record_facts(*person, orgs).places);
}

// Checks `consent` and, when it may be written, the batch that writes it with its audit entry.
// A withdrawal is checked only by its caller: PIPL art. 15 lets the subject withdraw whatever has
// changed since (a move out of the jurisdiction, a corrected birth date).
ApiResult write_consent(const ApiCall& call, const core::Consent& consent, std::string_view action,
                        int created_status) {
  if (action != "withdraw") {
    if (!subject_in_jurisdiction(call, consent.person_id)) {
      return invalid({{"person_id", "names no person in the jurisdiction of principal '" + call.principal.name + "'",
                       core::ErrorKind::unknown_key}});
    }
    const std::vector<core::FieldError> errors =
        consent::check_consent_write(call.reader, consent, call.policy.guardian_age());
    if (!errors.empty()) return invalid(errors);
  }
  ApiResult out;
  out.batch.records.push_back(
      core::RecordEnvelope{"consent", consent.id, consent.person_id, consent.org_id, core::to_json(consent), false, {}});
  boost::json::object detail;
  detail["api"] = "consents";
  detail["action"] = action;
  detail["consent_id"] = consent.id;
  detail["person_id"] = consent.person_id;
  detail["status"] = consent.status;
  detail["peer"] = call.request.peer;
  out.batch.audit.push_back(store::AuditEntry{0, "110110", action == "record" ? store::AuditAction::create
                                                                               : store::AuditAction::update,
                                              store::AuditOutcome::success, call.principal.name,
                                              call.principal.organisation, core::json_text(detail)});
  const std::string id = consent.id;
  out.on_commit = [id, created_status](const store::WriteResult& result) {
    std::int64_t version = 0;
    for (const store::RecordWritten& r : result.records) {
      if (r.id == id) version = r.version;
    }
    http::Response response{created_status, "application/json", {}, {}};
    response.body = "{\"id\":";
    core::append_json_string(response.body, id);
    response.body += ",\"version\":" + std::to_string(version) + "}";
    response.headers.emplace_back("Location", "/api/v1/consents/" + id);
    return response;
  };
  return out;
}

}  // namespace

ApiResult post_consent(const ApiCall& call) {
  if (auto denied = needs_consent_write(call, "record")) return std::move(*denied);
  if (!call.params.unknown({}).empty()) {
    return problem_reply(400, "Bad request", "this endpoint takes no parameters", "unknown_parameter");
  }
  core::EnvelopeResult parsed = core::parse_envelope(call.request.body, core::RecordKind::consent);
  if (!parsed.ok()) return invalid(parsed.errors);
  boost::json::value json(std::move(parsed.envelope.body));
  core::Decoded<core::Consent> decoded = core::from_json<core::Consent>(json);
  if (!decoded.ok()) return invalid({{"", "not a consent", core::ErrorKind::structure}});
  core::Consent consent = std::move(*decoded.value);
  // The organisation that obtained the consent is the caller's; nobody records in another's name.
  if (consent.org_id.empty()) consent.org_id = call.principal.organisation;
  if (consent.org_id != call.principal.organisation) {
    return invalid({{"org_id", "must be the caller's organisation (" + call.principal.organisation + ")",
                     core::ErrorKind::not_permitted}});
  }
  bool is_new = consent.id.empty();
  if (is_new) {
    consent.id = core::new_time_ordered_uuid();
  } else if (auto previous = consent::current_consent(call.reader, consent.id)) {
    if (previous->org_id != call.principal.organisation) {
      return invalid({{"id", "names a consent another organisation holds", core::ErrorKind::not_permitted}});
    }
  } else {
    is_new = true;  // the caller's own id for a new consent (its form number, say)
  }
  return write_consent(call, consent, "record", is_new ? 201 : 200);
}

ApiResult withdraw_consent(const ApiCall& call, const std::string& consent_id) {
  if (auto denied = needs_consent_write(call, "withdraw")) return std::move(*denied);
  std::optional<core::Consent> current = consent::current_consent(call.reader, consent_id);
  if (!current || current->org_id != call.principal.organisation) {
    return problem_reply(404, "Not found", "no consent " + consent_id + " held by " + call.principal.organisation,
                         "not_found");
  }
  core::DateTime at = core::DateTime::from_utc_millis(call.now_ms);
  if (!call.request.body.empty()) {
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(call.request.body, ec);
    const boost::json::value* when = !ec && body.is_object() ? body.get_object().if_contains("withdrawn_at") : nullptr;
    if (ec || !body.is_object() || (when != nullptr && !when->is_string())) {
      return invalid({{"", "the body must be a JSON object, optionally with withdrawn_at", core::ErrorKind::structure}});
    }
    if (when != nullptr) {
      auto parsed = core::DateTime::parse_iso(std::string_view(when->get_string()));
      if (!parsed) return invalid({{"withdrawn_at", parsed.error(), core::ErrorKind::data_type}});
      if (parsed->utc_millis() > call.now_ms) {
        return invalid({{"withdrawn_at", "lies in the future", core::ErrorKind::data_type}});
      }
      at = *parsed;
    }
  }
  if (current->status == "withdrawn") {
    return problem_reply(409, "Conflict", "consent " + consent_id + " is already withdrawn", "already_withdrawn");
  }
  return write_consent(call, consent::withdrawn(std::move(*current), at), "withdraw", 200);
}

}  // namespace kq::pull
