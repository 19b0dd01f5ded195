#include "gateway/audit/verify.hpp"

#include <algorithm>

#include "gateway/core/dates.hpp"

namespace kq::audit {

namespace {

std::string utc(std::int64_t ms) { return core::DateTime::from_utc_millis(ms, 0).iso(); }

std::string seq_range(std::int64_t first, std::int64_t last) {
  return first == last ? "seq " + std::to_string(first)
                       : "seq " + std::to_string(first) + ".." + std::to_string(last);
}

std::string describe(const Checkpoint& c) {
  return "checkpoint #" + std::to_string(c.id) + " (seq " + std::to_string(c.seq) + ", signed " + utc(c.at_ms) + ")";
}

bool same_checkpoint(const Checkpoint& a, const Checkpoint& b) {
  return a.id == b.id && a.seq == b.seq && a.count == b.count && a.at_ms == b.at_ms &&
         a.head_hash == b.head_hash && a.entries_digest == b.entries_digest && a.signature == b.signature &&
         a.key_fingerprint == b.key_fingerprint && a.signature_algorithm == b.signature_algorithm;
}

}  // namespace

std::string_view to_string(Finding f) {
  switch (f) {
    case Finding::changed: return "changed";
    case Finding::missing: return "missing";
    case Finding::out_of_order: return "out of order";
    case Finding::chain_broken: return "chain broken";
    case Finding::unchained: return "unchained";
    case Finding::truncated: return "truncated";
    case Finding::rechained: return "re-chained without the key";
    case Finding::bad_signature: return "bad signature";
    case Finding::unknown_key: return "unknown key";
    case Finding::checkpoint_missing: return "checkpoint missing";
  }
  return "unknown";
}

ChainVerifier::ChainVerifier(VerifyInput input) : in_(std::move(input)) {
  if (in_.keys != nullptr) {
    for (const VerifyingKey& k : *in_.keys) keys_[k.fingerprint()] = &k;
  }
  pending_ = std::move(in_.checkpoints);
  // A checkpoint found both in the database and in an exported copy is checked once; copies
  // that differ are both kept, and the one that does not match the chain is reported.
  std::sort(pending_.begin(), pending_.end(), [](const Checkpoint& a, const Checkpoint& b) {
    return a.seq != b.seq ? a.seq < b.seq : a.id < b.id;
  });
  pending_.erase(std::unique(pending_.begin(), pending_.end(), same_checkpoint), pending_.end());
  choose_start();
}

ChainVerifier::~ChainVerifier() = default;

void ChainVerifier::choose_start() {
  if (in_.from_seq <= 1) return;
  // The last checkpoint before from_seq that proves itself: its head is where the chain resumes.
  for (std::size_t i = pending_.size(); i-- > 0;) {
    const Checkpoint& c = pending_[i];
    if (c.seq >= in_.from_seq) continue;
    auto key = keys_.find(c.key_fingerprint);
    const auto head = hash_from_bytes(c.head_hash);
    if (key == keys_.end() || !head || !key->second->verify(c)) continue;
    head_ = *head;
    last_seq_ = c.seq;
    count_ = c.count;
    start_checkpoint_id_ = last_checkpoint_id_ = c.id;
    last_checkpoint_seq_ = c.seq;
    next_ = i + 1;
    return;
  }
}

Hasher& ChainVerifier::hasher_for(HashAlgorithm algorithm) {
  std::optional<Hasher>& h = algorithm == HashAlgorithm::sm3 ? sm3_ : sha256_;
  if (!h) h.emplace(algorithm);
  return *h;
}

bool ChainVerifier::fail(Finding finding, std::int64_t seq, std::string message) {
  problem_ = Problem{finding, seq, std::move(message)};
  return false;
}

bool ChainVerifier::feed(const StoredEntry& e) {
  if (problem_) return false;
  const std::string entry = "entry " + std::to_string(e.seq);
  const std::int64_t expected = last_seq_ + 1;
  const std::int64_t unchained_until = in_.extent.unchained_until;
  if (e.seq > expected && e.seq - 1 > unchained_until) {
    return fail(Finding::missing, expected,
                seq_range(expected, e.seq - 1) + " missing: the log goes from seq " + std::to_string(last_seq_) +
                    " to seq " + std::to_string(e.seq) + "; the entries between were deleted");
  }
  if (!e.entry_hash) {
    if (e.seq <= unchained_until) {  // written before the chain existed: nothing to check
      ++legacy_;
      last_seq_ = e.seq;
      return true;
    }
    return fail(Finding::unchained, e.seq,
                entry + " has no hash: its hash was removed, or it was written with audit.hash: none");
  }
  const auto algorithm = parse_chain_format(e.chain_format.value_or(""));
  const auto prev = hash_from_bytes(e.prev_hash.value_or(""));
  const auto stored = hash_from_bytes(*e.entry_hash);
  if (!algorithm) {
    return fail(Finding::changed, e.seq, entry + " changed: unknown chain format '" + e.chain_format.value_or("") + "'");
  }
  if (!prev || !stored) return fail(Finding::changed, e.seq, entry + " changed: its hash columns are not 32 bytes");
  const Hash computed = hasher_for(*algorithm).entry_hash(*prev, e.fields(), scratch_);
  if (*prev == head_) {
    if (computed != *stored) {
      return fail(Finding::changed, e.seq,
                  entry + " changed: its content (event " + e.event_type + ", written " + utc(e.at_ms) +
                      ") no longer matches its hash; it was edited after it was written");
    }
  } else if (!check_link(e, computed)) {
    return false;
  }
  head_ = *stored;
  last_seq_ = e.seq;
  ++count_;
  ++checked_;
  since_checkpoint_.emplace_back(e.seq, std::string(as_bytes(*stored).substr(0, kEntryDigestSize)));
  return reach_checkpoints(e.seq);
}

// The entry does not follow the one before it. Says why, as precisely as the log allows.
bool ChainVerifier::check_link(const StoredEntry& e, const Hash& computed) {
  const std::string entry = "entry " + std::to_string(e.seq);
  const Hash stored = *hash_from_bytes(*e.entry_hash);
  const std::string prev_bytes = *e.prev_hash;
  const bool intact = computed == stored;
  const std::optional<std::int64_t> after = in_.seq_of_hash ? in_.seq_of_hash(prev_bytes) : std::nullopt;
  if (after && *after != last_seq_) {
    std::string message = entry + " is out of order: it was chained after the entry now at seq " +
                          std::to_string(*after) + ", not after seq " + std::to_string(last_seq_);
    if (!intact) {
      EntryFields moved = e.fields();
      moved.seq = *after + 1;
      if (hasher_for(*parse_chain_format(*e.chain_format)).entry_hash(*hash_from_bytes(prev_bytes), moved, scratch_) ==
          stored) {
        message += " (it verifies as seq " + std::to_string(moved.seq) + ")";
      }
    }
    return fail(Finding::out_of_order, e.seq, message + "; entries were swapped or moved");
  }
  if (intact && count_ > 0) {
    return fail(Finding::chain_broken, last_seq_,
                "chain broken after seq " + std::to_string(last_seq_) + ": " + entry +
                    " is intact but was chained to a different entry " + std::to_string(last_seq_) + "; entry " +
                    std::to_string(last_seq_) + " was changed and its hash recomputed, or replaced");
  }
  if (intact) {
    return fail(Finding::chain_broken, e.seq,
                entry + " is the first chained entry but is chained to an entry that is not in the log; "
                        "the entries before it were removed");
  }
  return fail(Finding::changed, e.seq,
              entry + " changed: neither its content nor its link to entry " + std::to_string(last_seq_) +
                  " matches its hash");
}

bool ChainVerifier::reach_checkpoints(std::int64_t seq) {
  while (next_ < pending_.size() && pending_[next_].seq <= seq) {
    if (!check_checkpoint(pending_[next_++])) return false;
  }
  return true;
}

bool ChainVerifier::check_signature(const Checkpoint& c) {
  const auto key = keys_.find(c.key_fingerprint);
  if (key == keys_.end()) {
    return fail(Finding::unknown_key, c.seq,
                describe(c) + " is signed by key " + fingerprint_text(c.key_fingerprint) +
                    ", which is none of the keys given: it was made with another key (after a key "
                    "rotation, give the old public key too)");
  }
  if (!key->second->verify(c)) {
    return fail(Finding::bad_signature, c.seq,
                describe(c) + " does not verify with key " + fingerprint_text(c.key_fingerprint) +
                    ": it was changed after it was signed");
  }
  if (!c.entry_digests.empty() && digest_of_entries(c.entry_digests, c.signature_algorithm) != c.entries_digest) {
    return fail(Finding::bad_signature, c.seq, describe(c) + ": its list of entry digests was changed after it was signed");
  }
  return true;
}

bool ChainVerifier::check_checkpoint(const Checkpoint& c) {
  if (!check_signature(c)) return false;
  if (c.id > last_checkpoint_id_ + 1) {
    return fail(Finding::checkpoint_missing, c.seq,
                "checkpoint" + std::string(c.id - last_checkpoint_id_ > 2 ? "s #" : " #") +
                    std::to_string(last_checkpoint_id_ + 1) +
                    (c.id - last_checkpoint_id_ > 2 ? "..#" + std::to_string(c.id - 1) : std::string()) +
                    " missing before " + describe(c) + ": deleted from the database");
  }
  const auto head = hash_from_bytes(c.head_hash);
  if (c.seq == last_seq_ && head && *head == head_ && c.count == count_) {
    ++checkpoints_checked_;
    since_checkpoint_.clear();
    last_checkpoint_id_ = std::max(last_checkpoint_id_, c.id);
    last_checkpoint_seq_ = c.seq;
    return true;
  }
  // The chain is consistent but is not the one that was signed: recomputed without the key.
  // The signed digests of the entries since the last checkpoint name the first one rewritten.
  const std::string& signed_digests = c.entry_digests;
  for (std::size_t i = 0; i < since_checkpoint_.size(); ++i) {
    const std::size_t at = i * kEntryDigestSize;
    if (at + kEntryDigestSize > signed_digests.size()) break;
    if (signed_digests.compare(at, kEntryDigestSize, since_checkpoint_[i].second) != 0) {
      const std::int64_t seq = since_checkpoint_[i].first;
      return fail(Finding::rechained, seq,
                  "entry " + std::to_string(seq) + " was rewritten and the chain recomputed without the signing key: " +
                      "it differs from the digest " + describe(c) + " signed for it, and the entries up to seq " +
                      std::to_string(c.seq) + " do not hash to the signed head");
    }
  }
  return fail(Finding::rechained, c.seq,
              "the entries " + seq_range(last_checkpoint_seq_ + 1, c.seq) + " do not hash to the head signed in " +
                  describe(c) + " (" + std::to_string(count_) + " entries found, " + std::to_string(c.count) +
                  " signed): an entry in that range was rewritten and the chain recomputed without the signing key");
}

bool ChainVerifier::finish() {
  if (problem_) return false;
  const LogExtent& x = in_.extent;
  while (next_ < pending_.size()) {
    const Checkpoint& c = pending_[next_++];
    if (!check_signature(c)) return false;
    return fail(Finding::truncated, last_seq_ + 1,
                "tail truncated after seq " + std::to_string(last_seq_) + ": " + describe(c) + " vouches for " +
                    std::to_string(c.count) + " entries up to seq " + std::to_string(c.seq) + "; " +
                    seq_range(last_seq_ + 1, c.seq) + " were deleted");
  }
  if (x.highest_seq_assigned > last_seq_) {
    return fail(Finding::truncated, last_seq_ + 1,
                "tail truncated after seq " + std::to_string(last_seq_) + ": the table has assigned seq up to " +
                    std::to_string(x.highest_seq_assigned) + "; " + seq_range(last_seq_ + 1, x.highest_seq_assigned) +
                    " were deleted");
  }
  if (x.highest_checkpoint_id_assigned > x.last_checkpoint_id) {
    return fail(Finding::checkpoint_missing, last_seq_,
                "the last checkpoints were deleted: the database has numbered checkpoints up to #" +
                    std::to_string(x.highest_checkpoint_id_assigned) + " but holds them only up to #" +
                    std::to_string(x.last_checkpoint_id));
  }
  return true;
}

}  // namespace kq::audit
