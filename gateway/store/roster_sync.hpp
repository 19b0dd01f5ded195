#pragma once
// Roster syncs (the student_registry adapter's nightly roster, docs/adapters/student_registry.md):
// what the store keeps so that a sync streams through a large file chunk by chunk, resumes after a
// crash where it stopped, and writes only the students who changed.
//
// - A run (`roster_sync`): one file of one registry, its SHA-256, how many chunks and rows are
//   done and the counts per change kind. Each chunk's transaction advances it, so after kill -9
//   the run says exactly which chunks are committed.
// - A snapshot (`roster_entry`): per registry and student key (学籍号, else the resident id), a
//   hash of the student's canonical content, the school, grade, class and status, and the last
//   run that saw the student. A chunk compares its students with it; the end of a run finds the
//   students it did not see.
// - Rejected rows (`roster_reject`): the line of the file and the reason.
#include <cstdint>
#include <string>
#include <vector>

namespace kq::store {

// How many students of a run fell into each change kind, and how many rows were refused.
struct RosterCounts {
  std::int64_t added = 0;        // new: the registry had never listed the student
  std::int64_t changed = 0;      // same school, other content (grade, class, name, …)
  std::int64_t transferred = 0;  // another school
  std::int64_t unchanged = 0;
  std::int64_t left = 0;         // not in this run's roster any more
  std::int64_t graduated = 0;    // not in the roster any more after the school's final grade
  std::int64_t rejected = 0;     // rows refused (roster_reject says which and why)

  RosterCounts& operator+=(const RosterCounts& o) {
    added += o.added;
    changed += o.changed;
    transferred += o.transferred;
    unchanged += o.unchanged;
    left += o.left;
    graduated += o.graduated;
    rejected += o.rejected;
    return *this;
  }
};

// One student in the snapshot of a registry.
struct RosterEntry {
  std::string student_key;    // "student-no:<学籍号>" or "resident-id:<身份证号>"
  std::string content_hash;   // SHA-256 of the canonical content of the student's records
  std::string school;         // the school's name
  std::string grade;          // 年级编号 ("16")
  std::string class_name;
  std::string status;         // 在读, or what the last run wrote: 转出 (left), 毕业 (graduated)
  std::string enrollment_id;  // the Enrollment record that holds the status
  std::string row_hash;       // SHA-256 of the charset, the header and the row's bytes
  std::string last_sync;      // read only: the run that last saw the student (written by the store)
};

struct RosterReject {
  std::int64_t line = 0;  // in the file, from 1 (the header is line 1)
  std::string reason;
};

// One run as stored.
struct RosterSyncRun {
  std::string id;
  std::string adapter;
  std::string registry;
  std::string file_name;
  std::string file_sha256;
  std::int64_t file_bytes = 0;
  std::int64_t started_at_ms = 0;
  std::int64_t finished_at_ms = 0;  // 0 while running
  std::int64_t chunks_done = 0;
  std::int64_t rows_done = 0;
  RosterCounts counts;
  bool finished = false;
};

// What one chunk (or the end) of a run writes, in the transaction of its records.
struct RosterSyncWrite {
  RosterSyncRun run;  // identity of the run (id … started_at_ms): inserted by the first chunk
  std::int64_t chunk = -1;  // the chunk's number from 0; -1: the final step
  std::int64_t rows = 0;    // rows the chunk held
  RosterCounts counts;      // this chunk's (or the final step's) counts, added to the run's
  std::vector<RosterReject> rejects;
  std::vector<RosterEntry> upserts;  // new, changed and transferred students
  std::vector<std::string> seen;     // student keys of unchanged students
  std::vector<RosterEntry> departed; // final step: the students who left or graduated, new status
  bool finish = false;               // the final step: mark the run finished
};

}  // namespace kq::store
