// The verifier against every kind of tampering, on chains built in memory exactly as the store
// writes them: each test changes the log the way an attacker with the database file would, and
// checks the finding and the entry it names.
#include <gtest/gtest.h>

#include <algorithm>

#include "audit_keys.hpp"
#include "gateway/audit/verify.hpp"

namespace kq::audit {
namespace {

using testing::KeyDir;

// A log of `n` entries with a checkpoint every `every` entries, signed with an SM2 key.
class Log {
 public:
  Log(int n, int every, HashAlgorithm algorithm = HashAlgorithm::sm3) : hasher_(algorithm), format_(chain_format(algorithm)) {
    key_ = SigningKey::load(dir_.key("audit.key", "SM2"));
    keys_.push_back(VerifyingKey::from_pem(key_->public_key_pem(), "audit.pub"));
    for (int i = 1; i <= n; ++i) {
      append();
      if (i % every == 0) checkpoint();
    }
  }

  void append() {
    StoredEntry e;
    e.seq = entries.empty() ? unchained_until + 1 : entries.back().seq + 1;
    e.at_ms = 1700000000000 + e.seq * 1000;
    e.event_type = e.seq % 3 == 0 ? "110113" : "110107";
    e.action = "C";
    e.outcome = e.seq % 3 == 0 ? 8 : 0;
    e.actor = "hospital-a";
    e.org_id = "org-1";
    e.detail = R"({"n":)" + std::to_string(e.seq) + "}";
    e.message_id = "message-" + std::to_string(e.seq);
    chain(e, head_);
    head_ = *hash_from_bytes(*e.entry_hash);
    entries.push_back(std::move(e));
  }

  // Fills chain_format, prev_hash and entry_hash of `e` as the writer would after `prev`.
  void chain(StoredEntry& e, const Hash& prev) {
    e.chain_format = std::string(format_);
    e.prev_hash = std::string(as_bytes(prev));
    e.entry_hash = std::string(as_bytes(hasher_.entry_hash(prev, e.fields(), scratch_)));
  }

  // Recomputes every hash from entries[index] on, as someone without the key would.
  void rechain_from(std::size_t index) {
    Hash prev = index == 0 ? kGenesisHash : *hash_from_bytes(*entries[index - 1].entry_hash);
    for (std::size_t i = index; i < entries.size(); ++i) {
      chain(entries[i], prev);
      prev = *hash_from_bytes(*entries[i].entry_hash);
    }
  }

  void checkpoint() {
    Checkpoint c;
    c.id = static_cast<std::int64_t>(checkpoints.size()) + 1;
    c.seq = entries.back().seq;
    c.count = static_cast<std::int64_t>(entries.size());
    c.at_ms = entries.back().at_ms;
    c.head_hash = std::string(as_bytes(head_));
    const std::int64_t after = checkpoints.empty() ? 0 : checkpoints.back().seq;
    for (const StoredEntry& e : entries) {
      if (e.seq > after) c.entry_digests += e.entry_hash->substr(0, kEntryDigestSize);
    }
    key_->sign(c);
    checkpoints.push_back(std::move(c));
  }

  LogExtent extent() const {
    LogExtent x;
    x.first_seq = entries.empty() ? 0 : entries.front().seq;
    x.last_seq = entries.empty() ? 0 : entries.back().seq;
    x.highest_seq_assigned = std::max(x.last_seq, highest_seq_assigned);
    x.last_checkpoint_id = checkpoints.empty() ? 0 : checkpoints.back().id;
    x.highest_checkpoint_id_assigned = std::max(x.last_checkpoint_id, highest_checkpoint_id_assigned);
    x.unchained_until = unchained_until;
    return x;
  }

  // Runs the verifier over the log; returns its problem, if any.
  std::optional<Problem> verify(std::int64_t from_seq = 0, std::vector<Checkpoint> outside = {}) {
    VerifyInput in;
    in.checkpoints = checkpoints;
    for (auto& c : outside) in.checkpoints.push_back(std::move(c));
    in.keys = &keys_;
    in.extent = extent();
    in.from_seq = from_seq;
    in.seq_of_hash = [this](std::string_view hash) -> std::optional<std::int64_t> {
      for (const StoredEntry& e : entries) {
        if (e.entry_hash && *e.entry_hash == hash) return e.seq;
      }
      return std::nullopt;
    };
    ChainVerifier v(std::move(in));
    for (const StoredEntry& e : entries) {
      if (e.seq <= v.start_after()) continue;
      if (!v.feed(e)) return v.problem();
    }
    v.finish();
    fed_ = v.entries_checked();
    checked_checkpoints_ = v.checkpoints_checked();
    return v.problem();
  }

