#pragma once
// The disclosure decision for one record: may this requester receive it for this purpose now?
// Pure and fast — no I/O, no allocation — so that a page of thousands of records is decided
// before it is paged (denied records must not show in counts, sizes or cursors).
//
// The rules, in order (docs/consent.md explains each):
//  1. a record outside the requester's jurisdiction is not found;
//  2. a record whose categories cannot be read is denied; one that is not about a person (an
//     organisation) is permitted;
//  3. a statutory flow for the requester's organisation and purpose that covers every category
//     of the record permits it, whatever the consents say;
//  4. otherwise only a consent permits, and only one that is active, within its period, names
//     the recipient (organisation or role), the purpose and every category, is a separate consent
//     when the record is sensitive (health data, or a subject under the guardian age at the
//     decision or at the record's own date), and was granted by a guardian when the subject was
//     under the guardian age on the grant date;
//  5. a refusal (a consent with status rejected) that names the recipient, the purpose and one of
//     the record's categories denies, unless a permitting consent was expressed after it: the
//     later wish wins and a tie is a denial;
//  6. anything else is denied (default deny), with the reason of the consent that came nearest.
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/consent/facts.hpp"
#include "gateway/consent/policy.hpp"

namespace kq::consent {

enum class Outcome : std::uint8_t { permit, deny, not_found };

enum class Reason : std::uint8_t {
  // permit
  consent,       // an active, matching consent (Decision::consent)
  statutory,     // a statutory flow (Decision::flow)
  not_personal,  // not information about a person
  // not found
  outside_jurisdiction,
  // deny
  record_unreadable,   // the record's kind or body cannot be read, so neither can its categories
  no_subject,          // a personal record that names no person: nothing can cover it
  no_consent,          // the subject has no consent that could apply
  consent_unreadable,  // a stored consent of the subject cannot be read: fail closed
  refused,             // a refusal not overtaken by a later consent (Decision::consent)
  // deny, by the consent that came nearest (Decision::consent), in the order its checks run
  consent_inactive,
  consent_withdrawn,
  consent_expired,
  consent_not_yet_valid,
  recipient_not_covered,
  purpose_not_covered,
  category_not_covered,
  separate_consent_required,
  guardian_required,
};

std::string_view outcome_code(Outcome outcome);  // "permit" | "deny" | "not_found"
std::string_view reason_code(Reason reason);     // "purpose_not_covered", …

struct Decision {
  Outcome outcome = Outcome::deny;
  Reason reason = Reason::no_consent;
  // The consent that permitted, that refused, or that came nearest to permitting; points into
  // the SubjectFacts given to decide().
  const ConsentTerms* consent = nullptr;
  // The statutory flow that permitted; points into the Request.
  const StatutoryFlow* flow = nullptr;
  bool permitted() const { return outcome == Outcome::permit; }
};

// `subject` is the record subject's facts, or nullptr when nothing is known about it (no
// consents, birth date unknown).
Decision decide(const Request& request, const RecordFacts& record, const SubjectFacts* subject);

// The same, looking the subject up in `subjects`.
Decision decide(const Request& request, const RecordFacts& record, const SubjectTable& subjects);

// One sentence for an operator or an audit entry: which rule decided, and by which consent or
// legal basis. Names no person, only consent ids, codes and the flow's legal basis.
std::string explain(const Request& request, const RecordFacts& record, const Decision& decision);

}  // namespace kq::consent
