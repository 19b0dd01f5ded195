#pragma once
// An HTTP or HTTPS listener (Boost.Beast, C++20 coroutines): built-in endpoints (/healthz,
// /readyz, /metrics) and the routes adapters asked for. Every read has a size limit and a
// timeout; errors are RFC 7807 problem documents.
#include <string>

#include <boost/asio/awaitable.hpp>

#include "gateway/net/listener.hpp"

namespace kq::http {

struct Request {
  std::string listener;
  std::string method;
  std::string path;
  std::string content_type;
  std::string body;
  std::string idempotency_key;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// RFC 7807 problem document.
Response problem(int status, const std::string& title, const std::string& detail);

class HttpServer final : public net::TcpListener {
 public:
  using net::TcpListener::TcpListener;

 private:
  boost::asio::awaitable<void> serve(net::PlainStream& stream, net::Session& session) override;
  boost::asio::awaitable<void> serve(net::TlsStream& stream, net::Session& session) override;
  template <class Stream>
  boost::asio::awaitable<void> serve_requests(Stream& stream, net::Session& session);
  boost::asio::awaitable<Response> handle(Request request, const net::Session& session);
};

}  // namespace kq::http
