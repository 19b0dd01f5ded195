#pragma once
// Writes client authentication failures (net/auth_failure.hpp) to the audit log: DICOM 110114
// "User Authentication", outcome serious failure (8), one WriteBatch holding only that entry, so
// it commits on its own and never rides along with (or waits for) a message's transaction.
// The throttle keeps a flood to one entry per listener, peer address and reason per window.
#include <chrono>
#include <functional>

#include "gateway/net/auth_failure.hpp"
#include "gateway/store/store.hpp"

namespace kq::runtime {

// The audit entry for one throttle entry. Its detail names the listener, the peer address, the
// reason and the certificate (SHA-256 fingerprint and subject) when one was shown — nothing about
// any person — and, for a summary, how many failures the window held back.
store::AuditEntry auth_failure_audit_entry(const net::AuthFailureThrottle::Entry& entry);

class AuthFailureAudit {
 public:
  // `store` returns the open store, or nullptr while it opens (failures are then only logged).
  AuthFailureAudit(std::chrono::milliseconds window, std::function<store::Store*()> store);

  // Any thread; does not block (the write is queued).
  void report(const net::AuthFailure& failure);
  // Audits the counts of windows that have ended; `everything` at shutdown, before the store closes.
  void flush(bool everything = false);

 private:
  void write(const net::AuthFailureThrottle::Entry& entry);

  net::AuthFailureThrottle throttle_;
  std::function<store::Store*()> store_;
};

}  // namespace kq::runtime
