#include "gateway/pull/api.hpp"

#include <future>

#include <boost/asio/post.hpp>

#include "gateway/log/log.hpp"
#include "gateway/pull/fhir_types.hpp"

namespace kq::pull {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "/api/v1/persons/abc/records" → {"api", "v1", "persons", "abc", "records"}
std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

ApiResult method_not_allowed(const http::Request& request, std::string_view allowed) {
  ApiResult out = problem_reply(405, "Method not allowed", request.method + " is not served on " + request.path,
                                "method_not_allowed");
  out.response.headers.emplace_back("Allow", std::string(allowed));
  return out;
}

}  // namespace

PullApi::PullApi(ApiServices services) : services_(std::move(services)) {
  if (services_.metrics == nullptr) return;
  requests_ = &services_.metrics->counter("kangqiao_api_requests_total",
                                          "Pull and consent API requests, by endpoint and HTTP status.",
                                          {"endpoint", "status"});
  records_ = &services_.metrics->counter("kangqiao_api_records_total",
                                         "Records the pull API decided, by decision (disclosed, denied).",
                                         {"decision"});
  duration_ = &services_.metrics->histogram("kangqiao_api_request_duration_seconds",
                                            "Time from request to reply (audit commit included), by endpoint.",
                                            {"endpoint"}, metrics::latency_buckets());
}

std::string PullApi::endpoint_label(const http::Request& request) {
  const std::vector<std::string> parts = segments(request.path);
  if (parts.size() >= 3 && parts[0] == "api" && parts[1] == "v1") {
    if (parts[2] == "persons" && parts.size() == 5) return "api/v1/persons/records";
    for (std::string_view known : {"changes", "persons", "records", "consents"}) {
      if (parts[2] == known) return "api/v1/" + parts[2];
    }
  }
  if (parts.size() >= 2 && parts[0] == "fhir") {
    for (std::string_view known : {"metadata", "$export", "bulk-status", "bulk-files", "Patient", "Encounter",
                                   "Observation", "Condition", "Consent"}) {
      if (parts[1] == known) return "fhir/" + parts[1];
    }
  }
  return "other";  // bounded: a label per unknown path would let callers grow the metrics
}

void PullApi::count(const std::string& endpoint, int status, const ApiResult* result,
                    std::chrono::steady_clock::time_point started) {
  if (requests_ == nullptr) return;
  requests_->inc({endpoint, std::to_string(status)});
  if (result != nullptr && result->disclosed > 0) records_->inc({"disclosed"}, result->disclosed);
  if (result != nullptr && result->denied > 0) records_->inc({"denied"}, result->denied);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  duration_->observe({endpoint}, took.count());
}

ApiResult PullApi::route(const ApiCall& call) {
  const http::Request& request = call.request;
  const std::vector<std::string> parts = segments(request.path);
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (parts.size() >= 3 && parts[0] == "api" && parts[1] == "v1") {
    const std::string& what = parts[2];
    if (what == "changes" && parts.size() == 3) return get ? get_changes(call) : method_not_allowed(request, "GET");
    if (what == "persons" && parts.size() == 3) {
      return get ? get_person_by_identifier(call) : method_not_allowed(request, "GET");
    }
    if (what == "persons" && parts.size() == 5 && parts[4] == "records" && !parts[3].empty()) {
      return get ? get_person_records(call, parts[3]) : method_not_allowed(request, "GET");
    }
    if (what == "records" && parts.size() == 4 && !parts[3].empty()) {
      return get ? get_record(call, parts[3]) : method_not_allowed(request, "GET");
    }
    if (what == "consents" && parts.size() == 3) return post ? post_consent(call) : method_not_allowed(request, "POST");
    if (what == "consents" && parts.size() == 5 && parts[4] == "withdraw" && !parts[3].empty()) {
      return post ? withdraw_consent(call, parts[3]) : method_not_allowed(request, "POST");
    }
  }
  if (!parts.empty() && parts[0] == "fhir") return route_fhir(call, parts);
  return problem_reply(404, "Not found", "no endpoint " + request.path + " (see docs/pull-api.md)", "no_endpoint");
}

