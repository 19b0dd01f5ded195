#include "gateway/runtime/auth_audit.hpp"

#include <chrono>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/log/log.hpp"

namespace kq::runtime {

store::AuditEntry auth_failure_audit_entry(const net::AuthFailureThrottle::Entry& entry) {
  const net::AuthFailure& f = entry.failure;
  boost::json::object detail;
  detail["listener"] = f.listener;
  detail["peer"] = f.peer_address;  // "peer": the FHIR export puts it in the agent's network address
  detail["detail"] = f.reason;      // "detail": the FHIR export's outcomeDesc
  if (!f.fingerprint_sha256.empty()) detail["fingerprint_sha256"] = f.fingerprint_sha256;
  if (!f.subject.empty()) detail["subject"] = f.subject;
  if (entry.suppressed > 0) {
    detail["suppressed"] = entry.suppressed;
    // Whole seconds, rounded up: the window as it ran, from its first failure to its summary.
    detail["window_s"] = std::chrono::ceil<std::chrono::seconds>(entry.window).count();
  }
  store::AuditEntry a;
  a.event_type = std::string(store::audit_event::user_authentication);
  a.action = store::AuditAction::execute;
  a.outcome = store::AuditOutcome::serious_failure;
  a.actor = "anonymous";  // whoever it was, they did not become a principal
  a.detail_json = boost::json::serialize(detail);
  return a;
}

AuthFailureAudit::AuthFailureAudit(std::chrono::milliseconds window, std::function<store::Store*()> store)
    : throttle_(window), store_(std::move(store)) {}

void AuthFailureAudit::report(const net::AuthFailure& failure) {
  throttle_.report(failure, net::AuthFailureThrottle::Clock::now(), [this](const auto& e) { write(e); });
}

void AuthFailureAudit::flush(bool everything) {
  throttle_.flush(net::AuthFailureThrottle::Clock::now(), [this](const auto& e) { write(e); }, everything);
}

void AuthFailureAudit::write(const net::AuthFailureThrottle::Entry& entry) {
  store::Store* store = store_();
  if (store == nullptr) {
    // Only a listener that serves /healthz takes connections before the store opens.
    log::warn("auth_failure_not_audited", {{"listener", entry.failure.listener},
                                           {"peer_address", entry.failure.peer_address},
                                           {"reason", entry.failure.reason},
                                           {"why", "the store is still opening"}});
    return;
  }
  store::WriteBatch batch;
  batch.audit.push_back(auth_failure_audit_entry(entry));
  store->submit(std::move(batch), [listener = entry.failure.listener](store::WriteResult r) {
    if (r.status == store::WriteStatus::committed) return;
    log::error("auth_failure_audit_failed", {{"listener", listener}, {"error", r.error}});
  });
}

}  // namespace kq::runtime
