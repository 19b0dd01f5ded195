// The audit chain as the store writes it: every entry chained in its transaction, across a group
// rolled back and applied again batch by batch, across restarts and other processes appending,
// with signed checkpoints every N entries or T; and an audit entry that cannot be written fails
// its whole batch, so nothing it would have recorded is stored.
#include <latch>
#include <mutex>

#include "gateway/audit/checkpoint_export.hpp"
#include "gateway/audit/verify.hpp"
#include "gateway/store/sqlite_schema.hpp"
#include "tests/unit/audit/audit_keys.hpp"
#include "tests/unit/store/store_test_support.hpp"

namespace kq::store::testing {
namespace {

class AuditChainTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    signing_ = audit::SigningKey::load(keys_.key("audit.key", "SM2"));
    public_keys_.push_back(audit::VerifyingKey::from_pem(signing_->public_key_pem(), "audit.pub"));
  }

  SqliteOptions signed_options(std::int64_t every_entries) const {
    SqliteOptions o = options();
    o.audit.signing_key = signing_;
    o.audit.checkpoint_every_entries = every_entries;
    o.audit.checkpoint_every = std::chrono::hours(1);
    o.audit.checkpoint_file = keys_.path() / "checkpoints.jsonl";
    return o;
  }

  // Runs the verifier over the whole log through the Reader; the problem it finds, if any.
  std::optional<audit::Problem> verify(Store& store, std::int64_t* entries = nullptr, std::int64_t* checkpoints = nullptr) {
    auto reader = store.reader();
    audit::VerifyInput in;
    in.checkpoints = reader->audit_checkpoints();
    in.keys = &public_keys_;
    in.extent = reader->audit_extent();
    in.seq_of_hash = [&](std::string_view h) { return reader->audit_seq_of_hash(h); };
    audit::ChainVerifier v(std::move(in));
    for (std::int64_t after = 0;;) {
      auto page = reader->audit_entries(after, 100);
      if (page.empty()) break;
      for (const auto& e : page) {
        if (!v.feed(e)) return v.problem();
        after = e.seq;
      }
    }
    v.finish();
    if (entries != nullptr) *entries = v.entries_checked();
    if (checkpoints != nullptr) *checkpoints = v.checkpoints_checked();
    return v.problem();
  }

  static WriteBatch audited(std::string detail) {
    WriteBatch b;
    AuditEntry a;
    a.event_type = "110107";
    a.actor = "hospital-a";
    a.detail_json = std::move(detail);
    b.audit.push_back(std::move(a));
    return b;
  }

  std::int64_t count(const std::string& sql) { return std::stoll(RawDb(db_path()).text(sql)); }

  audit::testing::KeyDir keys_;
  std::shared_ptr<const audit::SigningKey> signing_;
  std::vector<audit::VerifyingKey> public_keys_;
};

TEST_F(AuditChainTest, EntriesAreChainedAndSurviveARestart) {
  {
    auto store = open();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(submit_and_wait(*store, audited("{\"n\":" + std::to_string(i) + "}")).ok());
    std::int64_t entries = 0;
    EXPECT_FALSE(verify(*store, &entries));
    EXPECT_EQ(entries, 20);
  }
  auto store = open();  // the head is read back from the database
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(submit_and_wait(*store, audited("{}")).ok());
  std::int64_t entries = 0;
  EXPECT_FALSE(verify(*store, &entries));
  EXPECT_EQ(entries, 25);
  EXPECT_EQ(RawDb(db_path()).text("SELECT chain_format FROM audit_log WHERE seq = 25"), "KQA1-SM3");
  EXPECT_EQ(count("SELECT length(entry_hash) FROM audit_log WHERE seq = 25"), 32);
}

TEST_F(AuditChainTest, Sha256IsAnOption) {
  SqliteOptions o = options();
  o.audit.hash = audit::HashAlgorithm::sha256;
  auto store = open(o);
  ASSERT_TRUE(submit_and_wait(*store, audited("{}")).ok());
  EXPECT_FALSE(verify(*store));
  EXPECT_EQ(RawDb(db_path()).text("SELECT chain_format FROM audit_log"), "KQA1-SHA256");
}

TEST_F(AuditChainTest, AGroupRolledBackAndReappliedBatchByBatchStaysChained) {
  // A trigger makes the second entry of batch 2 fail after its first entry went in: the group
  // is rolled back and redone with each batch in a savepoint, and the chain must continue from
  // the entry before batch 2, not from its undone first entry.
  { auto store = open(); }
  RawDb raw(db_path());
  ASSERT_EQ(raw.exec("CREATE TRIGGER fail_boom BEFORE INSERT ON audit_log WHEN NEW.detail = '{\"boom\":1}' "
                     "BEGIN SELECT RAISE(ABORT, 'boom refused'); END"),
            "");
  SqliteOptions o = options();
  o.max_batch = 5;
  o.max_delay = std::chrono::seconds(10);  // the group closes when full
  auto store = open(o);
  std::mutex mutex;
  std::vector<WriteResult> results(5);
  std::latch done(5);
  for (int i = 0; i < 5; ++i) {
    WriteBatch b = audited("{\"batch\":" + std::to_string(i) + "}");
    if (i == 2) b.audit.push_back(audited("{\"boom\":1}").audit.front());
    if (i == 3) b.records.push_back(make_record("observation"));
    store->submit(std::move(b), [&, i](WriteResult r) {
      std::lock_guard lock(mutex);
      results[static_cast<std::size_t>(i)] = std::move(r);
      done.count_down();
    });
  }
  done.wait();
  EXPECT_EQ(store->stats().commits, 1u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(results[static_cast<std::size_t>(i)].status, i == 2 ? WriteStatus::failed : WriteStatus::committed) << i;
  }
  EXPECT_NE(results[2].error.find("boom refused"), std::string::npos) << results[2].error;
  std::int64_t entries = 0;
  EXPECT_FALSE(verify(*store, &entries));
  EXPECT_EQ(entries, 4);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE detail LIKE '%\"batch\":2%'"), 0);
  EXPECT_EQ(count("SELECT max(seq) FROM audit_log"), 4);  // no gap where batch 2 was undone
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(submit_and_wait(*store, audited("{}")).ok());
  EXPECT_FALSE(verify(*store));
}

