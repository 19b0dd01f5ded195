#include "gateway/pipeline/roster_sync.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/store/prepared_batch.hpp"

namespace kq::pipeline {

namespace json = boost::json;

namespace {

constexpr std::string_view kStudentNoSystem = "urn:kangqiao:sid:cn-student-no";
constexpr std::string_view kResidentIdSystem = "urn:oid:2.16.156.10011.1.3";
constexpr std::string_view kLeft = kLeftStatus;
constexpr std::string_view kGraduated = "毕业";

std::string text_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The body without the ids that are local to one message (the person's "ref:student", which the
// writer replaces): what the registry said about the student.
std::string content_of(const store::RecordEnvelope& r) {
  json::object o = r.body;
  o.erase("id");
  o.erase("person_id");
  return json::serialize(o);
}

std::string resident_id_of(const json::object& person) {
  const json::value* ids = person.if_contains("identifiers");
  if (ids == nullptr || !ids->is_array()) return {};
  for (const json::value& id : ids->as_array()) {
    if (!id.is_object()) continue;
    if (text_of(id.as_object(), "system") == kResidentIdSystem) return text_of(id.as_object(), "value");
  }
  return {};
}

// Rejected rows: "row 2, column 身份证号" (CSV, XLSX) or "/roster/student/身份证号" (XML) is where
// the error was in the one-record document; the file's line is what a clerk needs, and the place
// inside the record.
std::string reason_of(const core::FieldError& e) {
  std::string where = e.path;
  if (where.starts_with("row 2, ")) where.erase(0, 7);
  if (where == "row 2") where.clear();
  if (where.starts_with("/roster/")) {
    const std::size_t inside = where.find('/', 8);  // past the record element
    where = inside == std::string::npos ? std::string() : where.substr(inside + 1);
  }
  return where.empty() ? e.message : where + ": " + e.message;
}

}  // namespace

const char* to_string(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::added: return "new";
    case ChangeKind::changed: return "changed";
    case ChangeKind::transferred: return "transferred";
    case ChangeKind::unchanged: return "unchanged";
  }
  return "unknown";
}

StudentFacts student_of(const std::vector<store::RecordEnvelope>& records) {
  StudentFacts f;
  std::string content;
  std::string resident_id;
  for (const store::RecordEnvelope& r : records) {
    if (r.kind == "person") {
      resident_id = resident_id_of(r.body);
    } else if (r.kind == "organization") {
      f.school = text_of(r.body, "name");
    } else if (r.kind == "enrollment") {
      f.grade = text_of(r.body, "grade");
      f.class_name = text_of(r.body, "class_name");
      f.status = text_of(r.body, "status");
      f.enrollment_id = r.id;
      if (const std::string no = text_of(r.body, "student_no"); !no.empty()) f.key = "student-no:" + no;
    } else {
      continue;  // provenance and the like are not the student
    }
    content += r.kind;
    content += '\x1f';
    content += content_of(r);
    content += '\x1e';
  }
  if (f.key.empty() && !resident_id.empty()) f.key = "resident-id:" + resident_id;
  f.content_hash = store::sha256_hex(content);
  return f;
}

ChangeKind classify(const std::optional<store::RosterEntry>& before, const StudentFacts& now) {
  if (!before) return ChangeKind::added;
  if (before->school != now.school) return ChangeKind::transferred;
  // A student who had left and is listed again is a change even with the same content: the
  // stored Enrollment says 转出 or 毕业.
  if (before->content_hash != now.content_hash || before->status != now.status) return ChangeKind::changed;
  return ChangeKind::unchanged;
}

bool is_final_grade(const std::string& grade) { return grade == "16" || grade == "23" || grade == "33"; }

std::string departure_status(const std::string& grade) {
  return std::string(is_final_grade(grade) ? kGraduated : kLeft);
}

ChunkClassifier::ChunkClassifier(const RosterChunk& chunk, store::Reader& reader,
                                 std::shared_ptr<const PlannedChunk> previous)
    : chunk_(chunk), reader_(reader), previous_(std::move(previous)) {
  write_.run = chunk.run;
  write_.chunk = chunk.number;
  write_.rows = static_cast<std::int64_t>(chunk.rows.size());
}

std::int64_t ChunkClassifier::line_of(std::size_t document) const {
  return document >= 1 && document <= row_of_document_.size() ? chunk_.rows[row_of_document_[document - 1]].line : 0;
}

std::string ChunkClassifier::listed_before(const std::string& key,
                                           const std::optional<store::RosterEntry>& stored) const {
  if (previous_ != nullptr) {
    if (auto it = previous_->keys.find(key); it != previous_->keys.end()) {
      return "the student of line " + std::to_string(it->second) + " appears again";
    }
  }
  if (stored && stored->last_sync == chunk_.run.id) return "the student of an earlier row of the file appears again";
  return {};
}

bool ChunkClassifier::split(const plugin_host::Inbound& in, plugin_host::DecodeResult& decoded) {
  if (decoded.documents.size() != 1 || decoded.documents[0].format != chunk_.format) return false;
  const plugin_host::DecodedDocument emitted = decoded.documents[0];
  const std::string_view payload = in.payload;
  const std::string_view header = payload.substr(0, chunk_.header_size);
  const std::string_view footer = payload.substr(payload.size() - std::min(chunk_.footer_size, payload.size()));
  decoded.documents.clear();
  decoded.documents.reserve(chunk_.rows.size());
  std::string hashed;
  for (std::size_t i = 0; i < chunk_.rows.size(); ++i) {
    const RosterChunk::Row& row = chunk_.rows[i];
    std::string_view bytes = payload.substr(row.offset, row.size);
    while (!bytes.empty() && (bytes.back() == '\n' || bytes.back() == '\r')) bytes.remove_suffix(1);
    hashed.assign(emitted.charset).append("\n").append(header).append(bytes);
    row_hashes_.push_back(store::sha256_hex(hashed));
    if (const auto before = reader_.roster_entry_by_row(chunk_.run.registry, row_hashes_.back());
        before && before->status != kLeft && before->status != kGraduated &&
        listed_before(before->student_key, before).empty() && keys_.emplace(before->student_key, row.line).second) {
      ++write_.counts.unchanged;
      write_.seen.push_back(before->student_key);
      continue;
    }
    plugin_host::DecodedDocument d;
    d.format = emitted.format;
    d.charset = emitted.charset;
    d.body.reserve(header.size() + row.size + footer.size());
    d.body.append(header).append(payload.substr(row.offset, row.size)).append(footer);
    decoded.documents.push_back(std::move(d));
    row_of_document_.push_back(i);
  }
  decoded.document_mode = KQ_DOCUMENTS_INDEPENDENT;
  facts_.resize(decoded.documents.size());
  return true;
}

void ChunkClassifier::inspect(std::size_t document, const RecordsOrErrors& converted) {
  if (document >= 1 && document <= facts_.size()) facts_[document - 1] = student_of(converted.records);
}

bool ChunkClassifier::keep(std::size_t document, RecordsOrErrors& converted) {
  const std::int64_t line = line_of(document);
  StudentFacts now = document >= 1 && document <= facts_.size() && facts_[document - 1]
                         ? std::move(*facts_[document - 1])
                         : student_of(converted.records);
  if (now.key.empty() || now.enrollment_id.empty()) {
    duplicates_.push_back({line, "the row names no student (学籍号 or 身份证号)"});
    return false;
  }
  if (auto [it, added] = keys_.emplace(now.key, line); !added) {
    duplicates_.push_back({line, "the student of line " + std::to_string(it->second) + " appears again"});
    return false;
  }
  const std::optional<store::RosterEntry> before = reader_.roster_entry(chunk_.run.registry, now.key);
  if (std::string again = listed_before(now.key, before); !again.empty()) {
    duplicates_.push_back({line, std::move(again)});
    return false;
  }
  const ChangeKind kind = classify(before, now);
  store::RosterCounts& c = write_.counts;
  switch (kind) {
    case ChangeKind::unchanged:
      ++c.unchanged;
      write_.seen.push_back(std::move(now.key));
      return false;
    case ChangeKind::added: ++c.added; break;
    case ChangeKind::changed: ++c.changed; break;
    case ChangeKind::transferred:
      ++c.transferred;
      if (before && before->enrollment_id != now.enrollment_id) closed_.push_back(before->enrollment_id);
      break;
  }
  write_.upserts.push_back(store::RosterEntry{std::move(now.key), std::move(now.content_hash), std::move(now.school),
                                              std::move(now.grade), std::move(now.class_name), std::move(now.status),
                                              std::move(now.enrollment_id),
                                              row_hashes_[row_of_document_[document - 1]], {}});
  // Every row of a school maps to the same school record (its id derives from the name): the first
  // row of the chunk writes it, the others only refer to it. A quarter of a first load's records
  // were repeats of 200 schools.
  std::erase_if(converted.records, [this](const store::RecordEnvelope& r) {
    return r.kind == "organization" && !schools_.insert(r.id).second;
  });
  return true;
}

store::RosterSyncWrite ChunkClassifier::finish(const std::vector<core::FieldError>& errors) {
  // One line per rejected row, with every reason it has.
  std::map<std::int64_t, std::string> by_line;
  for (const core::FieldError& e : errors) {
    std::string& reason = by_line[line_of(e.document)];
    if (!reason.empty()) reason += "; ";
    reason += reason_of(e);
  }
  for (const store::RosterReject& d : duplicates_) by_line[d.line] = d.reason;
  for (auto& [line, reason] : by_line) write_.rejects.push_back({line, std::move(reason)});
  write_.counts.rejected = static_cast<std::int64_t>(write_.rejects.size());
  return std::move(write_);
}

std::shared_ptr<const PlannedChunk> ChunkClassifier::planned() {
  auto p = std::make_shared<PlannedChunk>();
  p->run_id = chunk_.run.id;
  p->number = chunk_.number;
  p->keys = std::move(keys_);
  return p;
}

store::RosterSyncWrite refused_chunk_write(const RosterChunk& chunk, const std::string& reason) {
  store::RosterSyncWrite w;
  w.run = chunk.run;
  w.chunk = chunk.number;
  w.rows = static_cast<std::int64_t>(chunk.rows.size());
  for (const RosterChunk::Row& row : chunk.rows) w.rejects.push_back({row.line, "the store refused the chunk: " + reason});
  w.counts.rejected = w.rows;
  return w;
}

void close_enrollments(const std::vector<std::string>& ids, const std::vector<std::string>& statuses,
                       store::Reader& reader, std::vector<store::RecordEnvelope>& out) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::optional<store::StoredRecord> enrollment = reader.record(ids[i]);
    if (!enrollment) continue;
    store::RecordEnvelope r;
    r.kind = enrollment->kind;
    r.id = enrollment->id;
    r.person_id = enrollment->person_id;
    r.org_id = enrollment->org_id;
    r.body = json::parse(enrollment->body_json).as_object();
    r.body["status"] = statuses[i];
    out.push_back(std::move(r));
  }
}

