#include "gateway/store/sqlite_roster_reader.hpp"

#include <string>

namespace kq::store::sqlite {

namespace {

constexpr std::string_view kRunColumns =
    "SELECT id, adapter, registry, file_name, file_sha256, file_bytes, started_at_ms, "
    "coalesce(finished_at_ms, 0), state, chunks_done, rows_done, added, changed, transferred, unchanged, "
    "left_school, graduated, rejected FROM roster_sync ";

constexpr std::string_view kEntryColumns =
    "SELECT student_key, content_hash, school, grade, class_name, status, enrollment_id, row_hash, last_sync FROM roster_entry ";

RosterSyncRun read_run(Query& q) {
  RosterSyncRun r;
  r.id = q.text(0);
  r.adapter = q.text(1);
  r.registry = q.text(2);
  r.file_name = q.text(3);
  r.file_sha256 = q.text(4);
  r.file_bytes = q.int64(5);
  r.started_at_ms = q.int64(6);
  r.finished_at_ms = q.int64(7);
  r.finished = q.text(8) == "finished";
  r.chunks_done = q.int64(9);
  r.rows_done = q.int64(10);
  r.counts.added = q.int64(11);
  r.counts.changed = q.int64(12);
  r.counts.transferred = q.int64(13);
  r.counts.unchanged = q.int64(14);
  r.counts.left = q.int64(15);
  r.counts.graduated = q.int64(16);
  r.counts.rejected = q.int64(17);
  return r;
}

RosterEntry read_entry(Query& q) {
  return RosterEntry{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.text(7), q.text(8)};
}

std::int64_t limit_of(std::size_t n) { return n > 0x7fffffff ? 0x7fffffff : static_cast<std::int64_t>(n); }

}  // namespace

RosterQueries::RosterQueries(Connection& db)
    : running_(db.prepare(std::string(kRunColumns) +
                          "WHERE adapter = ?1 AND registry = ?2 AND file_sha256 = ?3 AND state = 'running' "
                          "ORDER BY started_at_ms DESC LIMIT 1")),
      by_id_(db.prepare(std::string(kRunColumns) + "WHERE id = ?1")),
      latest_(db.prepare(std::string(kRunColumns) +
                         "WHERE (?1 = '' OR adapter = ?1) ORDER BY started_at_ms DESC, id DESC LIMIT ?2")),
      rejects_(db.prepare("SELECT line, reason FROM roster_reject WHERE sync_id = ?1 ORDER BY line LIMIT ?2")),
      entry_(db.prepare(std::string(kEntryColumns) + "WHERE registry = ?1 AND student_key = ?2")),
      // Named: without statistics the planner takes the primary key's registry prefix for as
      // good as this index and scans the registry's every student per row.
      by_row_(db.prepare(std::string(kEntryColumns) +
                         "INDEXED BY roster_entry_row WHERE registry = ?1 AND row_hash = ?2 LIMIT 1")),
      // Students a run did not see and who are still on a school's books: the departures.
      not_seen_(db.prepare(std::string(kEntryColumns) +
                           "WHERE registry = ?1 AND last_sync <> ?2 AND student_key > ?3 "
                           "AND status NOT IN ('转出', '毕业') ORDER BY student_key LIMIT ?4")) {}

std::optional<RosterSyncRun> RosterQueries::running(std::string_view adapter, std::string_view registry,
                                                    std::string_view file_sha256) {
  Query q = running_.query();
  q.bind(1, adapter).bind(2, registry).bind(3, file_sha256);
  if (!q.next()) return std::nullopt;
  return read_run(q);
}

std::optional<RosterSyncRun> RosterQueries::run(std::string_view id) {
  Query q = by_id_.query();
  q.bind(1, id);
  if (!q.next()) return std::nullopt;
  return read_run(q);
}

std::vector<RosterSyncRun> RosterQueries::latest(std::string_view adapter, std::size_t limit) {
  Query q = latest_.query();
  q.bind(1, adapter).bind(2, limit_of(limit));
  std::vector<RosterSyncRun> out;
  while (q.next()) out.push_back(read_run(q));
  return out;
}

std::vector<RosterReject> RosterQueries::rejects(std::string_view sync_id, std::size_t limit) {
  Query q = rejects_.query();
  q.bind(1, sync_id).bind(2, limit_of(limit));
  std::vector<RosterReject> out;
  while (q.next()) out.push_back(RosterReject{q.int64(0), q.text(1)});
  return out;
}

std::optional<RosterEntry> RosterQueries::entry(std::string_view registry, std::string_view student_key) {
  Query q = entry_.query();
  q.bind(1, registry).bind(2, student_key);
  if (!q.next()) return std::nullopt;
  return read_entry(q);
}

std::optional<RosterEntry> RosterQueries::entry_by_row(std::string_view registry, std::string_view row_hash) {
  Query q = by_row_.query();
  q.bind(1, registry).bind(2, row_hash);
  if (!q.next()) return std::nullopt;
  return read_entry(q);
}

std::vector<RosterEntry> RosterQueries::not_seen(std::string_view registry, std::string_view sync_id,
                                                 std::string_view after_key, std::size_t limit) {
  Query q = not_seen_.query();
  q.bind(1, registry).bind(2, sync_id).bind(3, after_key).bind(4, limit_of(limit));
  std::vector<RosterEntry> out;
  while (q.next()) out.push_back(read_entry(q));
  return out;
}

}  // namespace kq::store::sqlite
