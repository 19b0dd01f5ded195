#include "gateway/http/server.hpp"

#include <cctype>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/http/api_handler.hpp"
#include "gateway/net/await_callback.hpp"
#include "gateway/log/log.hpp"

namespace kq::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr int kRetryAfterSeconds = 5;  // Retry-After of every 503 reply

Response problem(int status, const std::string& title, const std::string& detail, std::string_view code) {
  boost::json::object o;
  o["type"] = "about:blank";
  o["title"] = title;
  o["status"] = status;
  if (!detail.empty()) o["detail"] = detail;
  if (!code.empty()) o["code"] = code;
  return Response{status, "application/problem+json", boost::json::serialize(o), {}};
}

asio::awaitable<void> HttpServer::serve(net::PlainStream& stream, net::Session& session) {
  co_await serve_requests(stream, session);
}

asio::awaitable<void> HttpServer::serve(net::TlsStream& stream, net::Session& session) {
  co_await serve_requests(stream, session);
}

template <class Stream>
asio::awaitable<void> HttpServer::serve_requests(Stream& stream, net::Session& session) {
  const auto& limits = config().limits;
  auto& lowest = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  bool first = true;
  while (!closing()) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(limits.max_header_bytes);
    parser.body_limit(limits.max_body_bytes);
    // Between requests the connection may idle; once a request has started it must arrive
    // within the read timeout.
    if (!first && buffer.size() == 0) {
      lowest.expires_after(limits.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kUseTuple);
      if (ec) co_return;
      buffer.commit(n);
    }
    first = false;
    lowest.expires_after(limits.read_timeout);
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::eof || ec == asio::error::connection_reset) {
      co_return;
    }
    Response response;
    bool keep_alive = false;
    const bool unread_input = static_cast<bool>(ec);  // the request was not read to its end
    if (ec == bhttp::error::body_limit) {
      response = problem(413, "Payload too large",
                         "the body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
    } else if (ec == bhttp::error::header_limit) {
      response = problem(431, "Request header fields too large", "");
    } else if (ec == beast::error::timeout) {
      response = problem(408, "Request timeout", "the request did not arrive in time");
    } else if (ec) {
      response = problem(400, "Bad request", ec.message());
    } else {
      session.busy = true;
      auto& req = parser.get();
      Request request;
      request.listener = config().name;
      request.method = std::string(req.method_string());
      const std::string_view target = req.target();
      const std::size_t question = target.find('?');
      request.path = std::string(target.substr(0, question));
      if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
      request.peer = session.peer;
      for (const auto& field : req) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        request.headers.emplace_back(std::move(name), std::string(field.value()));
      }
      request.content_type = std::string(req[bhttp::field::content_type]);
      request.idempotency_key = std::string(req["Idempotency-Key"]);
      request.body = std::move(req.body());
      keep_alive = req.keep_alive();
      response = co_await handle(std::move(request), session);
      // Served, not merely answered: a 4xx for a stranger's request proves nothing (listener.hpp).
      if (response.status < 400) session.mark_served();
    }
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), 11};
    res.set(bhttp::field::server, "kangqiao");
    res.set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res.set(name, value);
    // 503 means "nothing was done, try again": say when, so clients back off instead of hammering.
    if (response.status == 503) res.set(bhttp::field::retry_after, std::to_string(kRetryAfterSeconds));
    res.keep_alive(keep_alive && !closing());
    res.body() = std::move(response.body);
    res.prepare_payload();
    lowest.expires_after(limits.read_timeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, res, kUseTuple);
    session.busy = false;
    if (!wec && unread_input) {
      // Closing with unread bytes in the receive buffer makes the kernel send a reset, and the
      // client may lose the error reply it has not read yet. Read and discard for a moment.
      lowest.expires_after(std::chrono::seconds(1));
      std::size_t discarded = 0;
      while (discarded < 8 * 1024 * 1024) {
        auto [dec, dn] = co_await stream.async_read_some(buffer.prepare(64 * 1024), kUseTuple);
        if (dec) break;
        buffer.consume(buffer.size());
        discarded += dn;
      }
    }
    if (wec || !res.keep_alive()) co_return;
  }
}

