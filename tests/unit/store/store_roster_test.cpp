// Roster syncs in the store (roster_sync.hpp) on a real SQLite file: a chunk's progress commits
// with its batch or not at all, the snapshot answers by student and by row bytes, and the final
// step lists exactly the students the run did not see.
#include "tests/unit/store/store_test_support.hpp"

namespace kq::store::testing {
namespace {

RosterEntry entry(const std::string& key, const std::string& grade = "15") {
  return RosterEntry{key, "h-" + key, "实验小学", grade, "3班", "在读", "e-" + key, "row-" + key, ""};
}

RosterSyncWrite chunk(const std::string& run_id, std::int64_t number, std::vector<RosterEntry> upserts,
                      std::vector<std::string> seen = {}) {
  RosterSyncWrite w;
  w.run.id = run_id;
  w.run.adapter = "registry";
  w.run.registry = "registry|org-1";
  w.run.file_name = "roster.csv";
  w.run.file_sha256 = "sha-" + run_id;
  w.run.file_bytes = 1000;
  w.run.started_at_ms = 1700000000000 + number;
  w.chunk = number;
  w.rows = static_cast<std::int64_t>(upserts.size() + seen.size());
  w.counts.added = static_cast<std::int64_t>(upserts.size());
  w.counts.unchanged = static_cast<std::int64_t>(seen.size());
  w.upserts = std::move(upserts);
  w.seen = std::move(seen);
  return w;
}

WriteBatch with_message(RosterSyncWrite w, const std::string& payload) {
  WriteBatch b;
  b.message = make_message(payload);
  b.roster = std::move(w);
  return b;
}

class RosterStoreTest : public StoreTest {};

TEST_F(RosterStoreTest, ChunksAdvanceTheRunAndTheSnapshotAnswersByKeyAndByRow) {
  auto store = open();
  ASSERT_TRUE(submit_and_wait(*store, with_message(chunk("run-1", 0, {entry("a"), entry("b")}), "c0")).ok());
  RosterSyncWrite second = chunk("run-1", 1, {entry("c")});
  second.rejects.push_back({7, "column 身份证号: check digit"});
  second.counts.rejected = 1;
  ASSERT_TRUE(submit_and_wait(*store, with_message(second, "c1")).ok());

  auto reader = store->reader();
  const auto run = reader->roster_sync_running("registry", "registry|org-1", "sha-run-1");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->chunks_done, 2);
  EXPECT_EQ(run->rows_done, 3);
  EXPECT_EQ(run->counts.added, 3);
  EXPECT_EQ(run->counts.rejected, 1);
  EXPECT_FALSE(run->finished);
  ASSERT_EQ(reader->roster_rejects("run-1", 10).size(), 1u);
  EXPECT_EQ(reader->roster_rejects("run-1", 10)[0].line, 7);
  EXPECT_EQ(reader->roster_entry("registry|org-1", "b")->enrollment_id, "e-b");
  EXPECT_EQ(reader->roster_entry_by_row("registry|org-1", "row-c")->student_key, "c");
  EXPECT_FALSE(reader->roster_entry("other-registry", "b"));
}

TEST_F(RosterStoreTest, AFailedBatchTakesItsProgressWithIt) {
  auto store = open();
  WriteBatch bad = with_message(chunk("run-1", 0, {entry("a")}), "c0");
  bad.sequences.push_back(SequenceNumber{"s", "t", -1});  // breaks a CHECK: the batch fails whole
  EXPECT_FALSE(submit_and_wait(*store, std::move(bad)).ok());
  EXPECT_FALSE(store->reader()->roster_sync_running("registry", "registry|org-1", "sha-run-1"));
  EXPECT_FALSE(store->reader()->roster_entry("registry|org-1", "a"));
}

// The roster drop plans a chunk while the one before is written; when that one did not commit,
// this one must not either, or the run's watermark would pass over the missing chunk.
TEST_F(RosterStoreTest, AChunkCommitsOnlyRightAfterTheOneBeforeIt) {
  auto store = open();
  const WriteResult early = submit_and_wait(*store, with_message(chunk("run-1", 1, {entry("b")}), "c1"));
  EXPECT_FALSE(early.ok());
  EXPECT_NE(early.error.find("not the next one"), std::string::npos) << early.error;
  EXPECT_FALSE(store->reader()->roster_entry("registry|org-1", "b"));
  EXPECT_FALSE(store->reader()->roster_sync("run-1"));  // nor did the run's first row stay

  ASSERT_TRUE(submit_and_wait(*store, with_message(chunk("run-1", 0, {entry("a")}), "c0")).ok());
  ASSERT_TRUE(submit_and_wait(*store, with_message(chunk("run-1", 1, {entry("b")}), "c1")).ok());
  const auto run = store->reader()->roster_sync_running("registry", "registry|org-1", "sha-run-1");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->chunks_done, 2);
  // The same chunk again (not deduplicated: another payload) is not the next one either.
  EXPECT_FALSE(submit_and_wait(*store, with_message(chunk("run-1", 1, {entry("c")}), "c1 again")).ok());
  EXPECT_FALSE(store->reader()->roster_entry("registry|org-1", "c"));
  // A snapshot row says which run saw the student last.
  EXPECT_EQ(store->reader()->roster_entry("registry|org-1", "b")->last_sync, "run-1");
}

TEST_F(RosterStoreTest, TheNextRunsFinalStepFindsOnlyTheStudentsItDidNotSee) {
  auto store = open();
  ASSERT_TRUE(submit_and_wait(*store, with_message(chunk("run-1", 0, {entry("a"), entry("b", "16"), entry("c")}),
                                                   "n1")).ok());
  // The next night lists only a.
  ASSERT_TRUE(submit_and_wait(*store, with_message(chunk("run-2", 0, {}, {"a"}), "n2")).ok());
  auto reader = store->reader();
  std::vector<std::string> keys;
  for (const RosterEntry& e : reader->roster_not_seen("registry|org-1", "run-2", "", 100)) keys.push_back(e.student_key);
  EXPECT_EQ(keys, (std::vector<std::string>{"b", "c"}));
  // Paging by key.
  EXPECT_EQ(reader->roster_not_seen("registry|org-1", "run-2", "b", 100).size(), 1u);

  WriteBatch final_step;
  RosterSyncWrite w = chunk("run-2", -1, {});
  w.finish = true;
  RosterEntry graduated = entry("b", "16");
  graduated.status = "毕业";
  RosterEntry left = entry("c");
  left.status = "转出";
  w.departed = {graduated, left};
  w.counts = RosterCounts{};
  w.counts.graduated = 1;
  w.counts.left = 1;
  final_step.roster = std::move(w);
  ASSERT_TRUE(submit_and_wait(*store, std::move(final_step)).ok());
  EXPECT_TRUE(reader->roster_not_seen("registry|org-1", "run-2", "", 100).empty());
  const auto run = reader->roster_sync("run-2");
  ASSERT_TRUE(run);
  EXPECT_TRUE(run->finished);
  EXPECT_EQ(run->counts.graduated, 1);
  EXPECT_EQ(run->counts.left, 1);
  EXPECT_FALSE(reader->roster_sync_running("registry", "registry|org-1", "sha-run-2"));
  EXPECT_EQ(reader->roster_entry("registry|org-1", "b")->status, "毕业");
}

}  // namespace
}  // namespace kq::store::testing
