#pragma once
// Where inbound traffic goes: the HTTP routes and MLLP listeners adapters asked for, and the
// principals client certificates map to. The table is an immutable snapshot swapped on reload,
// so a request sees one consistent configuration from start to end.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/config/gateway_config.hpp"
#include "gateway/net/auth_failure.hpp"
#include "gateway/net/tls.hpp"
#include "gateway/plugin_host/adapter.hpp"

namespace kq::http {
class ApiHandler;
}

namespace kq::net {

struct RouteTable {
  // (listener, method, path) → adapter
  std::map<std::tuple<std::string, std::string, std::string>,
           std::shared_ptr<const plugin_host::AdapterInstance>> routes;
  // MLLP listener name → the adapter that receives its frames
  std::map<std::string, std::shared_ptr<const plugin_host::AdapterInstance>> mllp;
  std::vector<config::PrincipalConfig> principals;
  // adapter name → the roles that may use it (absent or empty: anyone the listener lets in)
  std::map<std::string, std::vector<std::string>> adapter_roles;

  const config::PrincipalConfig* principal_for(const PeerCertificate& cert) const;
  // Empty when `principal` (nullptr: an anonymous client) may use the adapter; otherwise the reason.
  std::string access_denied(const std::string& adapter, const config::PrincipalConfig* principal) const;
};

// The pipeline, seen from the listeners: process one payload, reply when committed.
class IngestHandler {
 public:
  virtual ~IngestHandler() = default;
  virtual void ingest(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                      plugin_host::Inbound inbound,
                      std::function<void(plugin_host::AckReply)> done) = 0;
};

// What /readyz and /metrics report.
class StatusSource {
 public:
  virtual ~StatusSource() = default;
  // Empty when ready; otherwise one line per problem.
  virtual std::vector<std::string> readiness_problems() const = 0;
  virtual std::string metrics_text() const = 0;
};

struct ServerContext {
  std::function<std::shared_ptr<const RouteTable>()> routes;
  IngestHandler* ingest = nullptr;
  const StatusSource* status = nullptr;
  http::ApiHandler* api = nullptr;  // the pull and consent APIs, for pull_api listeners
  // A client did not authenticate (see net/auth_failure.hpp); called on an I/O thread, must not
  // block. Empty: only the log line.
  std::function<void(AuthFailure)> auth_failed;
};

}  // namespace kq::net
