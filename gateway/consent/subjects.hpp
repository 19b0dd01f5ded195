#pragma once
// From the rows the store returns about some subjects (store::ConsentSubjectRows) to the facts
// the decision reads. Pure: the reading is Reader::consent_subjects.
#include "gateway/consent/facts.hpp"
#include "gateway/store/store.hpp"

namespace kq::consent {

// One entry per subject asked about. A subject merged with others gets the consents of all of
// them and the latest of their birth dates (the younger reading, so the stricter one); a subject
// with no person record, or none with a birth date, is treated as a minor.
SubjectTable subject_table(const store::ConsentSubjectRows& rows, int guardian_age);

// The birth date in a stored person body, if it has a readable one.
std::optional<core::PartialDate> birth_date_of(std::string_view person_body_json);

}  // namespace kq::consent
