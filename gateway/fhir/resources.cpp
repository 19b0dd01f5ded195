// to_fhir: a stored row → its typed record → the resource.
#include <boost/json/parse.hpp>

#include "gateway/core/json_codec.hpp"
#include "gateway/fhir/elements.hpp"
#include "gateway/fhir/resources.hpp"

namespace kq::fhir {

namespace {

template <class Record>
ToFhirResult build(const store::StoredRecord& row, const boost::json::value& body, auto&& builder) {
  core::Decoded<Record> decoded = core::from_json<Record>(body);
  if (!decoded.ok()) {
    // The first error's path only: messages may quote the offending value.
    return {std::nullopt, "body: does not parse as a " + row.kind + " (at '" + decoded.errors.front().path + "')"};
  }
  Record& record = *decoded.value;
  record.id = row.id;  // the store's id is the one clients read by
  return {builder(record, RecordMeta{row.version, row.written_at_ms}), std::nullopt};
}

}  // namespace

std::optional<std::string_view> resource_type_of(core::RecordKind kind) {
  using core::RecordKind;
  switch (kind) {
    case RecordKind::person: return "Patient";
    case RecordKind::encounter: return "Encounter";
    case RecordKind::observation:
    case RecordKind::fitness_test:
    case RecordKind::vision_screening:
    case RecordKind::mental_health_screening: return "Observation";
    case RecordKind::diagnosis: return "Condition";
    case RecordKind::consent: return "Consent";
    default: return std::nullopt;
  }
}

ToFhirResult to_fhir(const store::StoredRecord& row) {
  const std::optional<core::RecordKind> kind = core::parse_kind(row.kind);
  if (!kind || !resource_type_of(*kind)) return {};
  if (!element::is_fhir_id(row.id)) {
    return {std::nullopt, "id: not a valid FHIR id (1 to 64 of A-Z, a-z, 0-9, '-' and '.')"};
  }
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(row.body_json, ec);
  if (ec) return {std::nullopt, "body: not JSON (" + ec.message() + ")"};

  using core::RecordKind;
  auto as_observation = [](const auto& record, const RecordMeta& meta) { return observation(record, meta); };
  switch (*kind) {
    case RecordKind::person: return build<core::Person>(row, body, patient);
    case RecordKind::encounter: return build<core::Encounter>(row, body, encounter);
    case RecordKind::observation: return build<core::Observation>(row, body, as_observation);
    case RecordKind::fitness_test: return build<core::FitnessTest>(row, body, as_observation);
    case RecordKind::vision_screening: return build<core::VisionScreening>(row, body, as_observation);
    case RecordKind::mental_health_screening:
      return build<core::MentalHealthScreening>(row, body, as_observation);
    case RecordKind::diagnosis: return build<core::Diagnosis>(row, body, condition);
    case RecordKind::consent: return build<core::Consent>(row, body, consent);
    default: return {};
  }
}

}  // namespace kq::fhir
