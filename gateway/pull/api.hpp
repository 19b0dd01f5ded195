#pragma once
// The pull API and the consent admin API (docs/pull-api.md): the http::ApiHandler that pull_api
// listeners hand their /api/ and /fhir/ requests to. Each request runs on the blocking pool with
// a store reader of its own, under the consent policy of the configuration in force when it
// arrived; what it must store (its audit entries, a consent) is committed before the reply goes
// out, and when that fails the caller hears 503 and receives nothing.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include <boost/asio/thread_pool.hpp>

#include "gateway/consent/policy.hpp"
#include "gateway/http/api_handler.hpp"
#include "gateway/metrics/metrics.hpp"
#include "gateway/pull/api_call.hpp"
#include "gateway/pull/bulk_export.hpp"
#include "gateway/pull/cursor.hpp"
#include "gateway/store/store.hpp"

namespace kq::pull {

struct ApiServices {
  std::function<store::Store*()> store;  // nullptr while the store opens: 503
  std::function<std::shared_ptr<const consent::Policy>()> policy;
  boost::asio::thread_pool* blocking = nullptr;
  std::shared_ptr<const CursorCodec> cursors;
  std::shared_ptr<ExportJobs> exports;  // may be null: no bulk export
  metrics::Registry* metrics = nullptr;  // may be null (tests)
};

class PullApi final : public http::ApiHandler {
 public:
  explicit PullApi(ApiServices services);

  void handle(http::Request request, config::PrincipalConfig principal,
              std::function<void(http::Response)> done) override;

  // The endpoint a request goes to, run synchronously (tests and benchmarks call this directly).
  static ApiResult route(const ApiCall& call);

  // Stops background work (bulk exports) before the blocking pool is joined.
  void stop();
  // Removes expired bulk exports and their files.
  void sweep();

 private:
  static ApiResult route_fhir(const ApiCall& call, const std::vector<std::string>& parts);
  void serve(const http::Request& request, const config::PrincipalConfig& principal,
             std::function<void(http::Response)> done);

  // The endpoint as a metrics label: the path's fixed part ("api/v1/changes", "fhir/Patient").
  static std::string endpoint_label(const http::Request& request);
  void count(const std::string& endpoint, int status, const ApiResult* result,
             std::chrono::steady_clock::time_point started);

  ApiServices services_;
  // Consent writes run one at a time, from their checks to their commit: two writes of one
  // consent (an update and a withdrawal) must not both pass against the same earlier version.
  std::mutex consent_writes_;
  metrics::CounterFamily* requests_ = nullptr;
  metrics::CounterFamily* records_ = nullptr;
  metrics::HistogramFamily* duration_ = nullptr;
};

}  // namespace kq::pull
