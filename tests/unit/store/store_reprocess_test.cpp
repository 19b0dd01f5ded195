// Reprocess batches: records written with the original message as lineage, the dead letter's
// history (resolved when and by what, attempts, last errors), and the dedupe key of the message.
#include "tests/unit/store/store_test_support.hpp"

namespace kq::store::testing {
namespace {

class ReprocessTest : public StoreTest {
 protected:
  std::string dead_letter(Store& store, const std::string& payload) {
    WriteBatch b;
    b.message = make_message(payload);
    b.message->status = MessageStatus::dead_letter;
    b.message->error = R"([{"field":"PV1-2","reason":"not in value set"}])";
    b.dead_letter = DeadLetter{"", b.message->error, "his-adt@1.0.0"};
    WriteResult r = submit_and_wait(store, std::move(b));
    EXPECT_EQ(r.status, WriteStatus::committed) << r.error;
    return r.message_id;
  }
};

TEST_F(ReprocessTest, WritesRecordsWithTheOriginalLineageAndResolvesTheDeadLetter) {
  auto store = open();
  const std::string id = dead_letter(*store, "ADT that failed");
  {
    auto d = store->reader()->dead_letters_of_message(id);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].resolved_at_ms, 0);
    EXPECT_EQ(d[0].attempts, 0);
  }

  // First attempt fails again: the attempt is recorded, the letter stays open.
  WriteBatch retry;
  retry.reprocess = Reprocess{id, "his-adt@1.0.1", false, R"([{"field":"PV1-2","reason":"still"}])"};
  ASSERT_EQ(submit_and_wait(*store, std::move(retry)).status, WriteStatus::committed);
  auto d = store->reader()->dead_letters_of_message(id);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].resolved_at_ms, 0);
  EXPECT_EQ(d[0].attempts, 1);
  EXPECT_GT(d[0].last_attempt_at_ms, 0);
  EXPECT_NE(d[0].last_errors.find("still"), std::string::npos);
  EXPECT_EQ(store->reader()->message(id)->message.status, MessageStatus::dead_letter);

  // Second attempt with the fixed mapping succeeds.
  WriteBatch fixed;
  fixed.records.push_back(make_record("observation"));
  fixed.dedupe = DedupeKey{"his-1", "HIS|H001|MSG1"};
  fixed.reprocess = Reprocess{id, "his-adt@1.0.2", true, ""};
  WriteResult r = submit_and_wait(*store, std::move(fixed));
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
  EXPECT_EQ(r.message_id, id);
  auto reader = store->reader();
  auto lineage = reader->records_of_message(id);
  ASSERT_EQ(lineage.size(), 1u);
  EXPECT_EQ(lineage[0].id, r.records.at(0).id);
  d = reader->dead_letters_of_message(id);
  EXPECT_GT(d.at(0).resolved_at_ms, 0);
  EXPECT_EQ(d.at(0).resolved_by, "his-adt@1.0.2");
  EXPECT_EQ(d.at(0).attempts, 2);
  EXPECT_NE(d.at(0).errors_json.find("PV1-2"), std::string::npos);  // the original errors stay
  EXPECT_EQ(reader->message(id)->message.status, MessageStatus::accepted);
  auto key = reader->find_dedupe("his-1", "HIS|H001|MSG1");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->message_id, id);
  // The sender's resend of the same bytes is now a duplicate of the reprocessed message.
  WriteBatch resend;
  resend.message = make_message("ADT that failed");
  resend.dedupe = DedupeKey{"his-1", "HIS|H001|MSG1"};
  WriteResult dup = submit_and_wait(*store, std::move(resend));
  EXPECT_EQ(dup.status, WriteStatus::duplicate);
  EXPECT_EQ(dup.original_message_id, id);
}

TEST_F(ReprocessTest, AMessageWhoseResendWasAcceptedIsSupersededNotWrittenTwice) {
  auto store = open();
  const std::string id = dead_letter(*store, "first copy");
  WriteBatch resend;
  resend.message = make_message("first copy, corrected by the sender");
  resend.dedupe = DedupeKey{"his-1", "HIS|H001|MSG7"};
  resend.records.push_back(make_record("observation"));
  WriteResult accepted = submit_and_wait(*store, std::move(resend));
  ASSERT_EQ(accepted.status, WriteStatus::committed) << accepted.error;

  WriteBatch again;
  again.records.push_back(make_record("observation"));
  again.dedupe = DedupeKey{"his-1", "HIS|H001|MSG7"};
  again.reprocess = Reprocess{id, "his-adt@1.0.2", true, ""};
  WriteResult r = submit_and_wait(*store, std::move(again));
  EXPECT_EQ(r.status, WriteStatus::duplicate);
  EXPECT_EQ(r.original_message_id, accepted.message_id);
  auto reader = store->reader();
  EXPECT_TRUE(reader->records_of_message(id).empty());
  EXPECT_EQ(reader->row_counts()["record"], 1);
  auto d = reader->dead_letters_of_message(id);
  EXPECT_GT(d.at(0).resolved_at_ms, 0);
  EXPECT_EQ(d.at(0).resolved_by, "superseded by message " + accepted.message_id);
}

TEST_F(ReprocessTest, SelectsMessagesBySourceAndTime) {
  auto store = open();
  for (int i = 0; i < 4; ++i) {
    WriteBatch b;
    b.message = make_message("m" + std::to_string(i));
    b.message->inbound.received_at_ms = 1000 * (i + 1);
    b.message->inbound.adapter = i == 3 ? "other" : "his-1";
    ASSERT_EQ(submit_and_wait(*store, std::move(b)).status, WriteStatus::committed);
  }
  auto reader = store->reader();
  EXPECT_EQ(reader->message_ids({"his-1", 0, 0}).size(), 3u);
  EXPECT_EQ(reader->message_ids({"his-1", 2000, 3000}).size(), 1u);  // [since, until)
  EXPECT_EQ(reader->message_ids({"his-1", 2000, 0}).size(), 2u);
  EXPECT_EQ(reader->message_ids({"", 0, 0}).size(), 4u);
}

}  // namespace
}  // namespace kq::store::testing