asio::awaitable<Response> HttpServer::handle(Request request, const net::Session& session) {
  const bool is_get = request.method == "GET" || request.method == "HEAD";
  if (config().serve_health && is_get) {
    if (request.path == "/healthz") co_return Response{200, "application/json", R"({"status":"ok"})", {}};
    if (request.path == "/readyz") {
      auto problems = context().status->readiness_problems();
      if (problems.empty()) co_return Response{200, "application/json", R"({"status":"ready"})", {}};
      std::string detail;
      for (const auto& p : problems) detail += (detail.empty() ? "" : "; ") + p;
      co_return problem(503, "Not ready", detail);
    }
    if (request.path == "/metrics") {
      co_return Response{200, "text/plain; version=0.0.4; charset=utf-8", context().status->metrics_text(), {}};
    }
  }
  if (config().pull_api && context().api != nullptr && ApiHandler::owns(request.path)) {
    co_return co_await handle_api(std::move(request), session);
  }
  const auto table = context().routes();
  auto it = table->routes.find({request.listener, request.method, request.path});
  if (it == table->routes.end()) {
    for (const auto& [key, adapter] : table->routes) {
      if (std::get<0>(key) == request.listener && std::get<2>(key) == request.path) {
        co_return problem(405, "Method not allowed", request.method + " is not served on " + request.path);
      }
    }
    co_return problem(404, "Not found", "no route for " + request.path);
  }
  const config::PrincipalConfig* principal = principal_of(session, *table);
  if (session.certificate.present && principal == nullptr) {
    // A trusted chain alone is not enough: default deny until the certificate is mapped.
    log::warn("unmapped_client_certificate", {{"listener", config().name},
                                              {"fingerprint_sha256", session.certificate.fingerprint_sha256}});
    co_return problem(403, "Forbidden",
                      "client certificate " + session.certificate.fingerprint_sha256 +
                          " is not mapped to a principal");
  }
  if (std::string denied = table->access_denied(it->second->name(), principal); !denied.empty()) {
    log::warn("access_denied", {{"listener", config().name}, {"adapter", it->second->name()},
                                {"principal", principal != nullptr ? principal->name : ""}});
    co_return principal == nullptr ? problem(401, "Unauthorized", denied) : problem(403, "Forbidden", denied);
  }
  plugin_host::Inbound inbound;
  inbound.adapter = it->second->name();
  inbound.transport = core::Transport::http;
  inbound.listener = request.listener;
  inbound.channel = request.path;
  inbound.method = request.method;
  inbound.content_type = request.content_type;
  inbound.charset = core::charset_of_content_type(request.content_type);
  inbound.payload = std::move(request.body);
  inbound.peer_address = session.peer;
  if (principal != nullptr) {
    inbound.organisation = principal->organisation;
    inbound.principal = principal->name;
  }
  inbound.idempotency_key = request.idempotency_key;
  inbound.received_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  auto adapter = it->second;
  auto start = [this, adapter, inbound = std::move(inbound)](
                   std::function<void(plugin_host::AckReply)> done) mutable {
    context().ingest->ingest(adapter, std::move(inbound), std::move(done));
  };
  plugin_host::AckReply reply = co_await net::await_callback<plugin_host::AckReply>(std::move(start));
  co_return Response{reply.http_status, reply.content_type, std::move(reply.body), {}};
}

asio::awaitable<Response> HttpServer::handle_api(Request request, const net::Session& session) {
  const auto table = context().routes();
  const config::PrincipalConfig* principal = principal_of(session, *table);
  if (principal == nullptr) {
    // The listener demands a certificate, so one was presented and chains to the client CA, but
    // no principal maps it: default deny.
    log::warn("unmapped_client_certificate", {{"listener", config().name},
                                              {"fingerprint_sha256", session.certificate.fingerprint_sha256}});
    co_return problem(403, "Forbidden",
                      "client certificate " + session.certificate.fingerprint_sha256 +
                          " is not mapped to a principal");
  }
  auto start = [this, request = std::move(request), who = *principal](
                   std::function<void(Response)> done) mutable {
    context().api->handle(std::move(request), std::move(who), std::move(done));
  };
  co_return co_await net::await_callback<Response>(std::move(start));
}

}  // namespace kq::http
