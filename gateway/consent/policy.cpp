#include "gateway/consent/policy.hpp"

#include <algorithm>

#include "gateway/core/dates.hpp"

namespace kq::consent {

std::string_view refusal_code(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::unknown_principal: return "unknown_principal";
    case RefusalReason::missing_role: return "missing_role";
    case RefusalReason::purpose_missing: return "purpose_missing";
    case RefusalReason::purpose_unknown: return "purpose_unknown";
    case RefusalReason::purpose_not_allowed: return "purpose_not_allowed";
  }
  return "unknown_principal";  // unreachable
}

std::int64_t china_day(std::int64_t utc_ms) {
  // Floor division: instants before 1970 land on the right day too.
  const std::int64_t local_ms = utc_ms + std::int64_t{core::kChinaStandardOffsetMinutes} * 60'000;
  const std::int64_t day_ms = 86'400'000;
  return local_ms >= 0 ? local_ms / day_ms : -((-local_ms + day_ms - 1) / day_ms);
}

Policy::Policy(const config::GatewayConfig& config)
    : consent_(config.consent), guardian_age_(static_cast<int>(config.consent.guardian_age)) {
  for (const config::PrincipalConfig& p : config.principals) {
    Requester r;
    r.principal = p.name;
    r.organisation = p.organisation;
    r.roles = p.roles;
    r.purposes = p.purposes;
    r.jurisdiction = Jurisdiction(p.jurisdiction);
    requesters_.emplace(p.name, std::move(r));
  }
  for (const config::StatutoryFlowConfig& f : config.consent.statutory) {
    StatutoryFlow flow{f.name, f.organisation, f.purposes, {}, f.legal_basis};
    for (const std::string& code : f.categories) {
      if (auto category = core::parse_data_category(code)) flow.categories.add(*category);
    }
    statutory_.push_back(std::move(flow));
  }
}

const Requester* Policy::requester(std::string_view principal) const {
  auto it = requesters_.find(principal);
  return it == requesters_.end() ? nullptr : &it->second;
}

std::vector<std::string> Policy::warnings() const {
  std::vector<std::string> out;
  for (const auto& [name, who] : requesters_) {
    if (std::find(who.roles.begin(), who.roles.end(), config::roles::records_pull) == who.roles.end()) continue;
    if (who.purposes.empty()) {
      out.push_back("principal '" + name + "' has the role records.pull but no purposes: every pull it makes is refused");
    }
    if (who.jurisdiction.empty()) {
      out.push_back("principal '" + name + "' has the role records.pull but no jurisdiction: it receives no record");
    }
  }
  return out;
}

std::variant<Request, Refusal> Policy::open(std::string_view principal, std::string_view purpose,
                                            std::int64_t now_ms) const {
  const Requester* who = requester(principal);
  const std::string name(principal);
  if (who == nullptr) {
    return Refusal{RefusalReason::unknown_principal, "no principal '" + name + "' is configured"};
  }
  const auto& roles = who->roles;
  if (std::find(roles.begin(), roles.end(), config::roles::records_pull) == roles.end()) {
    return Refusal{RefusalReason::missing_role, "principal '" + name + "' lacks the role records.pull"};
  }
  if (purpose.empty()) {
    return Refusal{RefusalReason::purpose_missing,
                   "a pull must name its purpose of use (e.g. purpose=PUBHLTH)"};
  }
  const std::string why(purpose);
  if (!consent_.knows_purpose(purpose)) {
    return Refusal{RefusalReason::purpose_unknown, "'" + why + "' is not a known purpose of use"};
  }
  if (std::find(who->purposes.begin(), who->purposes.end(), purpose) == who->purposes.end()) {
    return Refusal{RefusalReason::purpose_not_allowed,
                   "principal '" + name + "' may not pull for the purpose '" + why + "'"};
  }
  Request request;
  request.requester = *who;
  request.purpose = why;
  request.now_ms = now_ms;
  request.today = china_day(now_ms);
  request.guardian_age = guardian_age_;
  for (const StatutoryFlow& flow : statutory_) {
    const bool for_purpose = std::find(flow.purposes.begin(), flow.purposes.end(), purpose) != flow.purposes.end();
    const bool for_us = !who->organisation.empty() && flow.organisation == who->organisation;
    if (for_us && for_purpose) request.flows.push_back(flow);
  }
  return request;
}

}  // namespace kq::consent
