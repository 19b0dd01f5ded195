#pragma once
// What every TCP listener shares, whatever it speaks (HTTP, MLLP): binding, the accept loop,
// one strand per connection, the connection limits, the TLS handshake with client certificates,
// and graceful shutdown (stop accepting; close idle connections; busy ones finish first).
// A protocol derives from it and implements serve() for plain and TLS streams.
//
// Connection exhaustion. Sockets that connect and then do nothing cost an attacker nothing, and
// each one holds a slot until a timeout. So:
//   - the TLS handshake has its own short deadline (limits.handshake_timeout);
//   - one peer address may hold at most limits.max_connections_per_peer connections;
//   - a full listener makes room for a newcomer by closing its oldest connection that has not yet
//     proven itself (completed the handshake and had a request or frame served), else the proven
//     connection that has been idle longest, if it has been idle for longer than
//     limits.read_timeout; it refuses the newcomer only when every connection is proven and in
//     use. Clients that are being served keep their connections, so a flood of idle sockets — or
//     of sockets that sent one request and then sat — can delay a hospital by one connect, not
//     lock it out.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "gateway/config/gateway_config.hpp"
#include "gateway/net/routes.hpp"
#include "gateway/net/tls.hpp"

namespace kq::net {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// One connection's shared state, seen by the listener's shutdown and its connection limits.
struct Session {
  std::atomic<bool> busy{false};    // between reading a request and writing its reply
  // Completed the handshake and had a request or frame served (an HTTP reply below 400, an MLLP
  // frame that reached its adapter): a client, not an idle socket. Set by the protocol, with
  // last_active; a full listener closes a proven connection only once it has been idle a while.
  std::atomic<bool> proven{false};
  std::atomic<std::int64_t> last_active_ms{0};  // steady clock, when its last exchange ended
  void mark_served();
  std::atomic<bool> evicted{false};  // chosen to make room; closing
  std::function<void()> close;       // closes the socket; run on the session's strand only
  boost::asio::any_io_executor executor;
  std::string peer;                  // "ip:port"
  std::string peer_address;          // "ip": what the per-peer limit counts
  PeerCertificate certificate;       // verified client certificate, if any
};

// Counters of the connection defences, per listener (exported as metrics).
struct ConnectionCounters {
  std::atomic<std::uint64_t> refused_per_peer{0};  // the peer already held its share
  std::atomic<std::uint64_t> refused_full{0};      // full, and every connection had proven itself
  std::atomic<std::uint64_t> evicted{0};           // unproven connections closed to make room
  std::atomic<std::uint64_t> handshake_timeouts{0};
  // Clients that did not authenticate: refused certificates and certificates no principal maps
  // (every one; the audit log holds one entry per peer and reason per window).
  std::atomic<std::uint64_t> auth_failures{0};
};

class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  TcpListener(boost::asio::io_context& ioc, config::ListenerConfig config, ServerContext context);
  virtual ~TcpListener();

  // Binds and starts accepting. Throws std::runtime_error naming the listener and address.
  void start();
  unsigned short port() const { return port_; }
  const config::ListenerConfig& config() const { return config_; }

  void stop_accepting();
  void close_connections();
  std::size_t open_connections() const;
  std::size_t busy_connections() const;
  const ConnectionCounters& counters() const { return counters_; }
  // The earliest nextUpdate (Unix ms) of the CRLs this listener checks client certificates
  // against; 0 when it has none. Read at start-up and by reload_tls().
  std::int64_t crl_next_update_ms() const { return crl_next_update_ms_.load(); }
  // Reads the TLS files again (certificate, key, client CAs, CRL: renewed in place, under the
  // same paths) into a new context that every later connection uses; connections already open
  // keep theirs. On a file that does not load, keeps the running context and returns why.
  // Returns "" on success, or when the listener has no TLS.
  std::string reload_tls();

 protected:
  virtual boost::asio::awaitable<void> serve(PlainStream& stream, Session& session) = 0;
  virtual boost::asio::awaitable<void> serve(TlsStream& stream, Session& session) = 0;
  bool closing() const { return closing_.load(); }
  const ServerContext& context() const { return context_; }
  // The principal a verified client certificate maps to; nullptr when none.
  const config::PrincipalConfig* principal_of(const Session& session, const RouteTable& routes) const;

 private:
  using Sessions = std::list<std::shared_ptr<Session>>;  // oldest first

  boost::asio::awaitable<void> accept_loop();
  // Registers a new connection from `address`, making room if the listener is full; nullptr
  // when it must be refused (and why, in `refusal`).
  std::shared_ptr<Session> admit(const std::string& address, const char*& refusal);
  void forget(const std::shared_ptr<Session>& session);
  boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket,
                                           std::shared_ptr<Session> session);
  bool asks_client_certificate() const { return config_.tls && !config_.tls->client_ca.empty(); }
  // Counts the failure and hands it to the context's auth_failed (the audit log).
  void client_not_authenticated(const Session& session, std::string reason, std::string fingerprint_sha256,
                                std::string subject);

  boost::asio::io_context& ioc_;
  config::ListenerConfig config_;
  ServerContext context_;
  // Swapped by reload_tls(); a connection holds the one it started with for its whole life.
  std::shared_ptr<boost::asio::ssl::context> current_tls() const;
  void install_tls(std::shared_ptr<boost::asio::ssl::context> tls);
  mutable std::mutex tls_mutex_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::atomic<std::int64_t> crl_next_update_ms_{0};
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> closing_{false};
  ConnectionCounters counters_;

  mutable std::mutex sessions_mutex_;  // guards the three below
  Sessions sessions_;
  std::map<std::string, std::size_t> per_peer_;  // open connections by peer address
  std::size_t evicting_ = 0;  // sessions_ members marked evicted that have not closed yet
};

}  // namespace kq::net
