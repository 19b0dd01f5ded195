#pragma once
// The consent registry's write side, for whatever records a consent (the consent admin API, a
// reprocessing tool): consents are records of kind "consent" in the store, versioned like every
// record, so recording one is a WriteBatch with its envelope and a withdrawal is a new version.
// These helpers add the checks that need the store: the subject's birth date for the guardian
// rule, and the consent's earlier version.
#include <optional>
#include <string_view>
#include <vector>

#include "gateway/core/model.hpp"
#include "gateway/core/record.hpp"
#include "gateway/store/store.hpp"

namespace kq::consent {

// Every problem with writing `consent` as the next version of its record: core validation with
// the subject's birth date known (a subject under `guardian_age` on the grant date needs a
// guardian as grantor), plus the rules across versions — the subject of a consent never changes,
// and a withdrawal is final (agreeing again is a new consent, so the history stays true).
//
// `subject_in_batch`: the consent arrives together with its subject's person record (a mapping
// made both from one document); its birth date (which may be unknown) counts beside the stored
// ones, and the subject need not be in the store yet.
struct SubjectInBatch {
  std::optional<core::PartialDate> birth_date;
};
std::vector<core::FieldError> check_consent_write(store::Reader& reader, const core::Consent& consent,
                                                  int guardian_age,
                                                  std::optional<core::PartialDate> today = std::nullopt,
                                                  const SubjectInBatch* subject_in_batch = nullptr);

// The current version of a consent, or nothing when there is none (or it is not a consent).
std::optional<core::Consent> current_consent(store::Reader& reader, std::string_view consent_id);

// The current version of every consent whose subject is this person or a person merged with it.
std::vector<core::Consent> consents_of_subject(store::Reader& reader, const std::string& person_id);

// The next version of `consent`, withdrawn at `at` (PIPL art. 15). Earlier disclosures stay
// lawful and audited; every decision after `at` is a denial.
core::Consent withdrawn(core::Consent consent, const core::DateTime& at);

}  // namespace kq::consent
