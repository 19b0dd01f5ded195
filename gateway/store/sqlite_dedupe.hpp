#pragma once
// The dedupe keys of the store: which message holds a sender's message key, for how long.
//
// A key is held for its window (DedupeKey::window_ms): within it a resend is a duplicate and a
// different message with the same key a conflict; after it the key is free again, because HIS
// systems recycle their control ids. Expired keys are removed when they are met, and by a
// background sweep (prune_step) that walks the table in key order a slice at a time, so that no
// index on the key's age costs every message on the acknowledged path.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/store/sqlite_handle.hpp"
#include "gateway/store/write_batch.hpp"

namespace kq::store::sqlite {

class DedupeKeys {
 public:
  explicit DedupeKeys(Connection& db);

  struct Holder {
    std::string message_id;
    std::string payload_sha256;
  };
  // The message that holds `key` within its window. A holding older than the window is removed
  // here and then, the key being free, nothing is returned.
  std::optional<Holder> holder(const DedupeKey& key, std::int64_t now_ms);
  void claim(const DedupeKey& key, std::string_view message_id, std::string_view payload_sha256,
             std::int64_t now_ms);

  // Looks at the next `slice` keys after the last one seen and removes those created before
  // `expired_before_ms`; starts over at the end of the table. Returns how many were removed. Runs
  // inside the caller's transaction.
  std::size_t prune_step(std::int64_t expired_before_ms, std::size_t slice);

 private:
  Statement find_, insert_, remove_, scan_;
  std::string cursor_scope_, cursor_key_;  // the last key the sweep looked at
};

}  // namespace kq::store::sqlite