store::WriteBatch roster_final_batch(const store::RosterSyncRun& run, store::Reader& reader,
                                     store::RosterCounts& departures) {
  store::WriteBatch batch;
  store::RosterSyncWrite w;
  w.run = run;
  w.finish = true;
  std::string after;
  constexpr std::size_t kPage = 1000;
  for (;;) {
    std::vector<store::RosterEntry> page = reader.roster_not_seen(run.registry, run.id, after, kPage);
    std::vector<std::string> ids;
    std::vector<std::string> statuses;
    for (store::RosterEntry& e : page) {
      e.status = departure_status(e.grade);
      (e.status == kGraduated ? w.counts.graduated : w.counts.left) += 1;
      ids.push_back(e.enrollment_id);
      statuses.push_back(e.status);
      w.departed.push_back(std::move(e));
    }
    close_enrollments(ids, statuses, reader, batch.records);
    if (page.size() < kPage) break;
    after = w.departed.back().student_key;
  }
  departures = w.counts;
  store::AuditEntry a;
  a.event_type = std::string(store::audit_event::import);
  a.action = store::AuditAction::update;
  a.actor = run.adapter;
  json::object d;
  d["roster_sync"] = run.id;
  d["left"] = w.counts.left;
  d["graduated"] = w.counts.graduated;
  a.detail_json = json::serialize(d);
  batch.audit.push_back(std::move(a));
  batch.roster = std::move(w);
  return batch;
}

