#include "gateway/store/sqlite_roster.hpp"

#include <stdexcept>
#include <string>

namespace kq::store::sqlite {

RosterWriter::RosterWriter(Connection& db)
    : insert_run_(db.prepare(
          "INSERT INTO roster_sync (id, adapter, registry, file_name, file_sha256, file_bytes, started_at_ms, state) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'running') ON CONFLICT (id) DO NOTHING")),
      chunks_done_(db.prepare("SELECT chunks_done FROM roster_sync WHERE id = ?1")),
      // The final step (chunk -1) leaves chunks_done as it is.
      advance_run_(db.prepare(
          "UPDATE roster_sync SET chunks_done = max(chunks_done, ?2), rows_done = rows_done + ?3, "
          "added = added + ?4, changed = changed + ?5, transferred = transferred + ?6, "
          "unchanged = unchanged + ?7, left_school = left_school + ?8, graduated = graduated + ?9, "
          "rejected = rejected + ?10 WHERE id = ?1")),
      finish_run_(db.prepare("UPDATE roster_sync SET state = 'finished', finished_at_ms = ?2 WHERE id = ?1")),
      insert_reject_(db.prepare("INSERT INTO roster_reject (sync_id, line, reason) VALUES (?1, ?2, ?3)")),
      upsert_entry_(db.prepare(
          "INSERT INTO roster_entry (registry, student_key, content_hash, school, grade, class_name, status, "
          "enrollment_id, last_sync, row_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
          "ON CONFLICT (registry, student_key) DO UPDATE SET content_hash = excluded.content_hash, "
          "school = excluded.school, grade = excluded.grade, class_name = excluded.class_name, "
          "status = excluded.status, enrollment_id = excluded.enrollment_id, last_sync = excluded.last_sync, "
          "row_hash = excluded.row_hash")),
      mark_seen_(db.prepare("UPDATE roster_entry SET last_sync = ?3 WHERE registry = ?1 AND student_key = ?2")),
      set_status_(db.prepare("UPDATE roster_entry SET status = ?3 WHERE registry = ?1 AND student_key = ?2")) {}

void RosterWriter::apply(const RosterSyncWrite& w, std::int64_t now_ms) {
  const RosterSyncRun& run = w.run;
  insert_run_.query()
      .bind(1, run.id)
      .bind(2, run.adapter)
      .bind(3, run.registry)
      .bind(4, run.file_name)
      .bind(5, run.file_sha256)
      .bind(6, run.file_bytes)
      .bind(7, run.started_at_ms)
      .run();
  if (w.chunk >= 0) {
    // Chunks are planned while the one before is still being written (runtime/roster_drop.cpp),
    // each against what the one before will have written. A chunk is therefore only valid right
    // after the one before it: when that one did not commit, this one fails too, and the sync
    // resumes from the last chunk that did.
    Query q = chunks_done_.query();
    q.bind(1, run.id);
    const std::int64_t done = q.next() ? q.int64(0) : -1;
    if (done != w.chunk) {
      throw std::runtime_error("roster sync " + run.id + ": chunk " + std::to_string(w.chunk + 1) +
                               " is not the next one (" + std::to_string(done) + " committed)");
    }
  }
  const RosterCounts& c = w.counts;
  advance_run_.query()
      .bind(1, run.id)
      .bind(2, w.chunk + 1)
      .bind(3, w.rows)
      .bind(4, c.added)
      .bind(5, c.changed)
      .bind(6, c.transferred)
      .bind(7, c.unchanged)
      .bind(8, c.left)
      .bind(9, c.graduated)
      .bind(10, c.rejected)
      .run();
  for (const RosterReject& r : w.rejects) insert_reject_.query().bind(1, run.id).bind(2, r.line).bind(3, r.reason).run();
  for (const RosterEntry& e : w.upserts) {
    upsert_entry_.query()
        .bind(1, run.registry)
        .bind(2, e.student_key)
        .bind(3, e.content_hash)
        .bind(4, e.school)
        .bind(5, e.grade)
        .bind(6, e.class_name)
        .bind(7, e.status)
        .bind(8, e.enrollment_id)
        .bind(9, run.id)
        .bind(10, e.row_hash)
        .run();
  }
  for (const std::string& key : w.seen) mark_seen_.query().bind(1, run.registry).bind(2, key).bind(3, run.id).run();
  for (const RosterEntry& e : w.departed) {
    set_status_.query().bind(1, run.registry).bind(2, e.student_key).bind(3, e.status).run();
  }
  if (w.finish) finish_run_.query().bind(1, run.id).bind(2, now_ms).run();
}

}  // namespace kq::store::sqlite
