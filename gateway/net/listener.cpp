#include "gateway/net/listener.hpp"

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
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
  if (!config_.tls) return;
  install_tls(std::make_shared<asio::ssl::context>(make_server_tls_context(*config_.tls)));
}

TcpListener::~TcpListener() = default;

std::shared_ptr<asio::ssl::context> TcpListener::current_tls() const {
  std::lock_guard lock(tls_mutex_);
  return tls_;
}

void TcpListener::install_tls(std::shared_ptr<asio::ssl::context> tls) {
  const std::int64_t next_update_ms = earliest_crl_next_update_ms(*tls);
  {
    std::lock_guard lock(tls_mutex_);
    tls_ = std::move(tls);
  }
  crl_next_update_ms_ = next_update_ms;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  if (next_update_ms != 0 && next_update_ms < now_ms) {
    // Not a start-up error: the gateway still serves its other listeners, and this one tells
    // every client why it is refused. But the operator must hear it now.
    log::warn("tls_crl_expired", {{"listener", config_.name},
                                  {"crl", config_.tls->crl},
                                  {"next_update_ms", next_update_ms},
                                  {"effect", "every client certificate is refused until a current CRL is loaded"}});
  }
}

std::string TcpListener::reload_tls() {
  if (!config_.tls) return "";
  std::shared_ptr<asio::ssl::context> next;
  try {
    next = std::make_shared<asio::ssl::context>(make_server_tls_context(*config_.tls));
  } catch (const std::exception& e) {
    return e.what();
  }
  install_tls(std::move(next));
  log::info("tls_reloaded", {{"listener", config_.name}, {"crl_next_update_ms", crl_next_update_ms_.load()}});
  return "";
}

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

