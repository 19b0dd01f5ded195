#pragma once
// RecordEnvelope: how a canonical record travels between the mapping engine, plugins, the
// pipeline and the store. The body is the typed record as JSON, so the store does not need to
// know the record types, while validate_envelope checks the body against its type.
//
// The ids are copied out of the body so that the store can index them without parsing: for a
// Person the envelope's person_id is the person's own id, for an Organization the org_id is the
// organisation's own id; for everything else they are the body's person_id and org_id.
// validate_envelope accepts those two self-ids empty (not filled in yet); any other difference
// between envelope and body is an error, because the store indexes and filters by these ids.
#include <optional>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/error_kind.hpp"
#include "gateway/core/record_kind.hpp"
#include "gateway/core/validation_context.hpp"

namespace kq::core {

struct FieldError {
  std::string path;  // like "identifiers[0].value"; envelope fields are "kind", "id", …; "" is the whole input
  std::string message;
  ErrorKind kind = ErrorKind::unspecified;
  // In a batch of independently accepted documents (plugin ABI 1.3): the number, from 1, of the
  // document the error is about; 0 for the message as a whole.
  std::size_t document = 0;
  bool operator==(const FieldError&) const = default;
};

struct RecordEnvelope {
  std::string kind;         // a RecordKind name
  std::string id;           // record id; empty means "assign one" (the store assigns a UUID)
  std::string person_id;    // may be empty
  std::string org_id;       // may be empty
  boost::json::object body;  // the typed record serialised, including its id/person_id/org_id
  // True when `id` was minted just now (assign_new_id) rather than derived from a key or taken
  // from the sender: no earlier version can exist, so the store need not look one up.
  bool new_id = false;
  // Fields the sender explicitly emptied (the HL7 null ""), as dotted paths of the body
  // ("addresses", "name.text"): the store removes them from the stored person, where a field
  // that is merely absent keeps its stored value. Empty for nearly every record, so it costs
  // nothing there.
  std::vector<std::string> cleared;
};

// Checks the kind, parses the body as that kind (unknown keys are errors), validates the record
// and checks that the envelope's ids agree with the body's. Every problem is listed, with paths.
std::vector<FieldError> validate_envelope(const RecordEnvelope& rec);
std::vector<FieldError> validate_envelope(const RecordEnvelope& rec, const ValidationContext& context);

struct EnvelopeResult {
  // When there are errors the envelope holds what could be recovered (at least the raw body),
  // so the caller can keep it as a dead letter; when there are none the body is normalised
  // (re-serialised from the typed record).
  RecordEnvelope envelope;
  std::vector<FieldError> errors;
  bool ok() const { return errors.empty(); }
};

// Parses {"kind": "...", ...fields...}.
EnvelopeResult parse_envelope(std::string_view json_text, const ValidationContext& context = {});
// Parses the body of a record of a known kind; a "kind" key in it, if any, must agree.
EnvelopeResult parse_envelope(std::string_view json_text, RecordKind kind,
                              const ValidationContext& context = {});
// The same for JSON that has already been parsed. A body given to envelope_from_body must not
// hold "kind" (it would be reported as an unknown key).
EnvelopeResult envelope_from_json(const boost::json::value& json, const ValidationContext& context = {});
EnvelopeResult envelope_from_body(RecordKind kind, const boost::json::value& body,
                                  const ValidationContext& context = {});
// The same for a body the caller gives up (the mapping engine's): nothing is copied, and a
// body that is already exactly what the typed record serialises to (same keys in the same
// order, same values) is kept as it is instead of being written again.
EnvelopeResult envelope_from_body(RecordKind kind, boost::json::object&& body, const ValidationContext& context = {});

// The flat form parse_envelope reads: the body with "kind" added.
boost::json::object envelope_to_json(const RecordEnvelope& rec);

// Sets the record id in the envelope and in the body (and person_id / org_id for a Person /
// an Organization): what the store does for an envelope that arrives without an id. Clears
// new_id: an id given here may have been used before.
void assign_id(RecordEnvelope& rec, std::string id);
// assign_id with a new time-ordered UUID, marking the envelope's id as new.
void assign_new_id(RecordEnvelope& rec);

// Makes `body` the envelope's body together with its memory resource (the mapping engine
// builds bodies in one arena per document). Assignment would not do: a JSON container keeps
// the resource it was made with, so assigning copies element by element into it.
void adopt_body(RecordEnvelope& rec, boost::json::object&& body);

// Calls `visit` for every value in the body that names a person by id, as the model places
// them: a person record's own `id`, any other record's `person_id`, and the ids among a
// provenance record's `target_ids` (some of which are persons). `visit` may replace the value.
void for_each_person_reference(RecordEnvelope& rec,
                               const std::function<void(boost::json::value&)>& visit);

struct Person;
struct Organization;
struct Enrollment;
struct Encounter;
struct Observation;
struct FitnessTest;
struct VisionScreening;
struct MentalHealthScreening;
struct Diagnosis;
struct Procedure;
struct InpatientSummary;
struct Consent;
struct Provenance;
struct AuditEvent;
struct Alert;

// Builds an envelope from a typed record (no validation: call validate_envelope for that).
RecordEnvelope to_envelope(const Person& record);
RecordEnvelope to_envelope(const Organization& record);
RecordEnvelope to_envelope(const Enrollment& record);
RecordEnvelope to_envelope(const Encounter& record);
RecordEnvelope to_envelope(const Observation& record);
RecordEnvelope to_envelope(const FitnessTest& record);
RecordEnvelope to_envelope(const VisionScreening& record);
RecordEnvelope to_envelope(const MentalHealthScreening& record);
RecordEnvelope to_envelope(const Diagnosis& record);
RecordEnvelope to_envelope(const Procedure& record);
RecordEnvelope to_envelope(const InpatientSummary& record);
RecordEnvelope to_envelope(const Consent& record);
RecordEnvelope to_envelope(const Provenance& record);
RecordEnvelope to_envelope(const AuditEvent& record);
RecordEnvelope to_envelope(const Alert& record);

}  // namespace kq::core
