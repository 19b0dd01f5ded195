#pragma once
// Applies WriteBatches to the writer connection. Used only by the store's writer thread: it opens
// one transaction per group, applies every batch, then commits once. When a batch fails (breaks
// a constraint, contradicts the store), the group is rolled back and applied again with each
// batch inside its own SAVEPOINT, so the failed batch is undone alone and the rest commit.
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/store/prepared_batch.hpp"
#include "gateway/store/sqlite_handle.hpp"
#include "gateway/store/sqlite_audit.hpp"
#include "gateway/store/sqlite_dedupe.hpp"
#include "gateway/store/sqlite_links.hpp"
#include "gateway/store/sqlite_roster.hpp"
#include "gateway/store/sqlite_sequences.hpp"

namespace kq::store::sqlite {

// SQLite rolled back the whole transaction on its own (disk full, I/O error): every batch
// applied so far in the group is gone, so the whole group must be reported failed.
class TransactionLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class BatchWriter {
 public:
  BatchWriter(Connection& db, audit::ChainSettings audit);

  // One slice of the background sweep of expired dedupe keys (sqlite_dedupe.hpp), inside the
  // caller's transaction.
  std::size_t prune_dedupe_keys(std::int64_t expired_before_ms, std::size_t slice) {
    return dedupe_.prune_step(expired_before_ms, slice);
  }
  void begin();              // BEGIN IMMEDIATE
  void commit();             // throws SqliteError; the caller then calls rollback()
  void rollback() noexcept;  // only if a transaction is still open

  // Signed audit checkpoints (sqlite_audit.hpp). checkpoint_audit_if_due runs inside the caller's
  // transaction, last before COMMIT; a failure to sign or store one is logged and skipped (the
  // next group tries again), but throws TransactionLost if SQLite dropped the transaction.
  bool audit_checkpoint_due(std::int64_t now_ms) const { return audit_.checkpoint_due(now_ms); }
  void checkpoint_audit_if_due(std::int64_t now_ms);

  // Checkpoints the WAL and truncates it to zero bytes, waiting at most `wait` for readers to
  // move past it. Returns false if readers kept it from completing (try again later).
  bool checkpoint_truncate(std::chrono::milliseconds wait,
                           std::chrono::milliseconds busy_timeout) noexcept;

  // Never throws for a problem confined to this batch: that becomes a `failed` result. With
  // `isolated`, the batch runs inside a SAVEPOINT that is rolled back on failure, so the rest of
  // the group can still commit. Without it nothing is undone: the caller must then roll the
  // transaction back and apply the group again isolated. A savepoint copies every page the batch
  // changes into the sub-journal first, so the common case (no batch fails) skips them.
  // apply() changes nothing in the batch but the person ids it writes over the bodies'
  // placeholders, which a second run writes again: a batch can be applied again after a rollback.
  // Throws TransactionLost if the enclosing transaction is gone.
  WriteResult apply(PreparedBatch& p, std::int64_t now_ms, bool isolated);

 private:
  void apply_inside(PreparedBatch& p, std::int64_t now_ms, WriteResult& result);
  bool check_dedupe(const PreparedBatch& p, std::int64_t now_ms, WriteResult& result);
  void insert_message(const RawMessage& m, std::int64_t now_ms);
  void resolve_persons(PreparedBatch& p, std::int64_t now_ms, WriteResult& result);
  void insert_records(PreparedBatch& p, std::int64_t now_ms, WriteResult& result);
  // A person record for a person who may have one already: merged with the latest stored
  // version (person_update.hpp). Sets `body` (to the merged text, in merge_scratch_) and
  // `version` when there is one, and audits a changed identity.
  void update_person(const std::string& id, const RecordEnvelope& r, std::string_view& body,
                     std::int64_t& version, const PreparedBatch& p, std::int64_t now_ms);
  void audit_store_event(const PreparedBatch& p, std::string_view event, AuditOutcome outcome,
                         std::string detail_json, std::int64_t now_ms);
  void insert_extras(const PreparedBatch& p, std::int64_t now_ms);
  void load_records_of_message(const std::string& message_id, WriteResult& result);

  Connection& db_;
  Statement begin_, commit_, rollback_;
  Statement savepoint_, release_, rollback_to_;
  Statement insert_message_;
  Statement find_identifier_, insert_person_, insert_identifier_;
  Statement current_version_, latest_version_, insert_record_, records_of_message_;
  Statement insert_dead_letter_, insert_outbox_;
  DedupeKeys dedupe_;
  SequenceNumbers sequences_;
  RosterWriter roster_;
  AuditWriter audit_;
  LinkWriter links_;  // person merges and reprocessing; audits through audit_
  std::vector<std::string> person_ids_;  // reused by insert_records
  std::vector<char> person_fresh_;       // by person ref: created in this batch, no record written yet
  std::string body_scratch_;
  std::string merge_scratch_;  // the merged text of a person update
};

}  // namespace kq::store::sqlite
