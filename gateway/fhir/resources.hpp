#pragma once
// Canonical records as FHIR R4 resources (docs/fhir.md): person → Patient, encounter →
// Encounter, observation and the school-health panels → Observation, diagnosis → Condition,
// consent → Consent. Pure functions: no I/O, no clock, no configuration.
//
// The resource's id is the record id, meta.versionId the record version and meta.lastUpdated
// the time the version was written. A field the record does not have is absent from the
// resource: nothing is defaulted except where FHIR requires an element, and each such case is
// listed in docs/fhir.md. Serialise the result with core::json_text (plain decimals).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "gateway/core/model.hpp"
#include "gateway/store/store.hpp"

namespace kq::fhir {

struct ToFhirResult {
  // Set when the record became a resource.
  std::optional<boost::json::object> resource;
  // Set when the kind has a FHIR form but this record cannot be given out as one (a body that
  // does not parse as its kind, an id FHIR cannot carry). Names the field, never its value.
  std::optional<std::string> problem;
  // Neither set: the kind has no FHIR form yet (organization, enrollment, procedure, …).
};

ToFhirResult to_fhir(const store::StoredRecord& row);

// The resource type a kind becomes ("Patient", …), or nothing when it has no FHIR form yet.
std::optional<std::string_view> resource_type_of(core::RecordKind kind);

// The builders behind to_fhir, for callers that hold typed records. They take the version
// and write time for meta.
struct RecordMeta {
  std::int64_t version = 1;
  std::int64_t written_at_ms = 0;
};
boost::json::object patient(const core::Person& person, const RecordMeta& meta);
boost::json::object encounter(const core::Encounter& record, const RecordMeta& meta);
boost::json::object observation(const core::Observation& record, const RecordMeta& meta);
boost::json::object observation(const core::FitnessTest& record, const RecordMeta& meta);
boost::json::object observation(const core::VisionScreening& record, const RecordMeta& meta);
boost::json::object observation(const core::MentalHealthScreening& record, const RecordMeta& meta);
boost::json::object condition(const core::Diagnosis& record, const RecordMeta& meta);
boost::json::object consent(const core::Consent& record, const RecordMeta& meta);

}  // namespace kq::fhir
