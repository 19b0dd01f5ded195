#pragma once
// The disclosure policy of one configuration: who the principals are, what they may ask for,
// which flows rest on a legal duty, and the guardian age. Built once per configuration (and again
// on reload); immutable, so requests on any thread may share it.
//
// A pull goes through two gates, as in HAPI FHIR's consent service: open() decides whether the
// request may run at all (principal, role, purpose) — a refusal there concerns no individual and
// becomes a 403 — and then decide() (decide.hpp) rules on every record before paging.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/config/gateway_config.hpp"
#include "gateway/consent/jurisdiction.hpp"
#include "gateway/core/data_category.hpp"

namespace kq::consent {

struct Requester {
  std::string principal;     // the principal's name in the configuration
  std::string organisation;  // what consents name as a recipient
  std::vector<std::string> roles;
  std::vector<std::string> purposes;  // the purposes it may pull for
  Jurisdiction jurisdiction;
};

// A flow on a legal duty (config::StatutoryFlowConfig), with its categories parsed.
struct StatutoryFlow {
  std::string name;
  std::string organisation;
  std::vector<std::string> purposes;
  core::CategorySet categories;
  std::string legal_basis;
};

// One pull: who asks, for what purpose, when. Self-contained (it copies what it needs from the
// Policy), so it stays valid across a reload.
struct Request {
  Requester requester;
  std::string purpose;
  std::int64_t now_ms = 0;    // the decision time: consents are read as they stand at it
  std::int64_t today = 0;     // its calendar day in China (days_from_civil), for periods and ages
  int guardian_age = 14;
  // The statutory flows for this organisation and purpose; a record is covered by one when
  // the flow's categories cover all of the record's.
  std::vector<StatutoryFlow> flows;
};

enum class RefusalReason : std::uint8_t {
  unknown_principal,    // no principal of that name (the caller authenticated someone unmapped)
  missing_role,         // the principal lacks records.pull
  purpose_missing,      // the request names no purpose
  purpose_unknown,      // neither an HL7 v3 code nor a declared local one
  purpose_not_allowed,  // not among the principal's purposes
};
std::string_view refusal_code(RefusalReason reason);  // "purpose_not_allowed", …

struct Refusal {
  RefusalReason reason;
  std::string message;  // for the requester: names the principal and purpose, nothing about persons
};

class Policy {
 public:
  Policy() = default;
  explicit Policy(const config::GatewayConfig& config);

  // The request-level gate. `now_ms` is UTC milliseconds.
  std::variant<Request, Refusal> open(std::string_view principal, std::string_view purpose,
                                      std::int64_t now_ms) const;

  const Requester* requester(std::string_view principal) const;
  // Settings that are valid but leave a pulling principal with nothing (no purposes, no
  // jurisdiction), one sentence each, for the start-up log.
  std::vector<std::string> warnings() const;
  int guardian_age() const { return guardian_age_; }
  const std::vector<StatutoryFlow>& statutory() const { return statutory_; }

 private:
  std::map<std::string, Requester, std::less<>> requesters_;
  std::vector<StatutoryFlow> statutory_;
  config::ConsentConfig consent_;
  int guardian_age_ = 14;
};

// The calendar day in China of a UTC instant (days_from_civil).
std::int64_t china_day(std::int64_t utc_ms);

}  // namespace kq::consent
