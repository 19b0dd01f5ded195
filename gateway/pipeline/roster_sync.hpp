#pragma once
// Change detection for streamed roster syncs (docs/adapters/student_registry.md): each chunk of a
// roster file is one message whose rows are mapped one by one (one document per row), and each
// row's student is compared with the registry's snapshot (store::RosterEntry) before anything is
// written. Only new, changed and transferred students' records go into the chunk's transaction;
// an unchanged student is only marked as seen. After the last chunk, the students the run did not
// see have left or graduated: their Enrollment gets the new status in the run's final
// transaction, which also marks the run finished.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "gateway/pipeline/documents.hpp"
#include "gateway/plugin_host/adapter.hpp"
#include "gateway/store/store.hpp"

namespace kq::pipeline {

// One chunk of a roster file, as the drop folder read it (runtime/roster_reader.hpp): a head, the
// rows and a tail; each row is mapped as head + row + tail.
struct RosterChunk {
  // Called once the chunk's write is queued for the store (or the chunk ended before that): the
  // next chunk may be planned now, against this one's students (PlannedChunk), while this one
  // is written.
  std::function<void()> on_planned;
  store::RosterSyncRun run;  // the run it belongs to (id, adapter, registry, file)
  std::int64_t number = 0;   // from 0
  std::string format = "csv";   // the one document the adapter must emit: "csv" (CSV, XLSX) or "xml"
  std::size_t header_size = 0;  // the payload begins with the head (CSV: the header row) ...
  std::size_t footer_size = 0;  // ... and ends with the tail (XML: the wrapper's end tag; CSV: none)
  struct Row {
    std::size_t offset = 0;
    std::size_t size = 0;
    std::int64_t line = 0;  // in the file (XLSX: the sheet row)
  };
  std::vector<Row> rows;
};

// What change detection reads of one row's records.
struct StudentFacts {
  std::string key;  // "student-no:…" or "resident-id:…"; empty: the row names no student
  std::string content_hash;
  std::string school;
  std::string grade;
  std::string class_name;
  std::string status;
  std::string enrollment_id;
};

// The students of a chunk that is planned but maybe not yet written: the next chunk is planned
// meanwhile, and a student it lists again is a duplicate of the line given here.
struct PlannedChunk {
  std::string run_id;
  std::int64_t number = 0;
  std::map<std::string, std::int64_t> keys;  // student key → line
};

enum class ChangeKind { added, changed, transferred, unchanged };
const char* to_string(ChangeKind kind);

// The student of one mapped row: the Person, the school (Organization) and the Enrollment.
// The hash covers the canonical content of the three records without the ids local to the
// message, so the same student exported again (even in another charset) hashes the same.
StudentFacts student_of(const std::vector<store::RecordEnvelope>& records);

// `before`: the registry's snapshot of the student, if it has one.
ChangeKind classify(const std::optional<store::RosterEntry>& before, const StudentFacts& now);

// The Enrollment status a student who is no longer in the roster gets: 毕业 after the final grade
// of a primary (六年级, 16), junior secondary (九年级/初三, 23) or senior secondary school (高三,
// 33), else 转出 (left).
std::string departure_status(const std::string& grade);
bool is_final_grade(const std::string& grade);

// Compares the rows of one chunk with the snapshot and collects what the chunk's transaction
// writes. A row whose bytes (with the header and charset) are those the student had in the last
// run is settled at once, unchanged, without mapping it; the others are mapped one by one and
// compared by content while the chunk is planned (DocumentHooks).
class ChunkClassifier {
 public:
  // `previous`: the chunk before this one while its write may still be pending (else nullptr).
  ChunkClassifier(const RosterChunk& chunk, store::Reader& reader, std::shared_ptr<const PlannedChunk> previous);
  // Replaces the one document the adapter emitted for the chunk by one document per row that is
  // not settled by its bytes (head, row, tail), accepted one by one. False when the adapter
  // emitted something else than one document of the chunk's format.
  bool split(const plugin_host::Inbound& in, plugin_host::DecodeResult& decoded);
  // The student of a mapped row, hashed while the other rows are still being mapped
  // (DocumentHooks::inspect): safe on several threads at once, one document each.
  void inspect(std::size_t document, const RecordsOrErrors& converted);
  // false: the row's student is unchanged (or its row is refused), leave its records out.
  // A row that is kept loses its school record when an earlier row of the chunk already carries
  // the same one: a school is written once per chunk, not once per student.
  bool keep(std::size_t document, RecordsOrErrors& converted);
  // The chunk's roster write, with the rejected rows of `errors` (document numbers → lines).
  store::RosterSyncWrite finish(const std::vector<core::FieldError>& errors);
  // This chunk's students, for planning the next one; call once, after finish().
  std::shared_ptr<const PlannedChunk> planned();
  // The Enrollments at the schools that transferred students left: closed with 转出.
  const std::vector<std::string>& closed_enrollments() const { return closed_; }

 private:
  std::int64_t line_of(std::size_t document) const;
  // Why the student cannot be taken again (listed by an earlier row of the file), or empty.
  std::string listed_before(const std::string& key, const std::optional<store::RosterEntry>& stored) const;

  const RosterChunk& chunk_;
  store::Reader& reader_;
  std::shared_ptr<const PlannedChunk> previous_;
  store::RosterSyncWrite write_;
  std::vector<std::size_t> row_of_document_;  // document number - 1 → index in chunk_.rows
  std::vector<std::string> row_hashes_;       // by index in chunk_.rows
  std::vector<std::optional<StudentFacts>> facts_;  // by document - 1, from inspect()
  std::map<std::string, std::int64_t> keys_;  // student key → line, within this chunk
  std::set<std::string> schools_;             // school record ids already kept in this chunk
  std::vector<store::RosterReject> duplicates_;
  std::vector<std::string> closed_;
};

// The write of a chunk whose records the store refused after the fact (a dead letter holds the
// raw chunk): every row rejected with `reason`, so that the run still moves past it.
store::RosterSyncWrite refused_chunk_write(const RosterChunk& chunk, const std::string& reason);

// New versions of stored Enrollments with `status` (a departure, a transfer's old school), appended
// to `out`; ids with no stored record are skipped.
void close_enrollments(const std::vector<std::string>& ids, const std::vector<std::string>& statuses,
                       store::Reader& reader, std::vector<store::RecordEnvelope>& out);
inline constexpr std::string_view kLeftStatus = "转出";

// The run's final step: the Enrollment of every student the run did not see, with its new
// status, the departures and the run marked finished. `departures` gets their counts.
store::WriteBatch roster_final_batch(const store::RosterSyncRun& run, store::Reader& reader,
                                     store::RosterCounts& departures);

// A run as the report and `kangqiao roster-syncs --json` show it: id, adapter, file, SHA-256,
// state, times, chunks, rows and the counts per change kind.
boost::json::object roster_run_json(const store::RosterSyncRun& run);

// The sync report: the run's counts and its rejected rows (at most `max_rejects`), as JSON.
std::string roster_report_json(const store::RosterSyncRun& run, const std::vector<store::RosterReject>& rejects,
                               std::int64_t rejects_total);

}  // namespace kq::pipeline