json::object roster_run_json(const store::RosterSyncRun& run) {
  json::object o;
  o["roster_sync"] = run.id;
  o["adapter"] = run.adapter;
  o["file"] = run.file_name;
  o["sha256"] = run.file_sha256;
  o["state"] = run.finished ? "finished" : "running";
  o["started_at_ms"] = run.started_at_ms;
  if (run.finished) o["finished_at_ms"] = run.finished_at_ms;
  o["chunks"] = run.chunks_done;
  o["rows"] = run.rows_done;
  json::object counts;
  counts["new"] = run.counts.added;
  counts["changed"] = run.counts.changed;
  counts["transferred"] = run.counts.transferred;
  counts["unchanged"] = run.counts.unchanged;
  counts["left"] = run.counts.left;
  counts["graduated"] = run.counts.graduated;
  counts["rejected"] = run.counts.rejected;
  o["counts"] = std::move(counts);
  return o;
}

std::string roster_report_json(const store::RosterSyncRun& run, const std::vector<store::RosterReject>& rejects,
                               std::int64_t rejects_total) {
  json::object o = roster_run_json(run);
  json::array rows;
  for (const store::RosterReject& r : rejects) rows.push_back(json::object{{"line", r.line}, {"reason", r.reason}});
  o["rejected_rows"] = std::move(rows);
  if (rejects_total > static_cast<std::int64_t>(rejects.size())) o["rejected_rows_truncated"] = true;
  return json::serialize(o);
}

}  // namespace kq::pipeline
