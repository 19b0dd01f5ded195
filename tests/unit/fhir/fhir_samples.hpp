#pragma once
// Canonical records as the store holds them, and every FHIR resource the layer builds from them:
// the unit tests assert on these, and kq_fhir_samples prints them for the schema validation
// (tests/e2e/fhir/). The records are the core tests' fully populated samples
// (tests/unit/core/sample_records.hpp), so a field added to the model shows up here too.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "gateway/core/json_text.hpp"
#include "gateway/core/record.hpp"
#include "gateway/fhir/bundle.hpp"
#include "gateway/fhir/capability.hpp"
#include "gateway/fhir/resources.hpp"
#include "tests/unit/core/sample_records.hpp"

namespace kq::fhir::testing {

// 2024-06-01T12:00:00.000Z, i.e. 20:00 in Beijing.
inline constexpr std::int64_t kWrittenAt = 1'717'243'200'000;
inline constexpr std::int64_t kVersion = 3;
inline constexpr const char* kBase = "https://gw.example:8443/fhir";

inline store::StoredRecord stored(const core::RecordEnvelope& envelope, std::int64_t version = kVersion) {
  store::StoredRecord row;
  row.seq = 42;
  row.id = envelope.id;
  row.version = version;
  row.kind = envelope.kind;
  row.person_id = envelope.person_id;
  row.org_id = envelope.org_id;
  row.body_json = core::json_text(envelope.body);
  row.written_at_ms = kWrittenAt;
  return row;
}

// The resource of a typed record, through the stored row as the pull API will see it.
template <class Record>
boost::json::object fhir_of(const Record& record) {
  ToFhirResult result = to_fhir(stored(core::to_envelope(record)));
  if (!result.resource) throw std::runtime_error("no resource: " + result.problem.value_or("no FHIR form"));
  return std::move(*result.resource);
}

struct Sample {
  std::string name;
  boost::json::object resource;
};

inline core::Consent withdrawn_self_consent() {
  core::Consent c = core::testing::sample_consent();
  c.id = "consent-2";
  c.status = "withdrawn";
  c.withdrawn_at = core::testing::at("2024-10-01T09:00:00+08:00");
  c.grantor = core::ConsentGrantor{std::string("p-1"), std::nullopt, std::nullopt};
  c.grantor_is_guardian = false;
  c.scope.reset();
  c.purposes = {"PUBHLTH"};
  return c;
}

// One resource of every shape the pull API serves.
inline std::vector<Sample> every_sample() {
  using namespace core::testing;
  std::vector<Sample> out;
  out.push_back({"Patient (person)", fhir_of(sample_person())});
  out.push_back({"Encounter (encounter)", fhir_of(sample_encounter())});
  out.push_back({"Observation (observation)", fhir_of(sample_observation())});
  out.push_back({"Observation (fitness_test)", fhir_of(sample_fitness_test())});
  out.push_back({"Observation (vision_screening)", fhir_of(sample_vision_screening())});
  out.push_back({"Observation (mental_health_screening)", fhir_of(sample_mental_health_screening())});
  out.push_back({"Condition (diagnosis)", fhir_of(sample_diagnosis())});
  out.push_back({"Consent (guardian)", fhir_of(sample_consent())});
  out.push_back({"Consent (withdrawn, self)", fhir_of(withdrawn_self_consent())});
  out.push_back({"CapabilityStatement", capability_statement(kBase, "0.1.0")});
  SearchPage page;
  page.resources = {fhir_of(sample_observation()), fhir_of(sample_vision_screening())};
  page.base_url = kBase;
  page.self_url = std::string(kBase) + "/Observation?patient=Patient/p-1&_count=2";
  page.next_url = std::string(kBase) + "/Observation?patient=Patient/p-1&_count=2&_cursor=c2";
  out.push_back({"Bundle (searchset)", searchset_bundle(std::move(page))});
  out.push_back({"OperationOutcome", operation_outcome("error", "not-supported", "name: unknown parameter", "name")});
  return out;
}

}  // namespace kq::fhir::testing
