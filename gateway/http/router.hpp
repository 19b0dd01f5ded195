#pragma once
// What an HTTP request is routed to: built-in endpoints (health, readiness, metrics) and the
// routes adapters asked for. The route table is an immutable snapshot swapped on reload, so a
// request sees one consistent configuration from start to end.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/config/gateway_config.hpp"
#include "gateway/http/tls.hpp"
#include "gateway/plugin_host/adapter.hpp"

namespace kq::http {

struct Request {
  std::string listener;
  std::string method;
  std::string path;
  std::string content_type;
  std::string body;
  std::string idempotency_key;
  std::string peer_address;
  bool tls = false;
  PeerCertificate certificate;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// RFC 7807 problem document.
Response problem(int status, const std::string& title, const std::string& detail);

struct RouteTable {
  // (listener, method, path) → adapter
  std::map<std::tuple<std::string, std::string, std::string>,
           std::shared_ptr<const plugin_host::AdapterInstance>> routes;
  std::vector<config::PrincipalConfig> principals;

  const config::PrincipalConfig* principal_for(const PeerCertificate& cert) const;
};

// The pipeline, seen from the HTTP side: process one payload, reply when committed.
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
};

}  // namespace kq::http
