#include "gateway/http/server.hpp"

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "gateway/http/await_callback.hpp"
#include "gateway/log/log.hpp"

namespace kq::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

struct HttpServer::Session {
  std::atomic<bool> busy{false};
  std::function<void()> close;  // closes the socket; runs on the session's strand
  asio::any_io_executor executor;
};

HttpServer::HttpServer(asio::io_context& ioc, config::ListenerConfig config, ServerContext context)
    : ioc_(ioc), config_(std::move(config)), context_(std::move(context)), acceptor_(ioc) {
  if (config_.tls) tls_.emplace(make_server_tls_context(*config_.tls));
}

HttpServer::~HttpServer() = default;

void HttpServer::start() {
  const std::string where = "listener '" + config_.name + "' (" + config_.address + ":" +
                            std::to_string(config_.port) + ")";
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(config_.address, ec);
  if (ec) throw std::runtime_error(where + ": bad address: " + ec.message());
  const tcp::endpoint endpoint(address, config_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error(where + ": cannot listen: " + ec.message());
  port_ = acceptor_.local_endpoint().port();
  log::info("listener_started", {{"listener", config_.name},
                                 {"address", config_.address},
                                 {"port", static_cast<int>(port_)},
                                 {"tls", config_.tls.has_value()}});
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

void HttpServer::stop_accepting() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void HttpServer::close_connections() {
  closing_ = true;
  std::lock_guard lock(sessions_mutex_);
  for (const auto& s : sessions_) {
    // A busy connection finishes its response first (it sees closing_ and does not keep alive).
    asio::post(s->executor, [s] {
      if (!s->busy && s->close) s->close();
    });
  }
}

std::size_t HttpServer::busy_connections() const {
  std::lock_guard lock(sessions_mutex_);
  std::size_t n = 0;
  for (const auto& s : sessions_) n += s->busy ? 1 : 0;
  return n;
}

asio::awaitable<void> HttpServer::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kUseTuple);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      log::warn("accept_failed", {{"listener", config_.name}, {"error", ec.message()}});
      continue;
    }
    if (open_.load() >= config_.limits.max_connections) {
      log::warn("connection_refused", {{"listener", config_.name}, {"reason", "max_connections"}});
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, run_session(std::move(socket)), [self](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("session_failed", {{"error", ex.what()}});
      }
    });
  }
}

asio::awaitable<void> HttpServer::run_session(tcp::socket socket) {
  auto self = shared_from_this();
  auto session = std::make_shared<Session>();
  session->executor = socket.get_executor();
  ++open_;
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.insert(session);
  }
  struct Cleanup {
    HttpServer* server;
    std::shared_ptr<Session> session;
    ~Cleanup() {
      std::lock_guard lock(server->sessions_mutex_);
      server->sessions_.erase(session);
      --server->open_;
    }
  } cleanup{this, session};

  if (!tls_) {
    beast::tcp_stream stream(std::move(socket));
    session->close = [&stream] { stream.socket().close(); };
    // Named, not a temporary: GCC 12 destroys temporaries in a co_await expression twice.
    const PeerCertificate anonymous;
    co_await serve(stream, session, anonymous);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    session->close = nullptr;
    co_return;
  }

  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
  session->close = [&stream] { beast::get_lowest_layer(stream).socket().close(); };
  beast::get_lowest_layer(stream).expires_after(config_.limits.read_timeout);
  auto [hs_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kUseTuple);
  if (hs_ec) {
    // Failed handshakes (no or untrusted client certificate, old TLS) are worth a line: they are
    // what an operator checks first when a hospital says "we cannot connect".
    log::info("tls_handshake_failed", {{"listener", config_.name}, {"error", hs_ec.message()}});
    session->close = nullptr;
    co_return;
  }
  const PeerCertificate cert = peer_certificate(stream.native_handle());
  co_await serve(stream, session, cert);
  beast::get_lowest_layer(stream).expires_after(2s);
  co_await stream.async_shutdown(kUseTuple);
  session->close = nullptr;
}