ApiResult PullApi::route_fhir(const ApiCall& call, const std::vector<std::string>& parts) {
  const http::Request& request = call.request;
  const bool get = request.method == "GET";
  if (parts.size() == 2 && parts[1] == "$export") {
    return get || request.method == "POST" ? fhir_export_kickoff(call) : method_not_allowed(request, "GET, POST");
  }
  if (parts.size() == 3 && parts[1] == "bulk-status" && !parts[2].empty()) {
    return get || request.method == "DELETE" ? fhir_export_status(call, parts[2])
                                             : method_not_allowed(request, "GET, DELETE");
  }
  if (parts.size() == 4 && parts[1] == "bulk-files" && !parts[2].empty() && !parts[3].empty()) {
    return get ? fhir_export_file(call, parts[2], parts[3]) : method_not_allowed(request, "GET");
  }
  if (parts.size() == 2 && parts[1] == "metadata") return get ? fhir_metadata(call) : method_not_allowed(request, "GET");
  if (parts.size() == 2 && !parts[1].empty()) return get ? fhir_search(call, parts[1]) : method_not_allowed(request, "GET");
  if (parts.size() == 3 && !parts[1].empty() && !parts[2].empty()) {
    return get ? fhir_read(call, parts[1], parts[2]) : method_not_allowed(request, "GET");
  }
  return fhir_problem(404, "not-found", "no FHIR endpoint " + request.path);
}

void PullApi::stop() {
  if (services_.exports) services_.exports->stop();
}

void PullApi::sweep() {
  if (services_.exports) services_.exports->sweep();
}

void PullApi::handle(http::Request request, config::PrincipalConfig principal,
                     std::function<void(http::Response)> done) {
  boost::asio::post(*services_.blocking, [this, request = std::move(request), principal = std::move(principal),
                                          done = std::move(done)]() mutable { serve(request, principal, std::move(done)); });
}

void PullApi::serve(const http::Request& request, const config::PrincipalConfig& principal,
                    std::function<void(http::Response)> reply_to) {
  const auto started = std::chrono::steady_clock::now();
  // Counted when the reply is known, which may be on the store's writer thread after this returns.
  auto done = [this, endpoint = endpoint_label(request), started, reply_to = std::move(reply_to)](
                  http::Response response, const ApiResult* result = nullptr) {
    count(endpoint, response.status, result, started);
    reply_to(std::move(response));
  };
  store::Store* store = services_.store();
  // Errors of the FHIR endpoints are OperationOutcomes, those of /api/v1 RFC 7807 problems.
  auto failure = [path = request.path](int status, const std::string& title, const std::string& detail,
                                       const std::string& code) {
    return error_reply(path, status, title, detail, code).response;
  };
  if (store == nullptr) {
    done(failure(503, "Service unavailable", "the store is still opening", "store_opening"));
    return;
  }
  std::unique_lock<std::mutex> consent_lock;
  if (request.method == "POST" && request.path.starts_with("/api/v1/consents")) {
    consent_lock = std::unique_lock(consent_writes_);
  }
  ApiResult result;
  try {
    std::string error;
    const std::optional<QueryParams> params = QueryParams::parse(request.query, error);
    if (!params) {
      done(failure(400, "Bad request", error, "invalid_query"));
      return;
    }
    const std::shared_ptr<const consent::Policy> policy = services_.policy();
    std::unique_ptr<store::Reader> reader = store->reader();
    const ApiCall call{request, principal, *params, *policy, *reader, *services_.cursors, now_ms(),
                       services_.exports.get()};
    result = route(call);
  } catch (const std::exception& e) {
    log::error("api_request_failed", {{"path", request.path}, {"principal", principal.name}, {"error", e.what()}});
    done(failure(500, "Internal server error", "the request failed; the gateway's log says why", "internal"));
    return;
  }
  const bool writes = !result.batch.audit.empty() || !result.batch.records.empty();
  if (!writes) {
    done(std::move(result.response), &result);
    return;
  }
  // Nothing leaves before its audit entries (and any consent it records) are durable.
  auto pending = std::make_shared<ApiResult>(std::move(result));
  store::WriteBatch batch = std::move(pending->batch);
  auto finish = [pending, failure, done = std::move(done)](store::WriteResult written) {
    if (written.status != store::WriteStatus::committed) {
      if (pending->on_failure) pending->on_failure();
      if (written.content_error) {
        done(failure(422, "Unprocessable request", written.error, "not_stored"));
        return;
      }
      log::warn("api_audit_not_written", {{"error", written.error}});
      done(failure(503, "Service unavailable",
                   "the audit entry could not be written, so nothing is disclosed; try again", "audit_not_written"));
      return;
    }
    done(pending->on_commit ? pending->on_commit(written) : std::move(pending->response), pending.get());
  };
  if (!consent_lock.owns_lock()) {
    store->submit(std::move(batch), std::move(finish));
    return;
  }
  // A consent write holds the lock until its commit is known.
  std::promise<store::WriteResult> written;
  std::future<store::WriteResult> result_of_write = written.get_future();
  store->submit(std::move(batch), [&written](store::WriteResult r) { written.set_value(std::move(r)); });
  finish(result_of_write.get());
}

}  // namespace kq::pull