TEST_F(AuditChainTest, AnAuditEntryThatCannotBeWrittenFailsItsWholeBatch) {
  { auto store = open(); }
  RawDb raw(db_path());
  ASSERT_EQ(raw.exec("CREATE TRIGGER audit_down BEFORE INSERT ON audit_log WHEN NEW.actor = 'blocked' "
                     "BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END"),
            "");
  auto store = open();
  WriteBatch b = audited("{}");
  b.audit.front().actor = "blocked";
  b.message = make_message("MSH|^~\\&|HIS|H1|KQ|KQ|20240101||ADT^A01|M1|P|2.5");
  b.records.push_back(make_record("observation"));
  b.outbox.push_back({"sink", "payload", "key-1", 0});
  const WriteResult r = submit_and_wait(*store, std::move(b));
  EXPECT_EQ(r.status, WriteStatus::failed);
  EXPECT_NE(r.error.find("audit log unavailable"), std::string::npos) << r.error;
  // Nothing the entry would have recorded is stored: no message, no record, no outbox item.
  EXPECT_EQ(count("SELECT count(*) FROM raw_message"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM record"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log"), 0);
  // The store goes on, and its chain is whole.
  ASSERT_TRUE(submit_and_wait(*store, audited("{}")).ok());
  EXPECT_FALSE(verify(*store));
}

TEST_F(AuditChainTest, TwoStoresOnOneFileExtendOneChain) {
  // The gateway and a command (`kangqiao reprocess`, `kangqiao audit`) write the same log.
  auto gateway = open();
  auto command = open();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(submit_and_wait(i % 2 == 0 ? *gateway : *command, audited("{}")).ok());
  }
  std::int64_t entries = 0;
  EXPECT_FALSE(verify(*gateway, &entries));
  EXPECT_EQ(entries, 6);
}

TEST_F(AuditChainTest, CheckpointsEveryNEntriesAreSignedStoredAndExported) {
  auto store = open(signed_options(5));
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(submit_and_wait(*store, audited("{}")).ok());
  std::int64_t checkpoints = 0;
  EXPECT_FALSE(verify(*store, nullptr, &checkpoints));
  EXPECT_EQ(checkpoints, 2);
  const auto stored = store->reader()->audit_checkpoints();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].seq, 5);
  EXPECT_EQ(stored[0].count, 5);
  EXPECT_EQ(stored[1].seq, 10);
  EXPECT_EQ(stored[1].entry_digests.size(), 5 * audit::kEntryDigestSize);
  EXPECT_EQ(stored[1].key_fingerprint, signing_->fingerprint());
  const audit::CheckpointFile file = audit::read_checkpoint_file(keys_.path() / "checkpoints.jsonl");
  ASSERT_EQ(file.checkpoints.size(), 2u);
  EXPECT_EQ(file.checkpoints[1].head_hash, stored[1].head_hash);
  EXPECT_TRUE(public_keys_[0].verify(file.checkpoints[1]));
}

TEST_F(AuditChainTest, AnIdleStoreCheckpointsWhenTheIntervalIsUp) {
  SqliteOptions o = signed_options(1000);
  o.audit.checkpoint_every = std::chrono::milliseconds(300);
  o.probe_interval = std::chrono::milliseconds(50);
  auto store = open(o);
  ASSERT_TRUE(submit_and_wait(*store, audited("{}")).ok());
  ASSERT_TRUE(submit_and_wait(*store, audited("{}")).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store->reader()->audit_checkpoints().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto stored = store->reader()->audit_checkpoints();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].seq, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(store->reader()->audit_checkpoints().size(), 1u) << "nothing new: no new checkpoint";
}

TEST_F(AuditChainTest, AfterTheTailWasDeletedNewEntriesLeaveTheGapVisible) {
  { auto store = open(signed_options(1000)); for (int i = 0; i < 6; ++i) ASSERT_TRUE(submit_and_wait(*store, audited("{}")).ok()); }
  RawDb raw(db_path());
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq > 4"), "");
  auto store = open();
  ASSERT_TRUE(submit_and_wait(*store, audited("{}")).ok());
  EXPECT_EQ(count("SELECT max(seq) FROM audit_log"), 7) << "seq 5 and 6 must not be reused";
  const auto p = verify(*store);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->finding, audit::Finding::missing);
  EXPECT_EQ(p->seq, 5);
}

TEST_F(AuditChainTest, EntriesFromBeforeSchema4AreAcceptedAsUnchained) {
  // A store of schema 3 with audit entries, migrated by opening it with this build.
  sqlite::create_at_schema_version(db_path(), 3);
  RawDb raw(db_path());
  ASSERT_EQ(raw.exec("INSERT INTO audit_log (at_ms, event_type, action, outcome, detail) VALUES "
                     "(1, '110107', 'C', 0, '{}'), (2, '110107', 'C', 0, '{}')"),
            "");
  auto store = open();
  ASSERT_TRUE(submit_and_wait(*store, audited("{}")).ok());
  EXPECT_EQ(count("SELECT unchained_until FROM audit_chain"), 2);
  std::int64_t entries = 0;
  EXPECT_FALSE(verify(*store, &entries));
  EXPECT_EQ(entries, 1);
}

}  // namespace
}  // namespace kq::store::testing