  StoredEntry& at(std::int64_t seq) {
    for (StoredEntry& e : entries) {
      if (e.seq == seq) return e;
    }
    throw std::out_of_range("no entry " + std::to_string(seq));
  }
  void erase(std::int64_t seq) {
    entries.erase(std::find_if(entries.begin(), entries.end(), [&](const StoredEntry& e) { return e.seq == seq; }));
  }

  std::vector<StoredEntry> entries;
  std::vector<Checkpoint> checkpoints;
  std::int64_t unchained_until = 0;
  std::int64_t highest_seq_assigned = 0;
  std::int64_t highest_checkpoint_id_assigned = 0;
  std::vector<VerifyingKey> keys_;
  std::int64_t fed_ = 0;
  std::int64_t checked_checkpoints_ = 0;
  KeyDir dir_;

 private:
  Hasher hasher_;
  std::string_view format_;
  std::shared_ptr<const SigningKey> key_;
  Hash head_ = kGenesisHash;
  std::string scratch_;
};

// Swaps everything but seq between two rows, as UPDATE … SET seq = … would.
void swap_rows(StoredEntry& a, StoredEntry& b) {
  std::swap(a, b);
  std::swap(a.seq, b.seq);
}

TEST(AuditVerify, AnIntactLogPasses) {
  Log log(250, 100);
  EXPECT_FALSE(log.verify()) << log.verify()->message;
  EXPECT_EQ(log.fed_, 250);
  EXPECT_EQ(log.checked_checkpoints_, 2);
  Log sha(30, 10, HashAlgorithm::sha256);
  EXPECT_FALSE(sha.verify());
}

TEST(AuditVerify, AChangedByteNamesTheEntry) {
  Log log(250, 100);
  log.at(137).detail[3] ^= 1;
  const auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::changed);
  EXPECT_EQ(p->seq, 137);
  EXPECT_NE(p->message.find("entry 137 changed"), std::string::npos) << p->message;
}

TEST(AuditVerify, AChangedStoredHashNamesTheEntry) {
  Log log(50, 100);
  (*log.at(20).entry_hash)[0] ^= 1;
  const auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::changed);
  EXPECT_EQ(p->seq, 20);
}

TEST(AuditVerify, ADeletedRowIsMissing) {
  Log log(250, 100);
  log.erase(42);
  const auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::missing);
  EXPECT_EQ(p->seq, 42);
  EXPECT_NE(p->message.find("seq 42 missing"), std::string::npos) << p->message;
}

TEST(AuditVerify, SwappedRowsAreOutOfOrder) {
  Log log(250, 100);
  swap_rows(log.at(60), log.at(75));
  auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::out_of_order);
  EXPECT_EQ(p->seq, 60);
  EXPECT_NE(p->message.find("it verifies as seq 75"), std::string::npos) << p->message;

  Log adjacent(50, 100);
  swap_rows(adjacent.at(10), adjacent.at(11));
  p = adjacent.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::out_of_order);
  EXPECT_EQ(p->seq, 10);
  EXPECT_NE(p->message.find("now at seq 11"), std::string::npos) << p->message;
}

TEST(AuditVerify, AnEntryRehashedAloneBreaksTheChainAfterIt) {
  Log log(250, 100);
  StoredEntry& e = log.at(120);
  e.outcome = 0;
  Hash prev = *hash_from_bytes(*e.prev_hash);
  log.chain(e, prev);  // its own hash recomputed, the next entry's link left alone
  const auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::chain_broken);
  EXPECT_EQ(p->seq, 120);
  EXPECT_NE(p->message.find("chain broken after seq 120"), std::string::npos) << p->message;
}

TEST(AuditVerify, RechainingWithoutTheKeyNamesTheFirstRewrittenEntry) {
  Log log(250, 100);
  log.at(130).detail = R"({"n":"rewritten"})";
  log.rechain_from(129);  // entries[129] is seq 130
  const auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::rechained);
  EXPECT_EQ(p->seq, 130);
  EXPECT_NE(p->message.find("checkpoint #2"), std::string::npos) << p->message;
}

TEST(AuditVerify, RechainedHeadWithoutDigestsNamesTheRange) {
  // An exported checkpoint carries no digest list: the range between checkpoints is named.
  Log log(250, 100);
  std::vector<Checkpoint> outside = log.checkpoints;
  for (Checkpoint& c : outside) c.entry_digests.clear();
  log.checkpoints.clear();
  log.at(130).detail = "{}";
  log.rechain_from(129);
  const auto p = log.verify(0, outside);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::rechained);
  EXPECT_EQ(p->seq, 200);
  EXPECT_NE(p->message.find("seq 101..200"), std::string::npos) << p->message;
}

