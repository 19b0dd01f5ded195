#pragma once
// An HTTP or HTTPS listener (Boost.Beast, C++20 coroutines): built-in endpoints (/healthz,
// /readyz, /metrics) and the routes adapters asked for. Every read has a size limit and a
// timeout; errors are RFC 7807 problem documents.
#include <string>

#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/net/listener.hpp"

namespace kq::http {

class HttpServer final : public net::TcpListener {
 public:
  using net::TcpListener::TcpListener;

 private:
  boost::asio::awaitable<void> serve(net::PlainStream& stream, net::Session& session) override;
  boost::asio::awaitable<void> serve(net::TlsStream& stream, net::Session& session) override;
  template <class Stream>
  boost::asio::awaitable<void> serve_requests(Stream& stream, net::Session& session);
  boost::asio::awaitable<Response> handle(Request request, const net::Session& session);
  // Requests for the gateway's own APIs, on a pull_api listener.
  boost::asio::awaitable<Response> handle_api(Request request, const net::Session& session);
};

}  // namespace kq::http
