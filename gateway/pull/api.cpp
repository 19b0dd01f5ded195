#include "gateway/pull/api.hpp"

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

void PullApi::handle(http::Request request, config::PrincipalConfig principal,
                     std::function<void(http::Response)> done) {
  boost::asio::post(*services_.blocking, [this, request = std::move(request), principal = std::move(principal),
                                          done = std::move(done)]() mutable { serve(request, principal, std::move(done)); });
}

void PullApi::serve(const http::Request& request, const config::PrincipalConfig& principal,
                    std::function<void(http::Response)> done) {
  store::Store* store = services_.store();
  if (store == nullptr) {
    done(http::problem(503, "Service unavailable", "the store is still opening"));
    return;
  }
  ApiResult result;
  try {
    std::string error;
    const std::optional<QueryParams> params = QueryParams::parse(request.query, error);
    if (!params) {
      done(problem_reply(400, "Bad request", error, "invalid_query").response);
      return;
    }
    const std::shared_ptr<const consent::Policy> policy = services_.policy();
    std::unique_ptr<store::Reader> reader = store->reader();
    const ApiCall call{request, principal, *params, *policy, *reader, *services_.cursors, now_ms(),
                       services_.exports.get()};
    result = route(call);
  } catch (const std::exception& e) {
    log::error("api_request_failed", {{"path", request.path}, {"principal", principal.name}, {"error", e.what()}});
    done(http::problem(500, "Internal server error", "the request failed; the gateway's log says why"));
    return;
  }
  const bool writes = !result.batch.audit.empty() || !result.batch.records.empty();
  if (!writes) {
    done(std::move(result.response));
    return;
  }
  // Nothing leaves before its audit entries (and any consent it records) are durable.
  auto pending = std::make_shared<ApiResult>(std::move(result));
  store::WriteBatch batch = std::move(pending->batch);
  store->submit(std::move(batch), [pending, done = std::move(done)](store::WriteResult written) {
    if (written.status != store::WriteStatus::committed) {
      if (written.content_error) {
        std::string detail = written.error;
        done(http::problem(422, "Unprocessable request", detail));
        return;
      }
      log::warn("api_audit_not_written", {{"error", written.error}});
      done(http::problem(503, "Service unavailable",
                         "the audit entry could not be written, so nothing is disclosed; try again"));
      return;
    }
    done(pending->on_commit ? pending->on_commit(written) : std::move(pending->response));
  });
}

}  // namespace kq::pull
