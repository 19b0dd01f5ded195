#pragma once
// The gateway's own HTTP APIs (the pull API and the consent admin API, gateway/pull/) as the
// HTTP server sees them. A listener with `pull_api: true` hands every request under /api/ and
// /fhir/ to the handler, together with the principal its client certificate maps to; requests
// without a mapped certificate never get this far.
#include <functional>
#include <string_view>

#include "gateway/config/gateway_config.hpp"
#include "gateway/http/message.hpp"

namespace kq::http {

class ApiHandler {
 public:
  virtual ~ApiHandler() = default;

  // The paths the handler owns on a pull_api listener.
  static bool owns(std::string_view path) {
    return path.starts_with("/api/") || path == "/fhir" || path.starts_with("/fhir/");
  }

  // Called on an I/O thread and must not block there; `done` is called exactly once, from any
  // thread.
  virtual void handle(Request request, config::PrincipalConfig principal,
                      std::function<void(Response)> done) = 0;
};

}  // namespace kq::http
