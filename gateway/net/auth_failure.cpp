#include "gateway/net/auth_failure.hpp"

namespace kq::net {

namespace {
// Separates the parts of a throttle key; no listener name, address or OpenSSL reason holds it.
constexpr char kSeparator = '\x1f';
// Distinct (listener, peer, reason) triples tracked at once. Beyond it the filter writes every
// failure rather than forget counts: a flood from more addresses than this is worth every line.
constexpr std::size_t kMaxTracked = 4096;
}  // namespace

AuthFailureThrottle::AuthFailureThrottle(std::chrono::milliseconds window) : filter_(kMaxTracked) {
  filter_.set_window(window);
}

std::string AuthFailureThrottle::key_of(const AuthFailure& failure) {
  return failure.listener + kSeparator + failure.peer_address + kSeparator + failure.reason;
}

AuthFailure AuthFailureThrottle::failure_of_key(const std::string& key) {
  AuthFailure failure;
  const std::size_t first = key.find(kSeparator);
  const std::size_t second = key.find(kSeparator, first + 1);
  failure.listener = key.substr(0, first);
  failure.peer_address = key.substr(first + 1, second - first - 1);
  failure.reason = key.substr(second + 1);
  return failure;
}

std::vector<AuthFailureThrottle::Entry> AuthFailureThrottle::summaries(
    const std::vector<log::RepeatFilter::Summary>& held_back) const {
  std::vector<Entry> out;
  out.reserve(held_back.size());
  for (const auto& s : held_back) out.push_back(Entry{failure_of_key(s.key), s.repeats, s.window});
  return out;
}

void AuthFailureThrottle::report(const AuthFailure& failure, Clock::time_point now, const Emit& emit) {
  std::vector<log::RepeatFilter::Summary> held_back;
  bool admitted = false;
  {
    std::lock_guard lock(mutex_);
    admitted = filter_.admit(key_of(failure), now,
                             [&held_back](const log::RepeatFilter::Summary& s) { held_back.push_back(s); });
  }
  for (const Entry& e : summaries(held_back)) emit(e);
  if (admitted) emit(Entry{failure, 0, std::chrono::milliseconds(0)});
}

void AuthFailureThrottle::flush(Clock::time_point now, const Emit& emit, bool everything) {
  std::vector<log::RepeatFilter::Summary> held_back;
  {
    std::lock_guard lock(mutex_);
    filter_.flush(now, [&held_back](const log::RepeatFilter::Summary& s) { held_back.push_back(s); }, everything);
  }
  for (const Entry& e : summaries(held_back)) emit(e);
}

}  // namespace kq::net
