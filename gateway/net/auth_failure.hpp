#pragma once
// Clients that did not authenticate: a TLS handshake that refused the client's certificate (none
// when one is required, an untrusted chain, expired, revoked, no current CRL), or a verified
// certificate that no principal maps. Each is a security event for the audit log; a flood of
// them (a misconfigured client retrying in a loop, a scanner) must not flood the log, so the
// throttle lets one through per listener, peer address and reason per window and counts the rest.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/log/repeat_filter.hpp"

namespace kq::net {

struct AuthFailure {
  std::string listener;
  std::string peer_address;        // IP address only: the port changes with every attempt
  std::string reason;              // OpenSSL's verify result, or why the certificate was not accepted
  std::string fingerprint_sha256;  // of the client's certificate; empty when it sent none
  std::string subject;             // RFC 2253; empty when it sent none
};

class AuthFailureThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  // What to audit: a failure as it happened (suppressed == 0), or the count of the failures with
  // the same listener, peer address and reason that a window held back (suppressed > 0; then the
  // certificate fields are empty, since the suppressed ones may each have shown another).
  struct Entry {
    AuthFailure failure;
    std::uint64_t suppressed = 0;
    std::chrono::milliseconds window{0};
  };
  using Emit = std::function<void(const Entry&)>;

  explicit AuthFailureThrottle(std::chrono::milliseconds window);

  // Thread-safe. `emit` runs after the throttle's lock is released, on the calling thread.
  void report(const AuthFailure& failure, Clock::time_point now, const Emit& emit);
  // Emits the counts of windows that have ended (all of them with `everything`, at shutdown).
  // Called periodically, so that a burst's count is audited even if the failures stop.
  void flush(Clock::time_point now, const Emit& emit, bool everything = false);

 private:
  static std::string key_of(const AuthFailure& failure);
  static AuthFailure failure_of_key(const std::string& key);
  std::vector<Entry> summaries(const std::vector<log::RepeatFilter::Summary>& held_back) const;

  std::mutex mutex_;
  log::RepeatFilter filter_;  // the same one-then-count windows the log uses for repeated lines
};

}  // namespace kq::net
