#include "gateway/store/sqlite_links.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace kq::store::sqlite {

namespace {

// A link chain longer than this means a broken table, not a real history of merges.
constexpr int kMaxLinkDepth = 64;

}  // namespace

LinkWriter::LinkWriter(Connection& db, AuditWriter& audit, DedupeKeys& dedupe)
    : find_identifier_(
          db.prepare("SELECT person_id FROM person_identifier WHERE system = ?1 AND value = ?2")),
      find_link_(
          db.prepare("SELECT surviving_person_id FROM person_link WHERE merged_person_id = ?1")),
      insert_link_(db.prepare(
          "INSERT INTO person_link (merged_person_id, surviving_person_id, message_id, "
          "identifier_system, linked_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)")),
      insert_identifier_(
          db.prepare("INSERT INTO person_identifier (system, value, person_id, created_at_ms) "
                     "VALUES (?1, ?2, ?3, ?4)")),
      message_hash_(db.prepare("SELECT sha256 FROM raw_message WHERE id = ?1")),
      resolve_dead_letters_(db.prepare(
          "UPDATE dead_letter SET resolved_at_ms = ?2, resolved_by = ?3, attempts = attempts + 1, "
          "last_attempt_at_ms = ?2 WHERE message_id = ?1 AND resolved_at_ms IS NULL")),
      record_attempt_(db.prepare(
          "UPDATE dead_letter SET attempts = attempts + 1, last_attempt_at_ms = ?2, "
          "last_errors = ?3 WHERE message_id = ?1 AND resolved_at_ms IS NULL")),
      mark_accepted_(db.prepare("UPDATE raw_message SET status = 'accepted' WHERE id = ?1")),
      audit_(audit),
      dedupe_(dedupe) {}

std::string LinkWriter::surviving_person(std::string person_id) {
  for (int depth = 0; depth < kMaxLinkDepth; ++depth) {
    Query q = find_link_.query();
    q.bind(1, person_id);
    if (!q.next()) return person_id;
    person_id = q.text(0);
  }
  throw std::runtime_error("person_link: a chain of more than 64 merges starts at person " +
                           person_id + "; the table is damaged");
}

void LinkWriter::apply_merges(const WriteBatch& batch, std::string_view message_id,
                              std::int64_t now_ms, WriteResult& result) {
  for (const PersonMerge& m : batch.merges) {
    std::string surviving;
    for (const PersonResolved& p : result.persons) {
      if (p.person_ref == m.person_ref) surviving = p.person_id;
    }
    if (surviving.empty()) {
      throw BatchContentError({"merged_identifiers", "the surviving person has no identifiers to be found by",
                               core::ErrorKind::required});
    }
    std::string owner;
    {
      Query q = find_identifier_.query();
      q.bind(1, m.system).bind(2, m.value);
      if (q.next()) owner = q.text(0);
    }
    if (owner.empty()) {
      // Nobody was ever stored under the prior identifier: nothing to link, and the identifier
      // now names the surviving person.
      insert_identifier_.query().bind(1, m.system).bind(2, m.value).bind(3, surviving).bind(4, now_ms).run();
      result.merges.push_back({"", surviving, false});
      continue;
    }
    const std::string merged = surviving_person(owner);
    if (merged == surviving) {
      if (owner == surviving) {
        throw BatchContentError({"merged_identifiers",
                                 "the " + m.system + " identifier belongs to the surviving person itself; a person "
                                 "cannot be merged into itself",
                                 core::ErrorKind::unspecified});
      }
      result.merges.push_back({owner, surviving, true});  // linked before: nothing to do
      continue;
    }
    // `merged` is a root (no outgoing link) and so is `surviving` (resolution follows links), so
    // the new link cannot close a cycle.
    insert_link_.query()
        .bind(1, merged)
        .bind(2, surviving)
        .bind_or_null(3, message_id)
        .bind(4, m.system)
        .bind(5, now_ms)
        .run();
    boost::json::object detail;
    detail["merged_person_id"] = merged;
    detail["surviving_person_id"] = surviving;
    detail["identifier_system"] = m.system;  // never the value: it may be an ID number
    audit(audit_event::patient_record, boost::json::serialize(detail), message_id, now_ms);
    result.merges.push_back({merged, surviving, false});
  }
}

bool LinkWriter::begin_reprocess(const WriteBatch& batch, std::int64_t now_ms, WriteResult& result) {
  const Reprocess& r = *batch.reprocess;
  result.message_id = r.message_id;
  std::string sha256;
  {
    Query q = message_hash_.query();
    q.bind(1, r.message_id);
    if (!q.next()) throw std::invalid_argument("reprocess: no stored message " + r.message_id);
    sha256 = q.text(0);
  }
  if (!r.resolved || !batch.dedupe) return true;
  const std::optional<DedupeKeys::Holder> held = dedupe_.holder(*batch.dedupe, now_ms);
  if (!held) {
    dedupe_.claim(*batch.dedupe, r.message_id, sha256, now_ms);
    return true;
  }
  const std::string& holder = held->message_id;
  if (holder == r.message_id) return true;
  // The sender resent the message after the failure and the resend was accepted: running the
  // old copy again would only write its records a second time.
  result.status = WriteStatus::duplicate;
  result.original_message_id = holder;
  resolve_dead_letters(r.message_id, "superseded by message " + holder, now_ms);
  boost::json::object detail;
  detail["reprocess"] = "superseded";
  detail["superseded_by"] = holder;
  audit(audit_event::import, boost::json::serialize(detail), r.message_id, now_ms);
  return false;
}

void LinkWriter::finish_reprocess(const Reprocess& r, std::int64_t now_ms) {
  if (!r.resolved) {
    record_attempt_.query()
        .bind(1, r.message_id)
        .bind(2, now_ms)
        .bind(3, r.errors_json.empty() ? std::string_view("[]") : std::string_view(r.errors_json))
        .run();
    return;
  }
  resolve_dead_letters(r.message_id, r.mapping.empty() ? "reprocess" : r.mapping, now_ms);
  mark_accepted_.query().bind(1, r.message_id).run();
}

void LinkWriter::resolve_dead_letters(const std::string& message_id, const std::string& resolved_by,
                                      std::int64_t now_ms) {
  resolve_dead_letters_.query().bind(1, message_id).bind(2, now_ms).bind(3, resolved_by).run();
}

void LinkWriter::audit(std::string_view event, std::string detail, std::string_view message_id,
                       std::int64_t now_ms) {
  AuditEntry entry;
  entry.event_type = std::string(event);
  entry.action = AuditAction::update;
  entry.actor = std::string(kGatewayActor);
  entry.detail_json = std::move(detail);
  audit_.append(entry, message_id, now_ms);
}

}  // namespace kq::store::sqlite