std::size_t TcpListener::open_connections() const {
  std::lock_guard lock(sessions_mutex_);
  return sessions_.size();
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

namespace {
std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void Session::mark_served() {
  last_active_ms.store(steady_ms());
  proven.store(true);
}

void TcpListener::client_not_authenticated(const Session& session, std::string reason,
                                           std::string fingerprint_sha256, std::string subject) {
  ++counters_.auth_failures;
  if (!context_.auth_failed) return;
  context_.auth_failed(AuthFailure{config_.name, session.peer_address, std::move(reason),
                                   std::move(fingerprint_sha256), std::move(subject)});
}

std::shared_ptr<Session> TcpListener::admit(const std::string& address, const char*& refusal) {
  const auto& limits = config_.limits;
  std::shared_ptr<Session> victim;
  std::lock_guard lock(sessions_mutex_);
  std::size_t& from_peer = per_peer_[address];
  if (from_peer >= limits.max_connections_per_peer) {
    refusal = "max_connections_per_peer";
    ++counters_.refused_per_peer;
    return nullptr;
  }
  // Connections already chosen to make room are on their way out: they do not count.
  if (sessions_.size() - evicting_ >= limits.max_connections) {
    for (const auto& s : sessions_) {
      if (!s->proven && !s->evicted) {
        victim = s;
        break;
      }
    }
    if (!victim) {
      // Every connection was served once; a proven one that has sat idle longer than a request
      // may take to arrive is the next best to close: its client reconnects when it needs to.
      const std::int64_t idle_before = steady_ms() - limits.read_timeout.count();
      for (const auto& s : sessions_) {
        if (s->evicted || s->busy || s->last_active_ms.load() > idle_before) continue;
        if (!victim || s->last_active_ms.load() < victim->last_active_ms.load()) victim = s;
      }
    }
    if (!victim) {
      refusal = "max_connections";
      ++counters_.refused_full;
      if (from_peer == 0) per_peer_.erase(address);
      return nullptr;
    }
    victim->evicted = true;
    ++evicting_;
    ++counters_.evicted;
    // On its own strand: close() touches the socket. If its coroutine has not set close() yet,
    // it sees `evicted` when it starts and ends there.
    asio::post(victim->executor, [victim] {
      if (victim->close) victim->close();
    });
  }
  ++from_peer;
  auto session = std::make_shared<Session>();
  session->peer_address = address;
  sessions_.push_back(session);
  return session;
}

void TcpListener::forget(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(sessions_mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (*it != session) continue;
    sessions_.erase(it);
    break;
  }
  if (session->evicted) --evicting_;
  auto peer = per_peer_.find(session->peer_address);
  if (peer != per_peer_.end() && --peer->second == 0) per_peer_.erase(peer);
}

asio::awaitable<void> TcpListener::accept_loop() {
  auto self = shared_from_this();
  asio::steady_timer pause(acceptor_.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kUseTuple);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // Out of file descriptors (or a similar resource): accepting again at once would spin.
      log::warn("accept_failed", {{"listener", config_.name}, {"error", ec.message()}});
      pause.expires_after(50ms);
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    boost::system::error_code ep_ec;
    const auto remote = socket.remote_endpoint(ep_ec);
    if (ep_ec) continue;  // already gone
    const std::string address = remote.address().to_string();
    const char* refusal = nullptr;
    std::shared_ptr<Session> session = admit(address, refusal);
    if (!session) {
      // One line per peer and reason, then a count per window (log/repeat_filter.hpp).
      log::warn("connection_refused",
                {{"listener", config_.name}, {"reason", refusal}, {"peer_address", address}});
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    session->executor = socket.get_executor();
    session->peer = address + ":" + std::to_string(remote.port());
    auto executor = socket.get_executor();
    asio::co_spawn(executor, run_session(std::move(socket), std::move(session)),
                   [self](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       log::error("session_failed",
                                  {{"listener", self->config_.name}, {"error", ex.what()}});
                     }
                   });
  }
}

asio::awaitable<void> TcpListener::run_session(tcp::socket socket, std::shared_ptr<Session> session) {
  auto self = shared_from_this();
  struct Cleanup {
    TcpListener* listener;
    std::shared_ptr<Session> session;
    ~Cleanup() {
      session->close = nullptr;
      if (session->evicted) {
        log::warn("connection_evicted", {{"listener", listener->config_.name},
                                         {"reason", "listener full; had not sent a whole request or frame"}});
      }
      listener->forget(session);
    }
  } cleanup{this, session};
  if (session->evicted) co_return;  // made room for a newer one before it even started

  const std::shared_ptr<asio::ssl::context> tls = current_tls();  // kept for the stream's life
  if (!tls) {
    PlainStream stream(std::move(socket));
    session->close = [&stream] { stream.socket().close(); };
    co_await serve(stream, *session);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    co_return;
  }

  ClientVerification verification;  // outlives the stream whose verify callback fills it
  TlsStream stream(std::move(socket), *tls);
  if (asks_client_certificate()) {
    stream.set_verify_callback([&verification](bool preverified, asio::ssl::verify_context& ctx) {
      return note_client_verification(preverified, ctx, verification);
    });
  }
  session->close = [&stream] { beast::get_lowest_layer(stream).socket().close(); };
  // Its own deadline, shorter than a request's: a socket that never starts the handshake is
  // the cheapest way to hold a slot (issue 11 measured 1,024 of them filling a listener).
  beast::get_lowest_layer(stream).expires_after(config_.limits.handshake_timeout);
  auto [hs_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kUseTuple);
  if (hs_ec) {
    if (hs_ec == beast::error::timeout) {
      ++counters_.handshake_timeouts;
      log::warn("tls_handshake_timeout", {{"listener", config_.name}});
    } else if (!session->evicted) {
      // Failed handshakes (no or untrusted client certificate, old TLS) are worth a line: they
      // are what an operator checks first when a hospital says "we cannot connect".
      std::string reason = asks_client_certificate() ? authentication_failure_reason(hs_ec, verification) : "";
      log::info("tls_handshake_failed", {{"listener", config_.name},
                                         {"peer", session->peer},
                                         {"error", hs_ec.message()},
                                         {"client_certificate", reason.empty() ? "-" : reason}});
      if (!reason.empty()) {
        client_not_authenticated(*session, std::move(reason), std::move(verification.fingerprint_sha256),
                                 std::move(verification.subject));
      }
    }
    co_return;
  }
  session->certificate = peer_certificate(stream.native_handle());
  if (session->certificate.present && context_.routes &&
      context_.routes()->principal_for(session->certificate) == nullptr) {
    // Trusted, but nobody we know: every request on this connection is refused (403, or MLLP
    // closes). Audited once per connection here rather than per request in each protocol.
    client_not_authenticated(*session, "certificate not mapped to a principal",
                             session->certificate.fingerprint_sha256, session->certificate.subject);
  }
  co_await serve(stream, *session);
  beast::get_lowest_layer(stream).expires_after(2s);
  co_await stream.async_shutdown(kUseTuple);
}

}  // namespace kq::net
