#pragma once
// What every endpoint of the pull and consent APIs gets, and what it gives back. Endpoints are
// plain functions run on the blocking pool with a store reader of their own; they never write:
// what must be stored (audit entries, a consent) comes back in ApiResult::batch, and the reply
// is sent only once that batch has committed.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "gateway/config/gateway_config.hpp"
#include "gateway/consent/policy.hpp"
#include "gateway/http/message.hpp"
#include "gateway/pull/cursor.hpp"
#include "gateway/pull/disclosure.hpp"
#include "gateway/pull/query.hpp"
#include "gateway/store/store.hpp"

namespace kq::pull {

class ExportJobs;

struct ApiCall {
  const http::Request& request;
  const config::PrincipalConfig& principal;
  const QueryParams& params;
  const consent::Policy& policy;
  store::Reader& reader;
  const CursorCodec& cursors;
  std::int64_t now_ms = 0;
  ExportJobs* exports = nullptr;  // bulk export; nullptr where there is none (tests)
};

struct ApiResult {
  http::Response response;
  // Committed before the reply is sent; if it cannot be, the caller hears 503 and nothing else.
  store::WriteBatch batch;
  // For replies that depend on what the commit assigned (a consent's version); optional.
  std::function<http::Response(const store::WriteResult&)> on_commit;
  // Undoes what the endpoint started when the batch cannot be committed (a bulk export); optional.
  std::function<void()> on_failure;
  // Records decided for this reply, for the metrics: disclosed, and denied by consent.
  std::size_t disclosed = 0;
  std::size_t denied = 0;
};

ApiResult reply(http::Response response);
ApiResult problem_reply(int status, const std::string& title, const std::string& detail,
                        const std::string& code = {});
// An error in the form of the endpoint asked: an OperationOutcome under /fhir, an RFC 7807
// problem with `code` elsewhere.
ApiResult error_reply(std::string_view path, int status, const std::string& title, const std::string& detail,
                      const std::string& code);

// "https://host:port" as the client addressed the gateway, for links it follows back.
std::string base_url(const ApiCall& call);

// The purpose of use a pull names: the `purpose` parameter or the X-Purpose-Of-Use header.
std::string purpose_of(const ApiCall& call);

// The request-level gate (consent::Policy::open): the request to decide records with, or the
// 403 reply for a refusal, audited.
// `purpose` replaces the one the request names (a bulk-export download keeps its export's).
std::variant<consent::Request, ApiResult> open_pull(const ApiCall& call, std::string_view api,
                                                    std::optional<std::string> purpose = std::nullopt);

// The disclosure's audit entries go into the reply's batch, its counts into the reply's.
void audit_disclosure(ApiResult& result, Disclosure& disclosure);

// One record asked for by id or identifier, decided: disclosed, not found (absent, or outside the
// jurisdiction: the caller cannot tell which) or denied by consent.
enum class SingleVerdict { disclosed, not_found, denied };
struct SingleRecord {
  Disclosure disclosure;
  SingleVerdict verdict = SingleVerdict::not_found;
};
SingleRecord decide_single(const ApiCall& call, const consent::Request& request, std::string_view api,
                           std::optional<store::StoredRecord> row, const std::string& asked);

// Canonical records as the API gives them out.
// The person and every person merged with it, directly or through others: the same human,
// whose records are all this person's.
std::vector<std::string> same_persons(store::Reader& reader, const std::string& person_id);

void append_record_json(std::string& out, const store::StoredRecord& record);
std::string records_json(const std::vector<store::StoredRecord>& records);

// The endpoints (records_api.cpp, consent_api.cpp).
ApiResult get_changes(const ApiCall& call);
ApiResult get_person_by_identifier(const ApiCall& call);
ApiResult get_person_records(const ApiCall& call, const std::string& person_id);
ApiResult get_record(const ApiCall& call, const std::string& record_id);
ApiResult post_consent(const ApiCall& call);
ApiResult withdraw_consent(const ApiCall& call, const std::string& consent_id);
// FHIR (fhir_export_api.cpp, fhir_api.cpp).
ApiResult fhir_metadata(const ApiCall& call);
ApiResult fhir_search(const ApiCall& call, const std::string& type);
ApiResult fhir_read(const ApiCall& call, const std::string& type, const std::string& id);
ApiResult fhir_export_kickoff(const ApiCall& call);
ApiResult fhir_export_status(const ApiCall& call, const std::string& job);  // GET or DELETE
ApiResult fhir_export_file(const ApiCall& call, const std::string& job, const std::string& name);

}  // namespace kq::pull
