#pragma once
// Derived school-health values (gateway/derived/, docs/derived-values.md) for a planned message:
// the step between mapping and the write batch that recomputes BMI, fitness scores, vision grades
// and myopia flags into the records' bodies and appends the Alert records the 预警 rules raise.
// Live ingest and `kangqiao reprocess` both call it, with the message's receipt time as "now",
// so a message run again raises the same alerts (their ids come from the rule and the record).
//
// What the rules need from the store is read once per message, not per record: the persons the
// message's identity links name today, their Person record (sex), their latest Enrollment
// (grade) and their earlier vision screenings (the acuity-drop rule compares with the latest).
#include <cstdint>
#include <string>
#include <vector>

#include "gateway/derived/school_health_rules.hpp"
#include "gateway/pipeline/batch_builder.hpp"
#include "gateway/store/store.hpp"

namespace kq::pipeline {

struct DerivedValues {
  // Sent values that disagree with the computed ones, and values that could not be derived:
  // for the receipt (kq_outcome.notes).
  std::vector<plugin_host::OutcomeNote> notes;
  std::vector<std::string> alert_rules;  // the rule of each Alert appended, for the metric
  std::size_t derived = 0;               // records whose derived values were computed
};

// Runs the rules over `plan`'s records when it is to be committed and holds a FitnessTest,
// VisionScreening or MentalHealthScreening; does nothing when `rules` is nullptr. The records
// are changed in place, and the alerts appended to them (and to plan.record_documents).
DerivedValues derive_values(MessagePlan& plan, const derived::SchoolHealthRules* rules, store::Store& store,
                            std::int64_t now_ms);

}  // namespace kq::pipeline
