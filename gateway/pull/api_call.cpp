#include "gateway/pull/api_call.hpp"

#include <span>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/core/dates.hpp"
#include "gateway/core/json_text.hpp"
#include "gateway/pull/fhir_types.hpp"

namespace kq::pull {

ApiResult reply(http::Response response) {
  ApiResult out;
  out.response = std::move(response);
  return out;
}

ApiResult problem_reply(int status, const std::string& title, const std::string& detail, const std::string& code) {
  return reply(http::problem(status, title, detail, code));
}

ApiResult error_reply(std::string_view path, int status, const std::string& title, const std::string& detail,
                      const std::string& code) {
  if (!path.starts_with("/fhir")) return problem_reply(status, title, detail, code);
  const std::string_view issue = status == 403 ? "forbidden"
                                 : status == 404 ? "not-found"
                                 : status == 503 ? "transient"
                                 : status >= 500 ? "exception"
                                                 : "invalid";
  return fhir_problem(status, issue, detail);
}

std::string base_url(const ApiCall& call) {
  std::string host(call.request.header("host"));
  return "https://" + (host.empty() ? std::string("localhost") : host);
}

std::string purpose_of(const ApiCall& call) {
  if (auto p = call.params.get("purpose")) return *p;
  return std::string(call.request.header("x-purpose-of-use"));
}

std::variant<consent::Request, ApiResult> open_pull(const ApiCall& call, std::string_view api,
                                                    std::optional<std::string> purpose_given) {
  const std::string purpose = purpose_given ? *purpose_given : purpose_of(call);
  auto opened = call.policy.open(call.principal.name, purpose, call.now_ms);
  if (auto* request = std::get_if<consent::Request>(&opened)) return std::move(*request);
  const consent::Refusal& refusal = std::get<consent::Refusal>(opened);
  const std::string code(consent::refusal_code(refusal.reason));
  ApiResult out = error_reply(call.request.path, 403, "Forbidden", refusal.message, code);
  boost::json::object detail;
  detail["api"] = api;
  detail["purpose"] = purpose;
  detail["refused"] = code;
  detail["peer"] = call.request.peer;
  out.batch.audit.push_back(store::AuditEntry{0, std::string(store::audit_event::query), store::AuditAction::read,
                                              store::AuditOutcome::serious_failure, call.principal.name,
                                              call.principal.organisation, core::json_text(detail)});
  return out;
}

void audit_disclosure(ApiResult& result, Disclosure& disclosure) {
  result.disclosed += disclosure.records.size();
  result.denied += disclosure.denied;
  for (store::AuditEntry& entry : disclosure.audit) result.batch.audit.push_back(std::move(entry));
}

SingleRecord decide_single(const ApiCall& call, const consent::Request& request, std::string_view api,
                           std::optional<store::StoredRecord> row, const std::string& asked) {
  DisclosureBuilder builder(request, std::string(api), asked, call.request.peer);
  std::vector<store::StoredRecord> rows;
  if (row) rows.push_back(std::move(*row));
  builder.offer(call.reader, std::span(rows), 1);
  SingleRecord out;
  out.disclosure = builder.finish();
  if (!out.disclosure.records.empty()) {
    out.verdict = SingleVerdict::disclosed;
  } else if (rows.empty() || out.disclosure.audit.size() == 1) {
    // Only the request's own entry: nothing was found, or it lies outside the jurisdiction.
    out.verdict = SingleVerdict::not_found;
  } else {
    out.verdict = SingleVerdict::denied;
  }
  return out;
}

std::vector<std::string> same_persons(store::Reader& reader, const std::string& person_id) {
  // consent_subjects answers every person it is asked about, at least with the person itself.
  return reader.consent_subjects({person_id}).same_person.at(person_id);
}

void append_record_json(std::string& out, const store::StoredRecord& record) {
  out += "{\"id\":";
  core::append_json_string(out, record.id);
  out += ",\"version\":" + std::to_string(record.version) + ",\"kind\":";
  core::append_json_string(out, record.kind);
  if (!record.person_id.empty()) {
    out += ",\"person_id\":";
    core::append_json_string(out, record.person_id);
  }
  if (!record.org_id.empty()) {
    out += ",\"org_id\":";
    core::append_json_string(out, record.org_id);
  }
  out += ",\"written_at\":";
  core::append_json_string(out, core::DateTime::from_utc_millis(record.written_at_ms).iso());
  // The body is stored as canonical JSON text: it goes out as it is, without a second parse.
  out += ",\"body\":";
  out += record.body_json;
  out += '}';
}

std::string records_json(const std::vector<store::StoredRecord>& records) {
  std::string out = "[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0) out += ',';
    append_record_json(out, records[i]);
  }
  out += ']';
  return out;
}

}  // namespace kq::pull