template <class Stream>
asio::awaitable<void> HttpServer::serve(Stream& stream, std::shared_ptr<Session> session,
                                        const PeerCertificate& certificate) {
  auto& lowest = beast::get_lowest_layer(stream);
  boost::system::error_code ep_ec;
  const auto remote = lowest.socket().remote_endpoint(ep_ec);
  const std::string peer =
      ep_ec ? std::string() : remote.address().to_string() + ":" + std::to_string(remote.port());
  beast::flat_buffer buffer;
  bool first = true;
  while (!closing_) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(config_.limits.max_header_bytes);
    parser.body_limit(config_.limits.max_body_bytes);
    // Between requests the connection may idle; once a request has started it must arrive
    // within the read timeout.
    if (!first && buffer.size() == 0) {
      lowest.expires_after(config_.limits.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kUseTuple);
      if (ec) co_return;
      buffer.commit(n);
    }
    first = false;
    lowest.expires_after(config_.limits.read_timeout);
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
                         "the body exceeds " + std::to_string(config_.limits.max_body_bytes) + " bytes");
    } else if (ec == bhttp::error::header_limit) {
      response = problem(431, "Request header fields too large", "");
    } else if (ec == beast::error::timeout) {
      response = problem(408, "Request timeout", "the request did not arrive in time");
    } else if (ec) {
      response = problem(400, "Bad request", ec.message());
    } else {
      session->busy = true;
      auto& req = parser.get();
      Request request;
      request.listener = config_.name;
      request.method = std::string(req.method_string());
      const std::string_view target = req.target();
      request.path = std::string(target.substr(0, target.find('?')));
      request.content_type = std::string(req[bhttp::field::content_type]);
      request.idempotency_key = std::string(req["Idempotency-Key"]);
      request.body = std::move(req.body());
      request.peer_address = peer;
      request.tls = tls_.has_value();
      request.certificate = certificate;
      keep_alive = req.keep_alive();
      response = co_await handle(std::move(request));
    }
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), 11};
    res.set(bhttp::field::server, "kangqiao");
    res.set(bhttp::field::content_type, response.content_type);
    res.keep_alive(keep_alive && !closing_);
    res.body() = std::move(response.body);
    res.prepare_payload();
    lowest.expires_after(config_.limits.read_timeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, res, kUseTuple);
    session->busy = false;
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

asio::awaitable<Response> HttpServer::handle(Request request) {
  const bool is_get = request.method == "GET" || request.method == "HEAD";
  if (config_.serve_health && is_get) {
    if (request.path == "/healthz") co_return Response{200, "application/json", R"({"status":"ok"})"};
    if (request.path == "/readyz") {
      auto problems = context_.status->readiness_problems();
      if (problems.empty()) co_return Response{200, "application/json", R"({"status":"ready"})"};
      std::string detail;
      for (const auto& p : problems) detail += (detail.empty() ? "" : "; ") + p;
      co_return problem(503, "Not ready", detail);
    }
    if (request.path == "/metrics") {
      co_return Response{200, "text/plain; version=0.0.4; charset=utf-8", context_.status->metrics_text()};
    }
  }
  const auto table = context_.routes();
  auto it = table->routes.find({request.listener, request.method, request.path});
  if (it == table->routes.end()) {
    for (const auto& [key, adapter] : table->routes) {
      if (std::get<0>(key) == request.listener && std::get<2>(key) == request.path) {
        co_return problem(405, "Method not allowed", request.method + " is not served on " + request.path);
      }
    }
    co_return problem(404, "Not found", "no route for " + request.path);
  }
  const config::PrincipalConfig* principal = table->principal_for(request.certificate);
  if (request.certificate.present && principal == nullptr) {
    // A trusted chain alone is not enough: default deny until the certificate is mapped.
    log::warn("unmapped_client_certificate", {{"listener", config_.name},
                                              {"fingerprint_sha256", request.certificate.fingerprint_sha256}});
    co_return problem(403, "Forbidden",
                      "client certificate " + request.certificate.fingerprint_sha256 +
                          " is not mapped to a principal");
  }
  plugin_host::Inbound inbound;
  inbound.transport = KQ_TRANSPORT_HTTP;
  inbound.channel = request.path;
  inbound.method = request.method;
  inbound.content_type = request.content_type;
  inbound.payload = std::move(request.body);
  inbound.peer_address = request.peer_address;
  if (principal != nullptr) {
    inbound.peer_organisation = principal->organisation;
    inbound.peer_principal = principal->name;
  }
  inbound.idempotency_key = request.idempotency_key;
  inbound.received_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  auto adapter = it->second;
  auto start = [this, adapter, inbound = std::move(inbound)](
                   std::function<void(plugin_host::AckReply)> done) mutable {
    context_.ingest->ingest(adapter, std::move(inbound), std::move(done));
  };
  plugin_host::AckReply reply = co_await await_callback<plugin_host::AckReply>(std::move(start));
  co_return Response{reply.http_status, reply.content_type, std::move(reply.body)};
}

}  // namespace kq::http
