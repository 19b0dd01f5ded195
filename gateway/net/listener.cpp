#include "gateway/net/listener.hpp"

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/log/log.hpp"

namespace kq::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
}

TcpListener::TcpListener(asio::io_context& ioc, config::ListenerConfig config, ServerContext context)
    : ioc_(ioc), config_(std::move(config)), context_(std::move(context)), acceptor_(ioc) {
  if (config_.tls) tls_.emplace(make_server_tls_context(*config_.tls));
}

TcpListener::~TcpListener() = default;

void TcpListener::start() {
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
                                 {"protocol", config_.protocol},
                                 {"address", config_.address},
                                 {"port", static_cast<int>(port_)},
                                 {"tls", config_.tls.has_value()}});
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

void TcpListener::stop_accepting() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void TcpListener::close_connections() {
  closing_ = true;
  std::lock_guard lock(sessions_mutex_);
  for (const auto& s : sessions_) {
    // A busy connection finishes its reply first (it sees closing() and stops after it).
    asio::post(s->executor, [s] {
      if (!s->busy && s->close) s->close();
    });
  }
}

std::size_t TcpListener::busy_connections() const {
  std::lock_guard lock(sessions_mutex_);
  std::size_t n = 0;
  for (const auto& s : sessions_) n += s->busy ? 1 : 0;
  return n;
}

const config::PrincipalConfig* TcpListener::principal_of(const Session& session,
                                                         const RouteTable& routes) const {
  return routes.principal_for(session.certificate);
}

asio::awaitable<void> TcpListener::accept_loop() {
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
        log::error("session_failed", {{"listener", self->config_.name}, {"error", ex.what()}});
      }
    });
  }
}

asio::awaitable<void> TcpListener::run_session(tcp::socket socket) {
  auto self = shared_from_this();
  auto session = std::make_shared<Session>();
  session->executor = socket.get_executor();
  boost::system::error_code ep_ec;
  const auto remote = socket.remote_endpoint(ep_ec);
  if (!ep_ec) session->peer = remote.address().to_string() + ":" + std::to_string(remote.port());
  ++open_;
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.insert(session);
  }
  struct Cleanup {
    TcpListener* listener;
    std::shared_ptr<Session> session;
    ~Cleanup() {
      session->close = nullptr;
      std::lock_guard lock(listener->sessions_mutex_);
      listener->sessions_.erase(session);
      --listener->open_;
    }
  } cleanup{this, session};

  if (!tls_) {
    PlainStream stream(std::move(socket));
    session->close = [&stream] { stream.socket().close(); };
    co_await serve(stream, *session);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    co_return;
  }

  TlsStream stream(std::move(socket), *tls_);
  session->close = [&stream] { beast::get_lowest_layer(stream).socket().close(); };
  beast::get_lowest_layer(stream).expires_after(config_.limits.read_timeout);
  auto [hs_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kUseTuple);
  if (hs_ec) {
    // Failed handshakes (no or untrusted client certificate, old TLS) are worth a line: they are
    // what an operator checks first when a hospital says "we cannot connect".
    log::info("tls_handshake_failed",
              {{"listener", config_.name}, {"peer", session->peer}, {"error", hs_ec.message()}});
    co_return;
  }
  session->certificate = peer_certificate(stream.native_handle());
  co_await serve(stream, *session);
  beast::get_lowest_layer(stream).expires_after(2s);
  co_await stream.async_shutdown(kUseTuple);
}

}  // namespace kq::net
