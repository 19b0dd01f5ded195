#include "gateway/store/sqlite_dedupe.hpp"

#include <vector>

namespace kq::store::sqlite {

DedupeKeys::DedupeKeys(Connection& db)
    : find_(db.prepare("SELECT message_id, payload_sha256, created_at_ms FROM dedupe_key "
                       "WHERE scope = ?1 AND key = ?2")),
      insert_(db.prepare("INSERT INTO dedupe_key (scope, key, message_id, payload_sha256, created_at_ms) "
                         "VALUES (?1, ?2, ?3, ?4, ?5)")),
      remove_(db.prepare("DELETE FROM dedupe_key WHERE scope = ?1 AND key = ?2")),
      scan_(db.prepare("SELECT scope, key, created_at_ms FROM dedupe_key WHERE (scope, key) > (?1, ?2) "
                       "ORDER BY scope, key LIMIT ?3")) {}

std::optional<DedupeKeys::Holder> DedupeKeys::holder(const DedupeKey& key, std::int64_t now_ms) {
  Holder h;
  std::int64_t created_at_ms = 0;
  {
    Query q = find_.query();
    q.bind(1, key.scope).bind(2, key.key);
    if (!q.next()) return std::nullopt;
    h.message_id = q.text(0);
    h.payload_sha256 = q.text(1);
    created_at_ms = q.int64(2);
  }
  if (key.window_ms > 0 && created_at_ms < now_ms - key.window_ms) {
    remove_.query().bind(1, key.scope).bind(2, key.key).run();
    return std::nullopt;
  }
  return h;
}

void DedupeKeys::claim(const DedupeKey& key, std::string_view message_id, std::string_view payload_sha256,
                       std::int64_t now_ms) {
  insert_.query().bind(1, key.scope).bind(2, key.key).bind(3, message_id).bind(4, payload_sha256).bind(5, now_ms).run();
}

std::size_t DedupeKeys::prune_step(std::int64_t expired_before_ms, std::size_t slice) {
  std::vector<std::pair<std::string, std::string>> expired;
  std::size_t seen = 0;
  {
    Query q = scan_.query();
    q.bind(1, cursor_scope_).bind(2, cursor_key_).bind(3, static_cast<std::int64_t>(slice));
    while (q.next()) {
      ++seen;
      cursor_scope_ = q.text(0);
      cursor_key_ = q.text(1);
      if (q.int64(2) < expired_before_ms) expired.emplace_back(cursor_scope_, cursor_key_);
    }
  }
  if (seen < slice) {  // the end of the table: the next step starts from the beginning
    cursor_scope_.clear();
    cursor_key_.clear();
  }
  for (const auto& [scope, key] : expired) remove_.query().bind(1, scope).bind(2, key).run();
  return expired.size();
}

}  // namespace kq::store::sqlite
