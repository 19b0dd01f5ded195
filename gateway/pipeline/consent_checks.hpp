#pragma once
// Consents that arrive through adapters (a mapping can produce consent records) get the checks
// that the consent admin API applies (consent::check_consent_write): the subject's age on the
// grant date as the store knows it — under the guardian age a guardian must grant — and the rules
// across versions (the subject never changes, a withdrawal is final). A consent whose subject is a
// person of the same message is checked against that person's birth date as sent.
#include "gateway/pipeline/batch_builder.hpp"
#include "gateway/store/store.hpp"

namespace kq::pipeline {

// Turns a plan to commit into a content error (dead letter, every problem named) when one of its
// consents fails; leaves every other plan as it is. Reads the store only when there is a consent.
void check_consents(MessagePlan& plan, store::Store& store, int guardian_age);

}  // namespace kq::pipeline
