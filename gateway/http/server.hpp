#pragma once
// One HTTP or HTTPS listener (Boost.Beast, C++20 coroutines). Every connection runs on its own
// strand, every read has a size limit and a timeout, and shutdown is graceful: stop accepting,
// close idle connections, let requests in flight finish.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "gateway/config/gateway_config.hpp"
#include "gateway/http/router.hpp"

namespace kq::http {

class HttpServer : public std::enable_shared_from_this<HttpServer> {
 public:
  HttpServer(boost::asio::io_context& ioc, config::ListenerConfig config, ServerContext context);
  ~HttpServer();

  // Binds and starts accepting. Throws std::runtime_error naming the listener and address.
  void start();
  unsigned short port() const { return port_; }
  const config::ListenerConfig& config() const { return config_; }

  // Graceful shutdown, step by step: no new connections; then idle ones are closed and busy ones
  // close after their current response.
  void stop_accepting();
  void close_connections();
  std::size_t open_connections() const { return open_.load(); }
  std::size_t busy_connections() const;

  struct Session;  // one connection's shared state (defined in server.cpp)

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket);
  template <class Stream>
  boost::asio::awaitable<void> serve(Stream& stream, std::shared_ptr<Session> session,
                                     const PeerCertificate& certificate);
  boost::asio::awaitable<Response> handle(Request request);

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

}  // namespace kq::http
