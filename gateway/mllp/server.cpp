#include "gateway/mllp/server.hpp"

#include <array>
#include <chrono>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "gateway/log/log.hpp"
#include "gateway/mllp/framing.hpp"
#include "gateway/net/await_callback.hpp"

namespace kq::mllp {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

asio::awaitable<void> MllpServer::serve(net::PlainStream& stream, net::Session& session) {
  co_await serve_frames(stream, session);
}

asio::awaitable<void> MllpServer::serve(net::TlsStream& stream, net::Session& session) {
  co_await serve_frames(stream, session);
}

template <class Stream>
asio::awaitable<void> MllpServer::serve_frames(Stream& stream, net::Session& session) {
  const auto& limits = config().limits;
  auto& lowest = beast::get_lowest_layer(stream);
  FrameReader reader(limits.max_body_bytes);
  std::array<char, 64 * 1024> chunk;
  // The read timeout bounds a whole frame, from the first read that waits for it to its last
  // byte. Renewed at every read, it would let a sender trickling a byte every 20 s hold a frame
  // (and a connection) open for as long as it likes. The clock starts when this connection
  // waits for the frame, not when its first bytes came in while the previous frame was being
  // committed: the sender is not to blame for the time the store took.
  std::optional<std::chrono::steady_clock::time_point> frame_deadline;
  bool restart_logged = false;
  while (!closing()) {
    std::optional<std::string> message = reader.next();
    if (!message) {
      if (reader.overflowed()) {
        log::warn("mllp_frame_too_large", {{"listener", config().name},
                                           {"peer", session.peer},
                                           {"limit_bytes", static_cast<std::int64_t>(limits.max_body_bytes)}});
        co_return;
      }
      // Waiting between messages is idle time; inside a frame the frame's deadline applies.
      if (reader.in_frame()) {
        if (!frame_deadline) frame_deadline = std::chrono::steady_clock::now() + limits.read_timeout;
        lowest.expires_at(*frame_deadline);
      } else {
        frame_deadline.reset();
        lowest.expires_after(limits.idle_timeout);
      }
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk), kUseTuple);
      if (ec) {
        if (reader.in_frame()) {
          log::info("mllp_incomplete_frame", {{"listener", config().name}, {"peer", session.peer},
                                              {"timed_out", ec == beast::error::timeout},
                                              {"error", ec.message()}});
        }
        co_return;
      }
      reader.feed(std::string_view(chunk.data(), n));  // an overflow is reported above
      if (reader.restarted_frames() > 0 && !restart_logged) {
        restart_logged = true;  // once per connection: a stream of start bytes must not flood the log
        log::info("mllp_frame_restarted", {{"listener", config().name}, {"peer", session.peer}});
      }
      continue;
    }
    frame_deadline.reset();

    session.busy = true;
    const auto table = context().routes();
    auto it = table->mllp.find(config().name);
    if (it == table->mllp.end()) {
      log::warn("mllp_no_adapter", {{"listener", config().name}});
      co_return;
    }
    const config::PrincipalConfig* principal = principal_of(session, *table);
    if (session.certificate.present && principal == nullptr) {
      // No ACK can be trusted to reach a sender we do not know: refuse by closing.
      log::warn("unmapped_client_certificate", {{"listener", config().name},
                                                {"fingerprint_sha256", session.certificate.fingerprint_sha256}});
      co_return;
    }
    if (!table->access_denied(it->second->name(), principal).empty()) {
      log::warn("access_denied", {{"listener", config().name}, {"adapter", it->second->name()},
                                  {"principal", principal != nullptr ? principal->name : ""}});
      co_return;
    }
    plugin_host::Inbound inbound;
    inbound.adapter = it->second->name();
    inbound.transport = core::Transport::mllp;
    inbound.listener = config().name;
    inbound.channel = config().name;
    inbound.content_type = "application/hl7-v2";
    inbound.payload = std::move(*message);
    inbound.peer_address = session.peer;
    if (principal != nullptr) {
      inbound.organisation = principal->organisation;
      inbound.principal = principal->name;
    }
    inbound.received_at_ms = now_ms();
    auto adapter = it->second;
    auto start = [this, adapter, inbound = std::move(inbound)](
                     std::function<void(plugin_host::AckReply)> done) mutable {
      context().ingest->ingest(adapter, std::move(inbound), std::move(done));
    };
    plugin_host::AckReply reply = co_await net::await_callback<plugin_host::AckReply>(std::move(start));
    // The frame reached its adapter as an allowed sender: a sender, not an idle socket.
    session.mark_served();
    if (reply.close_connection) {
      // The adapter could not build an acknowledgement; the sender resends on a new connection
      // and the message key makes the resend safe.
      session.busy = false;
      co_return;
    }
    if (!reply.body.empty()) {
      const std::string framed = frame(reply.body);
      lowest.expires_after(limits.read_timeout);
      auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(framed), kUseTuple);
      if (wec) {
        session.busy = false;
        co_return;
      }
    }
    session.busy = false;
  }
}

}  // namespace kq::mllp
