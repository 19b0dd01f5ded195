#pragma once
// What every TCP listener shares, whatever it speaks (HTTP, MLLP): binding, the accept loop,
// one strand per connection, the connection limit, the TLS handshake with client certificates,
// and graceful shutdown (stop accepting; close idle connections; busy ones finish first).
// A protocol derives from it and implements serve() for plain and TLS streams.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
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

// One connection's shared state, seen by the listener's shutdown.
struct Session {
  std::atomic<bool> busy{false};   // between reading a request and writing its reply
  std::function<void()> close;     // closes the socket; run on the session's strand only
  boost::asio::any_io_executor executor;
  std::string peer;                // "ip:port"
  PeerCertificate certificate;     // verified client certificate, if any
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
  std::size_t open_connections() const { return open_.load(); }
  std::size_t busy_connections() const;

 protected:
  virtual boost::asio::awaitable<void> serve(PlainStream& stream, Session& session) = 0;
  virtual boost::asio::awaitable<void> serve(TlsStream& stream, Session& session) = 0;
  bool closing() const { return closing_.load(); }
  const ServerContext& context() const { return context_; }
  // The principal a verified client certificate maps to; nullptr when none.
  const config::PrincipalConfig* principal_of(const Session& session, const RouteTable& routes) const;

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  config::ListenerConfig config_;
  ServerContext context_;
  std::optional<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<std::size_t> open_{0};
  std::atomic<bool> closing_{false};
  mutable std::mutex sessions_mutex_;
  std::set<std::shared_ptr<Session>> sessions_;
};

}  // namespace kq::net
