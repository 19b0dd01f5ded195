#pragma once
// The one place that appends to audit_log. Every audit row of a write transaction goes through
// it, on the writer thread, inside the transaction of the action it records: so an action and its
// audit entry commit together or not at all, and the hash chain has one writer to extend.
//
// The chain's head (last seq and its hash) is read from the database at the first append of each
// transaction, under the write lock, and then kept in memory while the transaction lasts. Reading
// it once at open would not do: other processes append to the same store (`kangqiao reprocess`,
// `kangqiao audit`), and a transaction that is rolled back takes its entries with it. A batch
// rolled back to its savepoint restores the head it started with (mark / restore).
//
// When a signing key is configured, the writer also signs a checkpoint of the head every N
// entries or T minutes, in the same transaction, and after COMMIT hands it to the log and to the
// export file (gateway/audit/checkpoint_export.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/audit/chain.hpp"
#include "gateway/audit/chain_settings.hpp"
#include "gateway/audit/checkpoint.hpp"
#include "gateway/store/sqlite_handle.hpp"
#include "gateway/store/write_batch.hpp"

namespace kq::store::sqlite {

class AuditWriter {
 public:
  AuditWriter(Connection& db, audit::ChainSettings settings);

  // A transaction began: the head is read again at its first append.
  void transaction_started();
  // It committed: what it wrote is now the known state; its checkpoint, if any, is exported.
  void transaction_committed();

  // `message_id`: the raw message the entry is about (may be empty). Throws SqliteError.
  void append(const AuditEntry& entry, std::string_view message_id, std::int64_t now_ms);

  // The head before a batch, to restore when the batch is rolled back to its savepoint.
  struct Head {
    bool loaded = false;
    std::int64_t last_seq = 0;   // last entry in the table (0: none)
    std::int64_t next_seq = 1;   // never reuses a seq, even one whose entry was deleted
    bool hashed = false;         // the last entry has a hash (else the next starts a chain)
    audit::Hash hash = audit::kGenesisHash;
    std::int64_t checkpoint_id = 0;  // last checkpoint (0: none)
    std::int64_t next_checkpoint_id = 1;
    std::int64_t checkpoint_seq = 0;
    std::int64_t checkpoint_count = 0;
    std::int64_t checkpoint_at_ms = 0;
  };
  const Head& mark() const { return head_; }
  void restore(const Head& head) { head_ = head; }

  // Whether a checkpoint is due, judged on the state the last commit left (for the idle writer).
  bool checkpoint_due(std::int64_t now_ms) const;
  // Signs and stores a checkpoint if one is due, inside the caller's transaction. Throws.
  void checkpoint_if_due(std::int64_t now_ms);

 private:
  void load_head();
  bool due(const Head& head, std::int64_t now_ms) const;
  void write_checkpoint(std::int64_t now_ms);

  audit::ChainSettings settings_;
  std::string format_;  // chain format written into each entry ("" when not chained)
  audit::Hasher hasher_;
  std::string scratch_;  // canonical encoding of the entry being appended
  Statement insert_, last_entry_, counters_, last_checkpoint_, digests_, insert_checkpoint_;
  Head head_;
  Head committed_;
  std::int64_t opened_at_ms_ = 0;
  std::optional<audit::Checkpoint> written_;  // by this transaction, exported after COMMIT
  std::int64_t warned_missing_tail_ = 0;
};

// The gateway itself as the actor of what the store decides on its own (merges, conflicts).
inline constexpr std::string_view kGatewayActor = "kangqiao";

}  // namespace kq::store::sqlite
