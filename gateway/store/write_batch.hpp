#pragma once
// A WriteBatch is one unit of work for the store — usually everything one inbound message
// produced — and is committed atomically: either all of it is durable, or none of it is.
//
// Every field is plain data so that a batch can be built on any thread, moved into the store's
// queue and applied by the single writer without sharing anything with the caller.
#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "gateway/core/inbound_message.hpp"
#include "gateway/core/record.hpp"
#include "gateway/store/roster_sync.hpp"

namespace kq::store {

using core::RecordEnvelope;

enum class MessageStatus { accepted, rejected, dead_letter };

std::string_view to_string(MessageStatus status);
// Parses the stored text form; returns false for anything else.
bool parse_message_status(std::string_view text, MessageStatus& out);

// The inbound message exactly as it arrived, with everything known about how it arrived; kept so
// that any record can be traced back to its source and any source can be reprocessed, as it came,
// with a newer mapping.
struct RawMessage {
  std::string id;              // empty: the store assigns a UUID
  core::InboundMessage inbound;
  std::string sha256;          // of inbound.payload, lowercase hex; empty: the store computes it
  MessageStatus status = MessageStatus::accepted;
  std::string error;           // JSON array of errors, or the rejection; empty when accepted
};

// "The person this batch calls `person_ref` is known under system|value". The writer resolves
// every person_ref to a stored person id (see WriteResult::persons) and rewrites the records that
// use the ref before inserting them: a record whose person_id is the ref gets the resolved id
// (envelope and body), and a person record whose id is the ref is stored under the resolved id,
// so each person has one person record whose versions follow the registry's updates.
struct IdentityLink {
  std::string person_ref;
  std::string system;
  std::string value;
};

// ADT^A40 and the like: "the person this batch calls `person_ref` absorbs the person known under
// system|value". The writer links the two persons in the identity index (person_link) and deletes
// nothing: the merged person's identifiers and records stay readable, and from then on every one
// of its identifiers resolves to the surviving person. Merging persons that are already linked
// changes nothing; naming the surviving person itself fails the batch as a content error.
struct PersonMerge {
  std::string person_ref;
  std::string system;
  std::string value;
};

// The batch re-runs a raw message that is already stored (`kangqiao reprocess`): it carries no
// RawMessage, its records get `message_id` as lineage, and the message's open dead letters are
// marked resolved (or, when mapping failed again, the attempt is recorded with its errors).
struct Reprocess {
  std::string message_id;
  std::string mapping;      // names@versions of the mappings that ran
  bool resolved = true;     // false: it still fails; `errors_json` says why and nothing else is written
  std::string errors_json;  // JSON array of field errors when !resolved
};

// Business key of the message (e.g. MSH-3|MSH-4|MSH-10). Compared together with the raw
// message's payload hash, so a WriteBatch with a dedupe key must carry a raw message.
struct DedupeKey {
  std::string scope;
  std::string key;
  // false: only compare with the message that holds the key (duplicate / conflict), without
  // taking it. A dead letter does this, so that a reused key is still caught while the sender's
  // corrected resend can take the key.
  bool claim = true;
  // How long the key stays taken, from when it was claimed; 0: for ever. After it, the same key is
  // a new message: senders recycle their control ids (the adapter's dedupe_window).
  std::int64_t window_ms = 0;
};

// "This message carries number `number` of the sender's numbered stream" (a card-reader
// terminal's batch sequence number, say). The writer compares it with the numbers it keeps for
// scope|stream, records it with the message, and reports what it found (SequenceFinding).
struct SequenceNumber {
  std::string scope;   // the adapter and the sender's organisation, as for dedupe keys
  std::string stream;
  std::int64_t number = 0;  // positive
};

struct DeadLetter {
  std::string message_id;   // empty: the raw message of this batch
  std::string errors_json;  // per-field errors, JSON array or object
  std::string mapping;      // name (and version) of the mapping that failed
};

// A transactional-outbox item: written in the same transaction as the data it reports, sent later
// at least once; the receiver deduplicates on idempotency_key.
struct OutboxItem {
  std::string destination;
  std::string payload;
  std::string idempotency_key;
  std::int64_t next_attempt_ms = 0;
};

// What an audit entry says happened, in the codes of DICOM PS3.15 / FHIR AuditEvent.
enum class AuditOutcome : std::uint8_t {
  success = 0,
  minor_failure = 4,    // the action did not complete as asked (a rejected message, a dead letter)
  serious_failure = 8,  // a security event (a reused message key, an identity conflict)
  major_failure = 12,
};
enum class AuditAction : char { create = 'C', read = 'R', update = 'U', erase = 'D', execute = 'E' };

// Audit event ids (DICOM PS3.16, CID 400 "Audit Event ID").
namespace audit_event {
inline constexpr std::string_view audit_log_used = "110101";  // someone read the audit log
inline constexpr std::string_view export_data = "110106";     // records about a person left the gateway
inline constexpr std::string_view query = "110112";           // someone asked the pull API
inline constexpr std::string_view import = "110107";          // data came in (or was run again)
inline constexpr std::string_view patient_record = "110110";  // a person's identity changed
inline constexpr std::string_view security_alert = "110113";  // something that needs a look
inline constexpr std::string_view user_authentication = "110114";  // a client did not authenticate
}  // namespace audit_event

struct AuditEntry {
  std::int64_t at_ms = 0;  // 0: commit time
  std::string event_type;  // an audit_event id
  AuditAction action = AuditAction::create;
  AuditOutcome outcome = AuditOutcome::success;
  std::string actor;
  std::string org_id;
  std::string detail_json;  // JSON object; empty means {}
};

struct WriteBatch {
  std::optional<RawMessage> message;
  std::vector<RecordEnvelope> records;
  std::vector<IdentityLink> identities;
  std::vector<PersonMerge> merges;
  std::optional<DedupeKey> dedupe;
  std::optional<DeadLetter> dead_letter;
  std::vector<OutboxItem> outbox;
  std::vector<AuditEntry> audit;
  std::optional<Reprocess> reprocess;
  std::vector<SequenceNumber> sequences;  // needs a raw message: the numbers are kept with it
  // A chunk of a roster sync, or its final step (roster_sync.hpp): applied with the records, so
  // the run's progress is committed exactly when the chunk's data is.
  std::optional<RosterSyncWrite> roster;
};

enum class WriteStatus {
  committed,  // durable: COMMIT has returned
  duplicate,  // dedupe key seen before with the same payload hash; nothing written
  conflict,   // dedupe key seen before with a different payload hash; nothing written
  failed,     // nothing written; `error` says why (the sender should retry later)
};

std::string_view to_string(WriteStatus status);

struct RecordWritten {
  std::string id;
  std::int64_t version = 0;
  std::int64_t seq = 0;  // change sequence: strictly increasing across the whole store
};

struct PersonResolved {
  std::string person_ref;
  std::string person_id;
  bool created = false;  // false: an existing person was found through one of the identifiers
};

// Two identifiers of one person_ref already belonged to different persons. The writer keeps the
// first match and leaves the other identifier where it was; the caller should audit this.
struct IdentityConflict {
  std::string person_ref;
  std::string system;
  std::string value;
  std::string existing_person_id;
};

struct PersonLinked {
  std::string merged_person_id;  // empty when the identifier was unknown and was simply adopted
  std::string surviving_person_id;
  bool already_linked = false;   // the same merge was applied before: nothing changed
};

// A reported sequence number against the ones the store kept for its stream.
struct SequenceFinding {
  std::string stream;
  std::int64_t number = 0;
  std::int64_t previous = 0;   // the highest number of the stream before; 0 when none
  std::int64_t gap_first = 0;  // previous+1 .. number-1 never arrived; both 0 when no gap
  std::int64_t gap_last = 0;
  bool first = false;          // the stream had no number before
  bool late = false;           // below `previous`, not seen before: fills an earlier gap
  std::string replay_of;       // the number came before, with this message (other content)
};

struct WriteResult {
  WriteStatus status = WriteStatus::failed;
  std::string message_id;           // this batch's raw message id (assigned if it was empty)
  std::string original_message_id;  // duplicate / conflict: the message that first used the key
  // committed: what this batch wrote. duplicate: what the original message wrote.
  std::vector<RecordWritten> records;
  std::vector<PersonResolved> persons;
  std::vector<IdentityConflict> identity_conflicts;
  std::vector<PersonLinked> merges;
  // committed: what the batch's sequence numbers were found to be. duplicate: what the original
  // message's were found to be when it arrived.
  std::vector<SequenceFinding> sequences;
  std::string error;
  // failed because of what the batch says, not because of the store (e.g. a person merged into
  // itself): sending it again cannot help, so the caller treats it as a content error; `errors`
  // says which field and why.
  bool content_error = false;
  std::vector<core::FieldError> errors;

  bool ok() const { return status == WriteStatus::committed || status == WriteStatus::duplicate; }
};

}  // namespace kq::store
