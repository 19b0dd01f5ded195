// Message keys are held for their window: a resend within it is a duplicate, another message a
// conflict; after it the key is free again (senders recycle control ids), and the sweep removes it.
#include <chrono>
#include <thread>

#include "tests/unit/store/store_test_support.hpp"

namespace kq::store::testing {
namespace {

constexpr std::int64_t kWindowMs = 60'000;

class DedupeWindowTest : public StoreTest {
 protected:
  WriteBatch message_with_key(const std::string& payload) {
    WriteBatch b;
    b.message = make_message(payload);
    b.dedupe = DedupeKey{"his-1", "HIS|H1|CTRL-1", true, kWindowMs};
    return b;
  }
  // Makes every stored key look `ms` older, as if that much time had passed.
  void age_keys(std::int64_t ms) {
    RawDb raw(db_path());
    ASSERT_EQ(raw.exec("UPDATE dedupe_key SET created_at_ms = created_at_ms - " + std::to_string(ms)), "");
  }
};

TEST_F(DedupeWindowTest, WithinTheWindowTheKeyIsTakenAfterItTheKeyIsFree) {
  auto store = open();
  const WriteResult first = submit_and_wait(*store, message_with_key("first"));
  ASSERT_EQ(first.status, WriteStatus::committed) << first.error;
  EXPECT_EQ(submit_and_wait(*store, message_with_key("first")).status, WriteStatus::duplicate);
  EXPECT_EQ(submit_and_wait(*store, message_with_key("recycled")).status, WriteStatus::conflict);

  age_keys(kWindowMs + 1000);
  const WriteResult recycled = submit_and_wait(*store, message_with_key("recycled"));
  ASSERT_EQ(recycled.status, WriteStatus::committed) << recycled.error;
  // The key now belongs to the new message: its resend is its duplicate.
  const WriteResult again = submit_and_wait(*store, message_with_key("recycled"));
  EXPECT_EQ(again.status, WriteStatus::duplicate);
  EXPECT_EQ(again.original_message_id, recycled.message_id);
  EXPECT_EQ(store->reader()->find_dedupe("his-1", "HIS|H1|CTRL-1")->message_id, recycled.message_id);
}

TEST_F(DedupeWindowTest, AKeyWithoutAWindowIsHeldForEver) {
  auto store = open();
  WriteBatch b = message_with_key("first");
  b.dedupe->window_ms = 0;
  ASSERT_EQ(submit_and_wait(*store, std::move(b)).status, WriteStatus::committed);
  age_keys(10LL * 365 * 24 * 3600 * 1000);
  WriteBatch other = message_with_key("other");
  other.dedupe->window_ms = 0;
  EXPECT_EQ(submit_and_wait(*store, std::move(other)).status, WriteStatus::conflict);
}

TEST_F(DedupeWindowTest, TheSweepRemovesKeysOlderThanTheRetention) {
  SqliteOptions o = options();
  o.dedupe_retention = std::chrono::milliseconds(kWindowMs);
  o.probe_interval = std::chrono::milliseconds(50);
  auto store = open(o);
  for (int i = 0; i < 5; ++i) {
    WriteBatch b;
    b.message = make_message("m" + std::to_string(i));
    b.dedupe = DedupeKey{"his-1", "K" + std::to_string(i), true, kWindowMs};
    ASSERT_EQ(submit_and_wait(*store, std::move(b)).status, WriteStatus::committed);
  }
  {
    RawDb raw(db_path());  // three of the five are past the retention
    ASSERT_EQ(raw.exec("UPDATE dedupe_key SET created_at_ms = created_at_ms - 120000 WHERE key IN ('K0','K2','K4')"), "");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store->stats().dedupe_keys_pruned < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(store->stats().dedupe_keys_pruned, 3u);
  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT group_concat(key) FROM (SELECT key FROM dedupe_key ORDER BY key)"), "K1,K3");
}

}  // namespace
}  // namespace kq::store::testing
