#pragma once
// An MLLP listener (HL7 v2 over TCP, optionally TLS with client certificates). Frames on one
// connection are processed strictly in order: the next frame is handed to the adapter only after
// the previous one was committed and acknowledged. Each listener serves exactly one adapter.
#include <boost/asio/awaitable.hpp>

#include "gateway/net/listener.hpp"

namespace kq::mllp {

class MllpServer final : public net::TcpListener {
 public:
  using net::TcpListener::TcpListener;

 private:
  boost::asio::awaitable<void> serve(net::PlainStream& stream, net::Session& session) override;
  boost::asio::awaitable<void> serve(net::TlsStream& stream, net::Session& session) override;
  template <class Stream>
  boost::asio::awaitable<void> serve_frames(Stream& stream, net::Session& session);
};

}  // namespace kq::mllp
