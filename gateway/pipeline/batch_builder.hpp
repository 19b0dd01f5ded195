#pragma once
// What one decoded message becomes: the one builder that live ingest (pipeline.cpp) and
// reprocessing (reprocess.cpp) share, so that a message run again yields exactly what it would
// have yielded on arrival — the same records, provenance, identity links, merges, dedupe key and
// errors — and only the envelope around them differs (a new raw message, or the stored one).
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <kangqiao/plugin.h>

#include "gateway/mapping/mapping_set.hpp"
#include "gateway/pipeline/documents.hpp"
#include "gateway/plugin_host/adapter.hpp"
#include "gateway/store/write_batch.hpp"

namespace kq::pipeline {

struct MessagePlan {
  kq_outcome_kind intended = KQ_OUTCOME_COMMITTED;  // COMMITTED, CONTENT_ERROR or REJECTED
  std::vector<core::FieldError> errors;  // CONTENT_ERROR: every error; REJECTED: the rejection
  std::string reason;                    // one line for the outcome and the audit
  std::string mappings;                  // names@versions of the mappings that ran
  // COMMITTED only: the records with their provenance, what the store resolves and links.
  std::vector<store::RecordEnvelope> records;
  std::vector<store::IdentityLink> identities;
  std::vector<store::PersonMerge> merges;
  // The sender's message key, scoped to the adapter and the sender's organisation.
  std::optional<store::DedupeKey> dedupe;
  // Plugin ABI 1.3. INDEPENDENT: what became of each document; COMMITTED may then carry the
  // errors of the rejected documents, kept with the raw message as its dead letter.
  kq_document_mode document_mode = KQ_DOCUMENTS_TOGETHER;
  std::vector<plugin_host::DocumentResult> documents;
  // INDEPENDENT: the document number each of `records` came from (derived values name it in the
  // receipt's notes); empty otherwise.
  std::vector<std::size_t> record_documents;
  // The sender's sequence numbers, scoped like the dedupe key; recorded unless REJECTED.
  std::vector<store::SequenceNumber> sequences;
};

// Turns what the adapter decoded into records or errors. `payload_sha256` is the raw payload's
// hash (the provenance records name it). `mappings` may be nullptr (none configured).
// `only_documents` (INDEPENDENT only; reprocessing): map just these document numbers and leave
// the others out of the plan, as if they had not been emitted. `hooks`: see DocumentHooks.
MessagePlan plan_message(const plugin_host::AdapterInstance& adapter, const plugin_host::Inbound& in,
                         const plugin_host::DecodeResult& decoded, const mapping::MappingSet* mappings,
                         const std::string& payload_sha256, bool field_lineage,
                         const std::set<std::size_t>* only_documents = nullptr,
                         DocumentHooks hooks = {});

// The dedupe scope of a sender: the adapter, and the sender's organisation when it has one, so
// two organisations never share a key (an Idempotency-Key is theirs, not the gateway's).
std::string dedupe_scope(const plugin_host::Inbound& in);

// The audit entry of an arrival (or a re-run) of `in` with `outcome`.
store::AuditEntry message_audit(std::string_view event, store::AuditAction action, store::AuditOutcome outcome,
                                const plugin_host::Inbound& in, std::string detail);

// The batch that stores a message on arrival: the raw message in its state (accepted, dead letter
// or rejected) with everything `plan` holds, and its audit entry.
store::WriteBatch arrival_batch(const plugin_host::Inbound& in, std::string payload_sha256, MessagePlan& plan);

// The batch that stores a message refused after the fact (a reused key, a batch the store found
// contradictory): rejected or as a dead letter, with `errors`, and an audit entry.
store::WriteBatch refusal_batch(const plugin_host::Inbound& in, kq_outcome_kind kind,
                                const std::vector<core::FieldError>& errors, const std::string& reason,
                                const std::string& mappings);

}  // namespace kq::pipeline
