#pragma once
// Recomputes the audit chain and checks its signed checkpoints; names the first thing wrong.
//
// The verifier knows nothing of where entries come from: the caller feeds them in seq order
// (`kangqiao audit verify` pages them from the store's Reader) and stops at the first problem.
// Each kind of tampering leaves its own trace:
//   - an entry edited in place: its content no longer hashes to its entry_hash        (changed)
//   - an entry deleted: a gap in seq                                                    (missing)
//   - entries swapped or moved: an entry chained after one that is elsewhere       (out_of_order)
//   - an entry edited and its hash recomputed: the next entry's link breaks        (chain_broken)
//   - the tail deleted: a checkpoint, or SQLite's seq counter, goes beyond the end    (truncated)
//   - everything from some entry on recomputed without the key: the signed head of the next
//     checkpoint differs, and its signed list of entry digests names the first entry  (rechained)
//   - a checkpoint edited or forged: its signature fails, or its key is not one given
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gateway/audit/chain.hpp"
#include "gateway/audit/checkpoint.hpp"

namespace kq::audit {

enum class Finding {
  changed,
  missing,
  out_of_order,
  chain_broken,
  unchained,
  truncated,
  rechained,
  bad_signature,
  unknown_key,
  checkpoint_missing,
};
std::string_view to_string(Finding finding);

struct Problem {
  Finding finding = Finding::changed;
  std::int64_t seq = 0;  // the first bad entry (for a checkpoint problem: the checkpoint's seq)
  std::string message;   // what is wrong and what it means, for the operator
};

struct VerifyInput {
  std::vector<Checkpoint> checkpoints;  // from the database and from outside it, in any order
  const std::vector<VerifyingKey>* keys = nullptr;
  LogExtent extent;
  // Start at the last valid checkpoint before this seq instead of at the first entry; 0: the start.
  std::int64_t from_seq = 0;
  // The seq of the entry whose entry_hash is `hash`, if any: asked only to explain a broken link.
  std::function<std::optional<std::int64_t>(std::string_view hash)> seq_of_hash;
};

class ChainVerifier {
 public:
  explicit ChainVerifier(VerifyInput input);
  ~ChainVerifier();

  // Feed the entries with seq > start_after() up to the extent's last_seq, in seq order.
  std::int64_t start_after() const { return last_seq_; }
  // False once a problem is found; stop feeding then.
  bool feed(const StoredEntry& entry);
  // After the last entry: checkpoints and counters beyond the end.
  bool finish();

  const std::optional<Problem>& problem() const { return problem_; }
  std::int64_t entries_checked() const { return checked_; }
  std::int64_t unchained_entries() const { return legacy_; }  // before the chain existed
  std::int64_t checkpoints_checked() const { return checkpoints_checked_; }
  std::int64_t started_after_checkpoint() const { return start_checkpoint_id_; }  // 0: from the start
  std::int64_t last_seq() const { return last_seq_; }
  std::int64_t last_checkpoint_seq() const { return last_checkpoint_seq_; }

 private:
  bool fail(Finding finding, std::int64_t seq, std::string message);
  bool check_link(const StoredEntry& e, const Hash& computed);
  bool reach_checkpoints(std::int64_t seq);
  bool check_checkpoint(const Checkpoint& c);
  bool check_signature(const Checkpoint& c);
  void choose_start();
  Hasher& hasher_for(HashAlgorithm algorithm);

  VerifyInput in_;
  std::map<std::string, const VerifyingKey*> keys_;  // by fingerprint
  std::vector<Checkpoint> pending_;                  // sorted by (seq, id); next_ indexes it
  std::size_t next_ = 0;
  std::optional<Hasher> sm3_, sha256_;
  std::string scratch_;

  Hash head_ = kGenesisHash;
  std::int64_t last_seq_ = 0;
  std::int64_t count_ = 0;
  std::int64_t checked_ = 0;
  std::int64_t legacy_ = 0;
  std::int64_t checkpoints_checked_ = 0;
  std::int64_t start_checkpoint_id_ = 0;
  std::int64_t last_checkpoint_id_ = 0;
  std::int64_t last_checkpoint_seq_ = 0;
  // Computed entry digests since the last checkpoint: (seq, first bytes of entry_hash).
  std::vector<std::pair<std::int64_t, std::string>> since_checkpoint_;
  std::optional<Problem> problem_;
};

}  // namespace kq::audit
