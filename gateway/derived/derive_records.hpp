#pragma once
// Derived values and alerts for the canonical records of one message or batch, as the pipeline
// holds them (envelopes with JSON bodies): what a batch transport calls between mapping and the
// write batch.
//
// For each FitnessTest, VisionScreening and MentalHealthScreening in `records` it computes the
// derived values, writes them into the body, and appends the Alert records the alert rules
// raise. The tables are by sex and grade, which a fitness record does not carry: they are read
// from the Person (sex) and Enrollment (grade) records of the same batch, or asked of
// `fitness_subject` for a person the batch does not describe. A body that does not parse is left
// alone (validation reports it).
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/record.hpp"
#include "gateway/derived/fitness_score.hpp"
#include "gateway/derived/school_health_rules.hpp"

namespace kq::derived {

struct DeriveContext {
  const SchoolHealthRules& rules;
  core::DateTime now;
  // The person's latest vision screening before `current`, e.g. from the store; may be empty.
  // Earlier screenings of the same person in the batch count as well; the later of the two wins.
  std::function<std::optional<core::VisionScreening>(const core::VisionScreening& current)> previous_vision;
  // Sex and grade of a person the batch has no Person or Enrollment for; may be empty.
  std::function<std::optional<FitnessSubject>(const std::string& person_id)> fitness_subject;
};

struct RecordWarning {
  std::size_t record;  // index in `records`
  QualityWarning warning;
};

struct RecordRefusal {
  std::size_t record;
  Refusal refusal;
};

struct DeriveReport {
  std::vector<RecordWarning> warnings;  // sent values that disagree: for the receipt
  std::vector<RecordRefusal> refusals;  // values not computed, and why
  std::size_t derived = 0;              // records whose derived values were computed
  std::size_t alerts = 0;               // Alert records appended to `records`
};

DeriveReport derive_records(std::vector<core::RecordEnvelope>& records, const DeriveContext& context);

}  // namespace kq::derived