TEST(AuditVerify, AFalsifiedCheckpointFailsItsSignature) {
  Log log(250, 100);
  log.at(130).detail = "{}";
  log.rechain_from(129);
  log.checkpoints[1].head_hash = *log.at(200).entry_hash;  // made to match, without the key
  const auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::bad_signature);
  EXPECT_EQ(p->seq, 200);
}

TEST(AuditVerify, ACheckpointFromAnotherKeyIsRefused) {
  Log log(250, 100);
  const auto forger = SigningKey::load(log.dir_.key("forger.key", "P-256"));
  forger->sign(log.checkpoints[0]);
  const auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::unknown_key);
  EXPECT_EQ(p->seq, 100);
}

TEST(AuditVerify, TruncatedTailPastACheckpoint) {
  Log log(250, 100);
  while (log.entries.back().seq > 180) log.entries.pop_back();
  log.highest_seq_assigned = 0;  // the attacker reset SQLite's counter too
  const auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::truncated);
  EXPECT_EQ(p->seq, 181);
  EXPECT_NE(p->message.find("seq 181..200 were deleted"), std::string::npos) << p->message;
}

TEST(AuditVerify, TruncatedTailAfterTheLastCheckpoint) {
  Log log(250, 100);
  while (log.entries.back().seq > 230) log.entries.pop_back();
  log.highest_seq_assigned = 250;  // SQLite's AUTOINCREMENT counter remembers
  auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::truncated);
  EXPECT_EQ(p->seq, 231);

  // With the counter reset as well, only a checkpoint kept outside still knows.
  Log outside_copy(250, 50);
  std::vector<Checkpoint> exported = outside_copy.checkpoints;
  while (outside_copy.entries.back().seq > 230) outside_copy.entries.pop_back();
  outside_copy.checkpoints.pop_back();  // seq 250: deleted from the database with the entries
  EXPECT_FALSE(outside_copy.verify());
  p = outside_copy.verify(0, exported);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::truncated);
  EXPECT_EQ(p->seq, 231);
}

TEST(AuditVerify, DeletedCheckpoints) {
  Log log(250, 50);
  log.checkpoints.erase(log.checkpoints.begin() + 1);  // #2
  auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::checkpoint_missing);
  EXPECT_NE(p->message.find("#2 missing"), std::string::npos) << p->message;

  Log last(250, 50);
  last.checkpoints.pop_back();
  last.highest_checkpoint_id_assigned = 5;
  p = last.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::checkpoint_missing);
}

TEST(AuditVerify, EntriesFromBeforeTheChainAreAcceptedOnlyThere) {
  Log log(0, 100);
  log.unchained_until = 5;
  for (int i = 1; i <= 5; ++i) {
    StoredEntry e;
    e.seq = i;
    e.event_type = "110107";
    e.action = "C";
    e.detail = "{}";
    log.entries.push_back(e);
  }
  for (int i = 0; i < 10; ++i) log.append();
  EXPECT_FALSE(log.verify());
  log.at(9).entry_hash.reset();
  log.at(9).prev_hash.reset();
  const auto p = log.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::unchained);
  EXPECT_EQ(p->seq, 9);
}

TEST(AuditVerify, FromStartsAtTheLastCheckpointBefore) {
  Log log(250, 100);
  log.at(50).detail = "{}";  // before the start: not looked at
  EXPECT_FALSE(log.verify(150));
  EXPECT_EQ(log.fed_, 150);  // 101..250: checkpoint #1 (seq 100) is the last one before 150
  log.at(220).detail = "{}";
  const auto p = log.verify(150);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->seq, 220);
}

TEST(AuditVerify, AWholeLogRewrittenAndSignedWithAnotherKeyIsRefused) {
  Log genuine(100, 50);
  Log forged(100, 50);  // a consistent log with checkpoints, made with the forger's own key
  forged.keys_ = std::move(genuine.keys_);
  const auto p = forged.verify();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, Finding::unknown_key);
  EXPECT_EQ(p->seq, 50);
}

TEST(AuditVerify, AnExportedCopyIsCheckedOnceWhenIdentical) {
  Log log(250, 100);
  EXPECT_FALSE(log.verify(0, log.checkpoints));
  EXPECT_EQ(log.checked_checkpoints_, 2);
}

}  // namespace
}  // namespace kq::audit
