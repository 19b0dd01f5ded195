#include "gateway/store/sqlite_audit_reader.hpp"

namespace kq::store::sqlite {

namespace {

std::optional<std::string> nullable(const Query& q, int column) {
  if (q.is_null(column)) return std::nullopt;
  return q.text(column);
}

}  // namespace

Statement& AuditQueries::statement(Statement& s, std::string_view sql) {
  if (!s.valid()) s = db_.prepare(sql);
  return s;
}

std::vector<audit::StoredEntry> AuditQueries::entries(std::int64_t after_seq, std::size_t limit) {
  Query q = statement(entries_,
                      "SELECT seq, at_ms, event_type, action, outcome, actor, org_id, detail, message_id, "
                      "chain_format, prev_hash, entry_hash FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2")
                .query();
  q.bind(1, after_seq).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, 1u << 30)));
  std::vector<audit::StoredEntry> out;
  out.reserve(std::min<std::size_t>(limit, 4096));
  while (q.next()) {
    audit::StoredEntry e;
    e.seq = q.int64(0);
    e.at_ms = q.int64(1);
    e.event_type = q.text(2);
    e.action = q.text(3);
    e.outcome = q.int64(4);
    e.actor = nullable(q, 5);
    e.org_id = nullable(q, 6);
    e.detail = q.text(7);
    e.message_id = nullable(q, 8);
    e.chain_format = nullable(q, 9);
    e.prev_hash = nullable(q, 10);
    e.entry_hash = nullable(q, 11);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<audit::Checkpoint> AuditQueries::checkpoints() {
  Query q = statement(checkpoints_,
                      "SELECT id, seq, entry_count, at_ms, head_hash, entry_digests, signature_algorithm, "
                      "key_fingerprint, signature FROM audit_checkpoint ORDER BY id")
                .query();
  std::vector<audit::Checkpoint> out;
  while (q.next()) {
    audit::Checkpoint c;
    c.id = q.int64(0);
    c.seq = q.int64(1);
    c.count = q.int64(2);
    c.at_ms = q.int64(3);
    c.head_hash = q.text(4);
    c.entry_digests = q.text(5);
    c.signature_algorithm = q.text(6);
    c.key_fingerprint = q.text(7);
    c.signature = q.text(8);
    // The signature covers the digest of the list, so a list edited in the database fails it.
    c.entries_digest = audit::digest_of_entries(c.entry_digests, c.signature_algorithm);
    out.push_back(std::move(c));
  }
  return out;
}

audit::LogExtent AuditQueries::extent() {
  // One statement, so every figure comes from the same snapshot.
  Query q = statement(extent_,
                      "SELECT coalesce((SELECT min(seq) FROM audit_log), 0), "
                      "coalesce((SELECT max(seq) FROM audit_log), 0), "
                      "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0), "
                      "coalesce((SELECT max(id) FROM audit_checkpoint), 0), "
                      "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit_checkpoint'), 0), "
                      "coalesce((SELECT unchained_until FROM audit_chain WHERE id = 1), 0)")
                .query();
  audit::LogExtent x;
  if (q.next()) {
    x.first_seq = q.int64(0);
    x.last_seq = q.int64(1);
    x.highest_seq_assigned = q.int64(2);
    x.last_checkpoint_id = q.int64(3);
    x.highest_checkpoint_id_assigned = q.int64(4);
    x.unchained_until = q.int64(5);
  }
  return x;
}

std::optional<std::int64_t> AuditQueries::seq_of_hash(std::string_view hash) {
  Query q = statement(seq_of_hash_, "SELECT seq FROM audit_log WHERE entry_hash = ?1 LIMIT 1").query();
  q.bind_blob(1, hash);
  if (!q.next()) return std::nullopt;
  return q.int64(0);
}

}  // namespace kq::store::sqlite
