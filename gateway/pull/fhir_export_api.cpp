// FHIR Bulk Data export endpoints (bulk_export.hpp): kick-off, status and manifest, cancel, and
// the NDJSON files. Replies and errors are FHIR: OperationOutcome, not RFC 7807.
#include <fstream>
#include <set>
#include <span>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "gateway/core/dates.hpp"
#include "gateway/core/json_text.hpp"
#include "gateway/fhir/search.hpp"
#include "gateway/pull/api_call.hpp"
#include "gateway/pull/bulk_export.hpp"
#include "gateway/pull/fhir_types.hpp"

namespace kq::pull {

namespace {

ApiResult not_found_job() { return fhir_problem(404, "not-found", "no such export job"); }

ApiResult export_status_reply(const ApiCall& call, const std::string& job);

}  // namespace

ApiResult fhir_export_kickoff(const ApiCall& call) {
  if (call.exports == nullptr) return fhir_problem(501, "not-supported", "bulk export is not enabled");
  if (call.request.header("prefer").find("respond-async") == std::string_view::npos) {
    return fhir_problem(400, "invalid", "a bulk export needs the header Prefer: respond-async");
  }
  if (auto unknown = call.params.unknown({"_type", "_since", "_outputFormat", "purpose"}); !unknown.empty()) {
    return fhir_problem(400, "not-supported", "parameter '" + unknown.front() + "' is not supported by this server");
  }
  if (auto format = call.params.get("_outputFormat");
      format && *format != "application/fhir+ndjson" && *format != "application/ndjson" && *format != "ndjson") {
    return fhir_problem(400, "not-supported", "_outputFormat must be application/fhir+ndjson");
  }
  ExportRequest request;
  for (const std::string& type : call.params.list("_type")) {
    const std::vector<std::string_view> kinds = kinds_of_resource(type);
    if (kinds.empty()) return fhir_problem(400, "not-supported", "resource type '" + type + "' is not exported");
    request.types.push_back(type);
    request.kinds.insert(request.kinds.end(), kinds.begin(), kinds.end());
  }
  if (request.types.empty()) {
    for (std::string_view type : fhir::served_resource_types()) {
      const std::vector<std::string_view> kinds = kinds_of_resource(type);
      request.kinds.insert(request.kinds.end(), kinds.begin(), kinds.end());
    }
  }
  if (auto since = call.params.get("_since")) {
    const auto ms = parse_instant_ms(*since);
    if (!ms) return fhir_problem(400, "invalid", "_since must be a FHIR instant or date");
    request.since_ms = *ms;
  }
  auto opened = open_pull(call, "bulk-export");
  if (auto* refused = std::get_if<ApiResult>(&opened)) return std::move(*refused);
  request.request = std::get<consent::Request>(std::move(opened));
  request.base_url = base_url(call);
  request.request_url = request.base_url + call.request.path + (call.request.query.empty() ? "" : "?" + call.request.query);
  const std::optional<std::string> job = call.exports->start(call.principal.name, request);
  if (!job) {
    ApiResult busy = fhir_problem(429, "throttled", "an export of this client is still running; wait for it or cancel it");
    busy.response.headers.emplace_back("Retry-After", "10");
    return busy;
  }
  ApiResult out = reply(http::Response{202, "application/fhir+json", {}, {}});
  out.response.body = fhir_problem(202, "informational", "export started").response.body;
  // Nothing runs unless its kick-off is in the audit log.
  out.on_failure = [exports = call.exports, principal = call.principal.name, id = *job] {
    exports->cancel(principal, id);
  };
  out.response.headers.emplace_back("Content-Location", request.base_url + "/fhir/bulk-status/" + *job);
  boost::json::object detail;
  detail["api"] = "bulk-export";
  detail["job"] = *job;
  detail["purpose"] = request.request.purpose;
  detail["query"] = call.request.query;
  detail["peer"] = call.request.peer;
  out.batch.audit.push_back(store::AuditEntry{0, std::string(store::audit_event::query), store::AuditAction::execute,
                                              store::AuditOutcome::success, call.principal.name,
                                              call.principal.organisation, core::json_text(detail)});
  return out;
}

ApiResult fhir_export_status(const ApiCall& call, const std::string& job) {
  ApiResult out = export_status_reply(call, job);
  boost::json::object detail;
  detail["api"] = call.request.method == "DELETE" ? "bulk-cancel" : "bulk-status";
  detail["job"] = job;
  detail["status"] = out.response.status;
  detail["peer"] = call.request.peer;
  out.batch.audit.push_back(store::AuditEntry{0, std::string(store::audit_event::query),
                                              call.request.method == "DELETE" ? store::AuditAction::erase
                                                                              : store::AuditAction::read,
                                              out.response.status < 400 ? store::AuditOutcome::success
                                                                        : store::AuditOutcome::minor_failure,
                                              call.principal.name, call.principal.organisation,
                                              core::json_text(detail)});
  return out;
}

namespace {

ApiResult export_status_reply(const ApiCall& call, const std::string& job) {
  if (call.exports == nullptr) return not_found_job();
  if (call.request.method == "DELETE") {
    if (!call.exports->cancel(call.principal.name, job)) return not_found_job();
    return reply(http::Response{202, "application/fhir+json",
                                fhir_problem(202, "informational", "export cancelled").response.body, {}});
  }
  const std::optional<ExportStatus> status = call.exports->status(call.principal.name, job);
  if (!status) return not_found_job();
  if (status->state == ExportStatus::State::failed) return fhir_problem(500, "exception", status->error);
  if (status->state == ExportStatus::State::running) {
    const std::int64_t percent = status->scan_end > 0 ? status->scanned_to * 100 / status->scan_end : 0;
    http::Response r{202, "application/fhir+json", {}, {}};
    r.headers.emplace_back("X-Progress", std::to_string(percent) + "% (" + std::to_string(status->exported) +
                                             " resources so far)");
    r.headers.emplace_back("Retry-After", "2");
    return reply(std::move(r));
  }
  boost::json::object manifest;
  manifest["transactionTime"] = core::DateTime::from_utc_millis(status->transaction_ms).iso();
  manifest["request"] = status->request.request_url;
  manifest["requiresAccessToken"] = false;  // mutual TLS authenticates the download
  boost::json::array output;
  for (const ExportFile& f : status->files) {
    output.push_back(boost::json::object{
        {"type", f.type},
        {"url", status->request.base_url + "/fhir/bulk-files/" + job + "/" + f.name},
        {"count", f.count}});
  }
  manifest["output"] = std::move(output);
  manifest["error"] = boost::json::array();
  return reply(http::Response{200, "application/json", core::json_text(manifest), {}});
}

}  // namespace

ApiResult fhir_export_file(const ApiCall& call, const std::string& job, const std::string& name) {
  const std::optional<ExportStatus> status =
      call.exports != nullptr ? call.exports->status(call.principal.name, job) : std::nullopt;
  const std::optional<std::filesystem::path> path =
      status ? call.exports->file(call.principal.name, job, name) : std::nullopt;
  if (!path) return fhir_problem(404, "not-found", "no such export file");
  // The download is the disclosure: decided again now, for the export's purpose, so that a
  // consent withdrawn or a role taken away since the export ran is honoured.
  auto opened = open_pull(call, "bulk-file", status->request.request.purpose);
  if (auto* refused = std::get_if<ApiResult>(&opened)) return std::move(*refused);
  const consent::Request& request = std::get<consent::Request>(opened);
  std::ifstream in(*path, std::ios::binary);
  if (!in) return fhir_problem(500, "exception", "the export file cannot be read");
  ApiResult out = reply(http::Response{200, "application/fhir+ndjson", {}, {}});
  const std::string asked = "$export job " + job + " file " + name;
  std::vector<std::string> lines;
  std::vector<store::StoredRecord> rows;
  auto decide_chunk = [&] {
    DisclosureBuilder builder(request, "bulk-file", asked, call.request.peer);
    builder.offer(call.reader, std::span(rows), rows.size());
    Disclosure disclosure = builder.finish();
    std::set<std::string> permitted;
    for (const store::StoredRecord& r : disclosure.records) permitted.insert(r.id);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (permitted.contains(rows[i].id)) out.response.body += lines[i] + '\n';
    }
    audit_disclosure(out, disclosure);
    lines.clear();
    rows.clear();
  };
  std::string line;
  while (std::getline(in, line)) {
    boost::system::error_code ec;
    const boost::json::value resource = boost::json::parse(line, ec);
    const boost::json::value* id = !ec && resource.is_object() ? resource.get_object().if_contains("id") : nullptr;
    if (id == nullptr || !id->is_string()) continue;
    // The record as it stands now: a record removed since, or now of another subject, is
    // decided on what the store says today.
    std::optional<store::StoredRecord> row = call.reader.record(std::string_view(id->get_string()));
    if (!row) continue;
    lines.push_back(std::move(line));
    rows.push_back(std::move(*row));
    if (rows.size() == 1000) decide_chunk();
  }
  if (!rows.empty()) decide_chunk();
  return out;
}

}  // namespace kq::pull
