// The throttle that keeps a flood of refused clients from flooding the audit log: one entry per
// listener, peer address and reason per window, and the count of the rest in one more entry.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/net/auth_failure.hpp"

namespace kq::net {
namespace {

using namespace std::chrono_literals;
using Entry = AuthFailureThrottle::Entry;

AuthFailure failure(std::string peer, std::string reason = "certificate revoked", std::string listener = "ingest") {
  return AuthFailure{std::move(listener), std::move(peer), std::move(reason), "AB12", "CN=revoked-client"};
}

// What the throttle emitted, from any thread.
struct Collected {
  std::mutex mutex;
  std::vector<Entry> entries;
  AuthFailureThrottle::Emit emit() {
    return [this](const Entry& e) {
      std::lock_guard lock(mutex);
      entries.push_back(e);
    };
  }
};

TEST(AuthFailureThrottle, AFloodFromOnePeerIsOneEntryThenItsCount) {
  AuthFailureThrottle throttle(60s);
  Collected out;
  const auto t0 = AuthFailureThrottle::Clock::now();
  for (int i = 0; i < 20; ++i) throttle.report(failure("10.0.0.7"), t0 + i * 50ms, out.emit());
  ASSERT_EQ(out.entries.size(), 1u);
  EXPECT_EQ(out.entries[0].suppressed, 0u);
  EXPECT_EQ(out.entries[0].failure.peer_address, "10.0.0.7");
  EXPECT_EQ(out.entries[0].failure.fingerprint_sha256, "AB12");  // the first one keeps its certificate

  throttle.flush(t0 + 59s, out.emit());
  EXPECT_EQ(out.entries.size(), 1u) << "the window has not ended";
  throttle.flush(t0 + 60s, out.emit());
  ASSERT_EQ(out.entries.size(), 2u);
  const Entry& summary = out.entries[1];
  EXPECT_EQ(summary.suppressed, 19u);
  EXPECT_EQ(summary.window, 60s);
  EXPECT_EQ(summary.failure.listener, "ingest");
  EXPECT_EQ(summary.failure.peer_address, "10.0.0.7");
  EXPECT_EQ(summary.failure.reason, "certificate revoked");
  EXPECT_EQ(summary.failure.fingerprint_sha256, "") << "the held-back ones may each have shown another";

  // Quiet for a whole window: the next failure is written as it happens again.
  throttle.flush(t0 + 120s, out.emit());
  EXPECT_EQ(out.entries.size(), 2u);
  throttle.report(failure("10.0.0.7"), t0 + 200s, out.emit());
  ASSERT_EQ(out.entries.size(), 3u);
  EXPECT_EQ(out.entries[2].suppressed, 0u);
}

TEST(AuthFailureThrottle, PeerReasonAndListenerEachHaveTheirOwnWindow) {
  AuthFailureThrottle throttle(60s);
  Collected out;
  const auto t0 = AuthFailureThrottle::Clock::now();
  throttle.report(failure("10.0.0.7"), t0, out.emit());
  throttle.report(failure("10.0.0.8"), t0, out.emit());
  throttle.report(failure("10.0.0.7", "certificate has expired"), t0, out.emit());
  throttle.report(failure("10.0.0.7", "certificate revoked", "hl7"), t0, out.emit());
  throttle.report(failure("10.0.0.7"), t0 + 1s, out.emit());
  ASSERT_EQ(out.entries.size(), 4u);
  EXPECT_EQ(out.entries[1].failure.peer_address, "10.0.0.8");
  EXPECT_EQ(out.entries[2].failure.reason, "certificate has expired");
  EXPECT_EQ(out.entries[3].failure.listener, "hl7");
}

TEST(AuthFailureThrottle, AFloodThatGoesOnIsOneEntryPerWindow) {
  AuthFailureThrottle throttle(60s);
  Collected out;
  const auto t0 = AuthFailureThrottle::Clock::now();
  // Ten failures a second for three minutes, with no flush in between: the failures themselves
  // report the window that ended.
  for (int i = 0; i < 1800; ++i) throttle.report(failure("10.0.0.7"), t0 + i * 100ms, out.emit());
  ASSERT_EQ(out.entries.size(), 3u);
  EXPECT_EQ(out.entries[0].suppressed, 0u);
  EXPECT_EQ(out.entries[1].suppressed, 599u);  // the rest of the first minute
  EXPECT_EQ(out.entries[2].suppressed, 600u);  // the second minute, counted from its first failure
  throttle.flush(t0 + 10min, out.emit(), /*everything=*/true);
  ASSERT_EQ(out.entries.size(), 4u);
  EXPECT_EQ(out.entries[3].suppressed, 600u);
  std::uint64_t total = 0;
  for (const Entry& e : out.entries) total += e.suppressed == 0 ? 1 : e.suppressed;
  EXPECT_EQ(total, 1800u) << "every failure is either an entry or counted in one";
}

TEST(AuthFailureThrottle, ReportsFromManyThreadsAreAllAccountedFor) {
  AuthFailureThrottle throttle(1h);
  Collected out;
  const auto emit = out.emit();
  const auto t0 = AuthFailureThrottle::Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) throttle.report(failure("10.0.0." + std::to_string(t)), t0, emit);
    });
  }
  for (auto& th : threads) th.join();
  throttle.flush(t0, emit, /*everything=*/true);
  ASSERT_EQ(out.entries.size(), 8u);  // per peer: the first, and the count of the other 499
  std::uint64_t suppressed = 0;
  for (const Entry& e : out.entries) suppressed += e.suppressed;
  EXPECT_EQ(suppressed, 4u * 499u);
}

}  // namespace
}  // namespace kq::net
