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

// What a caller learns of, and decides about, each document of a batch (KQ_DOCUMENTS_INDEPENDENT)
// that mapped without errors. Empty: every document is kept as mapped.
struct DocumentHooks {
  // Right after the document's mapping, on whichever thread mapped it: several documents are
  // inspected at once, so it may only touch what belongs to that document (a roster sync hashes
  // each row's student here, pipeline/roster_sync.hpp).
  std::function<void(std::size_t document, const RecordsOrErrors& converted)> inspect;
  // Then in document order, on one thread: false leaves the document's records out of the
  // message while it still counts as accepted (a roster sync's unchanged students); a kept
  // document's records may be trimmed (a school an earlier row already carries).
  std::function<bool(std::size_t document, RecordsOrErrors& converted)> keep;
};

// What the documents of one message are mapped with.
struct MappingContext {
  const mapping::MappingSet* mappings = nullptr;       // nullptr: none configured
  const mapping::MappingBinding* binding = nullptr;    // the adapter's; nullptr: every mapping
  std::shared_ptr<const mapping::MappingVariables> variables;  // the adapter's mapping_variables
  std::string sender_org;
  bool field_lineage = true;  // record which source place produced each field (provenance)
  DocumentHooks hooks;  // batches only
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
