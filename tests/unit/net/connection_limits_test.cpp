// The listener's connection limits on real loopback sockets: a full listener closes its oldest
// connection that has not yet proven itself, never one that has, and refuses a newcomer when all
// have; one address gets at most its share. The protocol here is the smallest there is: a
// connection proves itself by sending one byte, which is echoed.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "gateway/log/log.hpp"
#include "gateway/net/listener.hpp"

namespace kq::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class EchoOneByte final : public TcpListener {
 public:
  using TcpListener::TcpListener;

 private:
  asio::awaitable<void> serve(PlainStream& stream, Session& session) override {
    char byte = 0;
    for (;;) {
      stream.expires_after(30s);
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(&byte, 1),
                                                     asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      session.mark_served();
      auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(&byte, 1),
                                                  asio::as_tuple(asio::use_awaitable));
      if (wec) co_return;
    }
  }
  asio::awaitable<void> serve(TlsStream&, Session&) override { co_return; }
};

// A client socket from `source` (any 127.x address).
class Client {
 public:
  Client(unsigned short port, const char* source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &local.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  // Sends one byte and waits for its echo: the connection has proven itself.
  bool echo() {
    const char byte = 'x';
    if (::send(fd_, &byte, 1, MSG_NOSIGNAL) != 1) return false;
    char back = 0;
    return wait_readable(2000) && ::recv(fd_, &back, 1, 0) == 1 && back == byte;
  }
  // The server closed this connection (within `ms`).
  bool closed_within(int ms) {
    char c = 0;
    return wait_readable(ms) && ::recv(fd_, &c, 1, 0) <= 0;
  }

 private:
  bool wait_readable(int ms) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
  }
  int fd_ = -1;
  bool connected_ = false;
};

class ConnectionLimits : public ::testing::Test {
 protected:
  void SetUp() override { log::set_level(log::Level::error); }
  void TearDown() override {
    if (listener_) {
      listener_->stop_accepting();
      listener_->close_connections();
    }
    work_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
    log::set_level(log::Level::info);
  }

  void start(std::uint32_t max_connections, std::uint32_t per_peer,
             std::chrono::milliseconds read_timeout = std::chrono::milliseconds(30000)) {
    config::ListenerConfig c;
    c.limits.read_timeout = read_timeout;
    c.name = "test";
    c.address = "127.0.0.1";
    c.limits.max_connections = max_connections;
    c.limits.max_connections_per_peer = per_peer;
    listener_ = std::make_shared<EchoOneByte>(ioc_, c, ServerContext{});
    listener_->start();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  // Waits until the listener counts `n` open connections (it accepts asynchronously).
  bool open_becomes(std::size_t n) {
    for (int i = 0; i < 200 && listener_->open_connections() != n; ++i) std::this_thread::sleep_for(5ms);
    return listener_->open_connections() == n;
  }

  std::unique_ptr<Client> client(const char* source = "127.0.0.1") {
    auto c = std::make_unique<Client>(listener_->port(), source);
    EXPECT_TRUE(c->connected());
    return c;
  }

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ioc_);
  std::shared_ptr<EchoOneByte> listener_;
  std::thread thread_;
};

TEST_F(ConnectionLimits, AFullListenerClosesItsOldestUnprovenConnection) {
  start(3, 100);
  auto served = client();
  ASSERT_TRUE(served->echo());
  auto idle_old = client();
  ASSERT_TRUE(open_becomes(2));
  auto idle_new = client();
  ASSERT_TRUE(open_becomes(3));
  auto newcomer = client();
  EXPECT_TRUE(idle_old->closed_within(2000));
  EXPECT_TRUE(newcomer->echo());
  EXPECT_TRUE(served->echo());
  EXPECT_FALSE(idle_new->closed_within(100));
  EXPECT_EQ(listener_->counters().evicted.load(), 1u);
  EXPECT_EQ(listener_->counters().refused_full.load(), 0u);
}

TEST_F(ConnectionLimits, WhenEveryConnectionHasBeenServedANewcomerIsRefused) {
  start(2, 100);
  auto a = client();
  auto b = client();
  ASSERT_TRUE(a->echo());
  ASSERT_TRUE(b->echo());
  auto c = client();
  EXPECT_TRUE(c->closed_within(2000));
  EXPECT_TRUE(a->echo());
  EXPECT_TRUE(b->echo());
  EXPECT_EQ(listener_->counters().refused_full.load(), 1u);
  EXPECT_EQ(listener_->counters().evicted.load(), 0u);
}

TEST_F(ConnectionLimits, AServedConnectionIdleLongerThanTheReadTimeoutMakesRoom) {
  start(2, 100, std::chrono::milliseconds(300));
  auto a = client();
  auto b = client();
  ASSERT_TRUE(a->echo());
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(b->echo());  // b is fresh again; a has been idle past the read timeout
  auto c = client();
  EXPECT_TRUE(c->echo());
  EXPECT_TRUE(a->closed_within(2000));
  EXPECT_TRUE(b->echo());
  EXPECT_EQ(listener_->counters().evicted.load(), 1u);
  EXPECT_EQ(listener_->counters().refused_full.load(), 0u);
}

TEST_F(ConnectionLimits, OneAddressGetsItsShareAndOthersStillGetIn) {
  start(100, 2);
  auto a = client("127.0.0.2");
  auto b = client("127.0.0.2");
  ASSERT_TRUE(open_becomes(2));
  auto c = client("127.0.0.2");
  EXPECT_TRUE(c->closed_within(2000));
  auto other = client("127.0.0.3");
  EXPECT_TRUE(other->echo());
  EXPECT_TRUE(a->echo());
  EXPECT_EQ(listener_->counters().refused_per_peer.load(), 1u);
  // A closed connection gives its share back.
  b.reset();
  ASSERT_TRUE(open_becomes(2));
  auto d = client("127.0.0.2");
  EXPECT_TRUE(d->echo());
}

}  // namespace
}  // namespace kq::net
