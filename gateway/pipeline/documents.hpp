#pragma once
// Turns the documents a plugin decoded into canonical records, or into field errors.
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "gateway/core/model.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/plugin_host/adapter.hpp"
#include "gateway/store/write_batch.hpp"

namespace kq::pipeline {

struct RecordsOrErrors {
  std::vector<store::RecordEnvelope> records;
  std::vector<store::IdentityLink> identities;
  std::vector<core::FieldError> errors;  // in the sender's terms: path is the source location
  std::string mappings;  // names@versions of the mappings applied, for the dead-letter row
  // One per mapping applied, covering the records it made: mapping name and version, the source
  // format as channel, and which source value produced which field ("target_ids[1].name.text" ←
  // "PID-5.2"). add_provenance() completes them into Provenance records.
  std::vector<core::Provenance> provenance;
};

// Where a message came from, for its provenance records.
struct MessageOrigin {
  std::string source_system;  // the adapter instance, with the peer's principal when known
  std::int64_t received_at_ms = 0;
  std::string message_key;    // the sender's own message id (MSH-3|MSH-4|MSH-10, …), may be empty
  std::string payload_sha256;
};

// Appends the provenance records of `converted` (one per mapping applied) to its records, so that
// every stored record can be traced to the mapping version and the source fields it came from.
void add_provenance(RecordsOrErrors& converted, const MessageOrigin& origin);

// What the documents of one message are mapped with.
struct MappingContext {
  const mapping::MappingSet* mappings = nullptr;       // nullptr: none configured
  const mapping::MappingBinding* binding = nullptr;    // the adapter's; nullptr: every mapping
  std::shared_ptr<const mapping::MappingVariables> variables;  // the adapter's mapping_variables
  std::string sender_org;
  bool field_lineage = true;  // record which source place produced each field (provenance)
  // Batches only: asked for each document that mapped without errors; false leaves its records
  // out of the message while the document still counts as accepted (a roster sync's unchanged
  // students, pipeline/roster_sync.hpp); a kept document's records may be trimmed by it (a school
  // an earlier row already carries). Empty: every document is kept.
  std::function<bool(std::size_t document, RecordsOrErrors& converted)> keep_document;
};

// "canonical+json" documents hold one record object or an array of them, taken as they are after
// validation. Every other format goes through the bound mappings whose source.match holds, using
// the adapter's parse of the document when it made one; field errors come back in the sender's
// terms ("PID-19: …") with their kind.
RecordsOrErrors records_from_documents(std::span<const plugin_host::DecodedDocument> documents,
                                       const plugin_host::Inbound& in, const MappingContext& context);
inline RecordsOrErrors records_from_documents(const std::vector<plugin_host::DecodedDocument>& documents,
                                              const plugin_host::Inbound& in, const MappingContext& context) {
  return records_from_documents(std::span<const plugin_host::DecodedDocument>(documents), in, context);
}

// Errors as a JSON array [{"field": ..., "reason": ..., "kind": ...}], as dead letters keep them.
std::string errors_to_json(const std::vector<core::FieldError>& errors);

}  // namespace kq::pipeline
