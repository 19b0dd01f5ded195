#include "gateway/consent/decide.hpp"

#include <algorithm>

namespace kq::consent {

namespace {

using State = ConsentTerms::State;

bool listed(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool names_recipient(const ConsentTerms& c, const Requester& who) {
  if (!who.organisation.empty() && listed(c.recipient_orgs, who.organisation)) return true;
  for (const std::string& role : c.recipient_roles) {
    if (listed(who.roles, role)) return true;
  }
  return false;
}

bool in_period(const ConsentTerms& c, std::int64_t today) {
  return today >= c.valid_from_day && today <= c.valid_to_day;
}

// A refusal applies when it names the recipient, the purpose and any category of the record:
// "no" to mental-health data is "no" to a diagnosis that is also mental health.
bool refusal_applies(const ConsentTerms& c, const Request& request, const RecordFacts& record) {
  if (c.unreadable) return true;
  const bool category = c.all_categories || (c.categories.bits() & record.categories.bits()) != 0;
  return category && in_period(c, request.today) && names_recipient(c, request.requester) &&
         listed(c.purposes, request.purpose);
}

// The checks of one consent in order; the reason of the first that fails, or nothing (it
// permits). The position of the failing check says how near the consent came.
struct Check {
  int rank;
  Reason reason;
};
constexpr int kPasses = 100;

Check check_consent(const ConsentTerms& c, const Request& request, const RecordFacts& record,
                    std::int64_t adult_from_day, bool sensitive) {
  switch (c.state) {
    case State::active: break;
    case State::withdrawn: return {0, Reason::consent_withdrawn};
    case State::expired: return {0, Reason::consent_expired};
    case State::inactive:
    case State::refusal: return {0, Reason::consent_inactive};
  }
  if (c.granted_ms > request.now_ms || request.today < c.valid_from_day) return {1, Reason::consent_not_yet_valid};
  if (request.today > c.valid_to_day) return {1, Reason::consent_expired};
  if (!names_recipient(c, request.requester)) return {2, Reason::recipient_not_covered};
  if (!listed(c.purposes, request.purpose)) return {3, Reason::purpose_not_covered};
  if (!c.categories.covers(record.categories)) return {4, Reason::category_not_covered};
  if (sensitive && !c.separate) return {5, Reason::separate_consent_required};
  // PIPL art. 31 on the grant date; an unknown grant date or birth date cannot show the subject
  // was old enough to consent alone.
  if (!c.grantor_is_guardian && (!c.grant_day || *c.grant_day < adult_from_day)) {
    return {6, Reason::guardian_required};
  }
  return {kPasses, Reason::consent};
}

}  // namespace

std::string_view outcome_code(Outcome outcome) {
  switch (outcome) {
    case Outcome::permit: return "permit";
    case Outcome::deny: return "deny";
    case Outcome::not_found: return "not_found";
  }
  return "deny";  // unreachable
}

std::string_view reason_code(Reason reason) {
  switch (reason) {
    case Reason::consent: return "consent";
    case Reason::statutory: return "statutory";
    case Reason::not_personal: return "not_personal";
    case Reason::outside_jurisdiction: return "outside_jurisdiction";
    case Reason::record_unreadable: return "record_unreadable";
    case Reason::no_subject: return "no_subject";
    case Reason::no_consent: return "no_consent";
    case Reason::consent_unreadable: return "consent_unreadable";
    case Reason::refused: return "refused";
    case Reason::consent_inactive: return "consent_inactive";
    case Reason::consent_withdrawn: return "consent_withdrawn";
    case Reason::consent_expired: return "consent_expired";
    case Reason::consent_not_yet_valid: return "consent_not_yet_valid";
    case Reason::recipient_not_covered: return "recipient_not_covered";
    case Reason::purpose_not_covered: return "purpose_not_covered";
    case Reason::category_not_covered: return "category_not_covered";
    case Reason::separate_consent_required: return "separate_consent_required";
    case Reason::guardian_required: return "guardian_required";
  }
  return "no_consent";  // unreachable
}

Decision decide(const Request& request, const RecordFacts& record, const SubjectFacts* subject) {
  if (!request.requester.jurisdiction.covers(record.places)) {
    return {Outcome::not_found, Reason::outside_jurisdiction};
  }
  if (!record.readable) return {Outcome::deny, Reason::record_unreadable};
  if (!record.categories.any_personal()) return {Outcome::permit, Reason::not_personal};
  for (const StatutoryFlow& flow : request.flows) {
    if (flow.categories.covers(record.categories)) return {Outcome::permit, Reason::statutory, nullptr, &flow};
  }
  if (record.subject.empty()) return {Outcome::deny, Reason::no_subject};
  if (subject == nullptr) return {Outcome::deny, Reason::no_consent};

  const std::int64_t adult_from = subject->adult_from_day;
  // PIPL art. 28: everything about a child under 14 is sensitive — a child now, or when the
  // record was made.
  const bool minor = request.today < adult_from || (record.day && *record.day < adult_from);
  const bool sensitive = minor || record.categories.any_sensitive();

  const ConsentTerms* permit = nullptr;
  const ConsentTerms* refusal = nullptr;
  const ConsentTerms* nearest = nullptr;
  Check nearest_check{-1, Reason::no_consent};
  for (const ConsentTerms& c : subject->consents) {
    if (c.unreadable || (c.by_consent && c.state == State::refusal)) {
      if (refusal_applies(c, request, record) && (refusal == nullptr || c.expressed_ms > refusal->expressed_ms)) {
        refusal = &c;
      }
      continue;
    }
    if (!c.by_consent) continue;  // other lawful bases permit only as configured statutory flows
    const Check check = check_consent(c, request, record, adult_from, sensitive);
    if (check.rank == kPasses) {
      if (permit == nullptr || c.expressed_ms > permit->expressed_ms) permit = &c;
    } else if (check.rank > nearest_check.rank) {
      nearest = &c;
      nearest_check = check;
    }
  }
  if (permit != nullptr && (refusal == nullptr || permit->expressed_ms > refusal->expressed_ms)) {
    return {Outcome::permit, Reason::consent, permit};
  }
  if (refusal != nullptr) {
    return {Outcome::deny, refusal->unreadable ? Reason::consent_unreadable : Reason::refused, refusal};
  }
  if (nearest != nullptr) return {Outcome::deny, nearest_check.reason, nearest};
  return {Outcome::deny, Reason::no_consent};
}

Decision decide(const Request& request, const RecordFacts& record, const SubjectTable& subjects) {
  const SubjectFacts* subject = nullptr;
  if (!record.subject.empty()) {
    auto it = subjects.find(record.subject);
    if (it != subjects.end()) subject = &it->second;
  }
  return decide(request, record, subject);
}

std::string explain(const Request& request, const RecordFacts& record, const Decision& d) {
  const std::string consent =
      d.consent ? "consent " + d.consent->id + " (version " + std::to_string(d.consent->version) + ")" : "";
  switch (d.reason) {
    case Reason::consent: return "permitted by " + consent;
    case Reason::statutory:
      return "permitted by the statutory flow '" + d.flow->name + "': " + d.flow->legal_basis;
    case Reason::not_personal: return "permitted: not information about a person";
    case Reason::outside_jurisdiction: return "not found: outside the jurisdiction of " + request.requester.principal;
    case Reason::record_unreadable: return "denied: the stored record cannot be read, so neither can its categories";
    case Reason::no_subject: return "denied: the record names no person, so no consent can cover it";
    case Reason::no_consent: return "denied: the subject has no consent that could apply";
    case Reason::consent_unreadable: return "denied: " + consent + " cannot be read";
    case Reason::refused: return "denied: the subject refused in " + consent;
    case Reason::consent_inactive: return "denied: " + consent + " is not active";
    case Reason::consent_withdrawn: return "denied: " + consent + " was withdrawn";
    case Reason::consent_expired: return "denied: " + consent + " has expired";
    case Reason::consent_not_yet_valid: return "denied: " + consent + " is not valid yet";
    case Reason::recipient_not_covered:
      return "denied: " + consent + " does not name " + request.requester.organisation + " or any of its roles";
    case Reason::purpose_not_covered:
      return "denied: " + consent + " does not cover the purpose " + request.purpose;
    case Reason::category_not_covered:
      return "denied: " + consent + " does not cover every category of the record (" + record.categories.codes() + ")";
    case Reason::separate_consent_required:
      return "denied: the record is sensitive (health data, or a child under " + std::to_string(request.guardian_age) +
             ") and " + consent + " is not a separate consent";
    case Reason::guardian_required:
      return "denied: " + consent + " was not granted by a guardian, and the subject was under " +
             std::to_string(request.guardian_age) + " on the grant date (or the birth or grant date is unknown)";
  }
  return "denied";
}

}  // namespace kq::consent
