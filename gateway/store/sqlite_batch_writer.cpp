#include "gateway/store/sqlite_batch_writer.hpp"
#include "gateway/core/json_text.hpp"

#include <sqlite3.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/record_kind.hpp"
#include "gateway/core/uuid.hpp"
#include "gateway/log/log.hpp"
#include "gateway/store/person_update.hpp"

namespace kq::store::sqlite {

BatchWriter::BatchWriter(Connection& db, audit::ChainSettings audit)
    : db_(db),
      begin_(db.prepare("BEGIN IMMEDIATE")),
      commit_(db.prepare("COMMIT")),
      rollback_(db.prepare("ROLLBACK")),
      savepoint_(db.prepare("SAVEPOINT write_batch")),
      release_(db.prepare("RELEASE write_batch")),
      rollback_to_(db.prepare("ROLLBACK TO write_batch")),
      insert_message_(
          db.prepare("INSERT INTO raw_message (id, source, channel, content_type, payload, sha256, "
                     "received_at_ms, status, error, peer, org_id, stored_at_ms, transport, listener, "
                     "method, charset, principal, idempotency_key, file_name) VALUES (?1, ?2, ?3, ?4, ?5, "
                     "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)")),
      find_identifier_(
          db.prepare("SELECT person_id FROM person_identifier WHERE system = ?1 AND value = ?2")),
      insert_person_(db.prepare("INSERT INTO person (id, created_at_ms) VALUES (?1, ?2)")),
      // DO NOTHING covers the same identifier given twice in one batch; a clash with another
      // person cannot reach here because every identifier was looked up first.
      insert_identifier_(
          db.prepare("INSERT INTO person_identifier (system, value, person_id, created_at_ms) "
                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (system, value) DO NOTHING")),
      current_version_(
          db.prepare("SELECT version, org_id FROM record WHERE id = ?1 ORDER BY version DESC LIMIT 1")),
      latest_version_(
          db.prepare("SELECT version, body FROM record WHERE id = ?1 ORDER BY version DESC LIMIT 1")),
      insert_record_(
          db.prepare("INSERT INTO record (id, version, kind, person_id, org_id, body, message_id, "
                     "written_at_ms, facts_version, category_bits, record_day) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")),
      records_of_message_(
          db.prepare("SELECT id, version, seq FROM record WHERE message_id = ?1 ORDER BY seq")),
      insert_dead_letter_(
          db.prepare("INSERT INTO dead_letter (message_id, errors, mapping, created_at_ms) "
                     "VALUES (?1, ?2, ?3, ?4)")),
      insert_outbox_(
          db.prepare("INSERT INTO outbox (destination, payload, idempotency_key, message_id, "
                     "next_attempt_ms, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")),
      dedupe_(db),
      sequences_(db),
      roster_(db),
      audit_(db, std::move(audit)),
      links_(db, audit_, dedupe_) {}

void BatchWriter::begin() {
  audit_.transaction_started();
  begin_.query().run();
}

void BatchWriter::commit() {
  commit_.query().run();
  audit_.transaction_committed();
}

void BatchWriter::checkpoint_audit_if_due(std::int64_t now_ms) {
  try {
    audit_.checkpoint_if_due(now_ms);
  } catch (const std::exception& e) {
    if (!db_.in_transaction()) throw TransactionLost(std::string("transaction rolled back by SQLite: ") + e.what());
    log::error("audit_checkpoint_failed", {{"error", e.what()}});
  }
}

void BatchWriter::rollback() noexcept {
  if (!db_.in_transaction()) return;
  try {
    rollback_.query().run();
  } catch (const SqliteError&) {
    // Nothing more can be done here; SQLite discards the transaction when the connection closes.
  }
}

bool BatchWriter::checkpoint_truncate(std::chrono::milliseconds wait,
                                      std::chrono::milliseconds busy_timeout) noexcept {
  // A short busy timeout for this call only: new writes must not queue behind a slow reader.
  sqlite3_busy_timeout(db_.get(), static_cast<int>(wait.count()));
  int rc =
      sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  sqlite3_busy_timeout(db_.get(), static_cast<int>(busy_timeout.count()));
  return rc == SQLITE_OK;
}

namespace {

// Columns 9–11 of the record insert: NULL when the facts were not computed, so that a decision
// reads them from the body.
void bind_facts(Query& insert, const std::optional<core::DisclosureFacts>& facts) {
  if (!facts) {
    insert.bind_null(9).bind_null(10).bind_null(11);
    return;
  }
  insert.bind(9, core::disclosure_facts_version()).bind(10, std::int64_t{facts->categories.bits()});
  if (facts->day) {
    insert.bind(11, *facts->day);
  } else {
    insert.bind_null(11);
  }
}

// The message the batch's records and audit rows come from: its own raw message, or the stored
// one it reprocesses.
std::string_view lineage_message_id(const WriteBatch& b) {
  if (b.message) return b.message->id;
  if (b.reprocess) return b.reprocess->message_id;
  return {};
}

// How many rows the batch will insert, at least two when it writes more than one (identity links
// may insert a person and an identifier each).
std::size_t write_count(const WriteBatch& b) {
  return (b.message ? 1 : 0) + (b.dedupe ? 1 : 0) + (b.dead_letter ? 1 : 0) +
         (b.reprocess ? 2 : 0) + 2 * b.merges.size() +
         2 * b.identities.size() + b.records.size() + b.outbox.size() + b.audit.size() + b.sequences.size() +
         (b.roster ? 2 : 0);  // the run's row, and what the chunk adds
}

}  // namespace

WriteResult BatchWriter::apply(PreparedBatch& p, std::int64_t now_ms, bool isolated) {
  WriteResult result;
  if (p.batch.message) result.message_id = p.batch.message->id;
  // A batch that is one INSERT needs no savepoint: SQLite undoes a failed statement by itself
  // and the transaction goes on.
  const bool savepoint = isolated && write_count(p.batch) > 1;
  if (savepoint) savepoint_.query().run();
  const AuditWriter::Head audit_head = audit_.mark();
  try {
    apply_inside(p, now_ms, result);
    if (savepoint) release_.query().run();
    return result;
  } catch (const std::exception& e) {
    const auto* content_error = dynamic_cast<const BatchContentError*>(&e);
    if (!db_.in_transaction()) {
      throw TransactionLost(std::string("transaction rolled back by SQLite: ") + e.what());
    }
    if (savepoint) {
      rollback_to_.query().run();
      release_.query().run();
    }
    // The batch's audit entries are gone (or, unisolated, about to go with the transaction):
    // the next entry chains onto the head from before the batch.
    audit_.restore(audit_head);
    WriteResult failed;
    failed.status = WriteStatus::failed;
    failed.message_id = std::move(result.message_id);
    failed.error = e.what();
    failed.content_error = content_error != nullptr;
    if (content_error != nullptr) failed.errors.push_back(content_error->error());
    return failed;
  }
}

void BatchWriter::apply_inside(PreparedBatch& p, std::int64_t now_ms, WriteResult& result) {
  const WriteBatch& b = p.batch;
  if (b.dedupe && !b.message && !b.reprocess) {
    throw std::invalid_argument("a dedupe key needs a raw message");
  }
  if (!b.sequences.empty() && !b.message) throw std::invalid_argument("sequence numbers need a raw message");
  if (b.dead_letter && b.dead_letter->message_id.empty() && !b.message) {
    throw std::invalid_argument("a dead letter needs a message id or a raw message");
  }
  if (b.reprocess) {
    if (b.message) throw std::invalid_argument("a reprocess batch carries no raw message");
    if (!links_.begin_reprocess(b, now_ms, result)) return;  // superseded by a resend
  } else if (b.dedupe && check_dedupe(p, now_ms, result)) {
    return;  // duplicate or conflict: write nothing
  }

  if (b.message) {
    insert_message(*b.message, now_ms);
    if (b.dedupe && b.dedupe->claim) dedupe_.claim(*b.dedupe, b.message->id, b.message->sha256, now_ms);
    for (const SequenceNumber& n : b.sequences) result.sequences.push_back(sequences_.record(n, b.message->id, now_ms));
  }
  resolve_persons(p, now_ms, result);
  if (!b.merges.empty()) links_.apply_merges(b, lineage_message_id(b), now_ms, result);
  insert_records(p, now_ms, result);
  insert_extras(p, now_ms);
  if (b.roster) roster_.apply(*b.roster, now_ms);
  if (b.reprocess) links_.finish_reprocess(*b.reprocess, now_ms);
  result.status = WriteStatus::committed;
}

bool BatchWriter::check_dedupe(const PreparedBatch& p, std::int64_t now_ms, WriteResult& result) {
  const WriteBatch& b = p.batch;
  std::optional<DedupeKeys::Holder> holder = dedupe_.holder(*b.dedupe, now_ms);
  if (!holder) return false;
  const std::string& original_id = holder->message_id;
  result.original_message_id = original_id;
  if (holder->payload_sha256 == b.message->sha256) {
    result.status = WriteStatus::duplicate;
    load_records_of_message(original_id, result);
    result.sequences = sequences_.of_message(original_id);
  } else {
    result.status = WriteStatus::conflict;
    result.error = "dedupe key " + b.dedupe->scope + "|" + b.dedupe->key +
                   " was first used by message " + original_id + " with a different payload";
  }
  return true;
}

void BatchWriter::load_records_of_message(const std::string& message_id, WriteResult& result) {
  Query q = records_of_message_.query();
  q.bind(1, message_id);
  while (q.next()) result.records.push_back({q.text(0), q.int64(1), q.int64(2)});
}

void BatchWriter::insert_message(const RawMessage& m, std::int64_t now_ms) {
  const core::InboundMessage& in = m.inbound;
  insert_message_.query()
      .bind(1, m.id)
      .bind(2, in.adapter)
      .bind(3, in.channel)
      .bind(4, in.content_type)
      .bind_blob(5, in.payload)
      .bind(6, m.sha256)
      .bind(7, in.received_at_ms)
      .bind(8, to_string(m.status))
      .bind_or_null(9, m.error)
      .bind_or_null(10, in.peer_address)
      .bind_or_null(11, in.organisation)
      .bind(12, now_ms)
      .bind(13, core::to_string(in.transport))
      .bind_or_null(14, in.listener)
      .bind_or_null(15, in.method)
      .bind_or_null(16, in.charset)
      .bind_or_null(17, in.principal)
      .bind_or_null(18, in.idempotency_key)
      .bind_or_null(19, in.file_name)
      .run();
}

void BatchWriter::resolve_persons(PreparedBatch& p, std::int64_t now_ms, WriteResult& result) {
  std::vector<IdentityLink>& links = p.batch.identities;
  if (links.empty()) return;
  // The links of each person_ref, in order (prepare_batch numbered the refs by first appearance):
  // a batch may name thousands of persons, so they are grouped once, not searched per person.
  std::vector<std::vector<std::size_t>> by_ref(p.person_refs.size());
  for (std::size_t i = 0; i < links.size(); ++i) by_ref[p.ref_index.at(links[i].person_ref)].push_back(i);
  std::vector<std::string> found(links.size());
  for (const std::vector<std::size_t>& group : by_ref) {
    const std::string& ref = links[group.front()].person_ref;
    // Pass 1: look every identifier of this person_ref up; the first hit decides the person.
    std::string person_id;
    for (const std::size_t i : group) {
      Query q = find_identifier_.query();
      q.bind(1, links[i].system).bind(2, links[i].value);
      if (!q.next()) continue;
      found[i] = links_.surviving_person(q.text(0));  // a merged person resolves to the survivor
      if (person_id.empty()) {
        person_id = found[i];
      } else if (found[i] != person_id) {
        result.identity_conflicts.push_back({ref, links[i].system, links[i].value, found[i]});
        // Two persons named by one message: someone has to look. The system, never the value.
        boost::json::object detail;
        detail["person_id"] = person_id;
        detail["other_person_id"] = found[i];
        detail["identifier_system"] = links[i].system;
        audit_store_event(p, audit_event::security_alert, AuditOutcome::serious_failure,
                          boost::json::serialize(detail), now_ms);
      }
    }
    const bool created = person_id.empty();
    if (created) {
      person_id = core::new_time_ordered_uuid();
      insert_person_.query().bind(1, person_id).bind(2, now_ms).run();
    }
    // Pass 2: attach the identifiers nobody held yet to the resolved person.
    for (const std::size_t i : group) {
      if (!found[i].empty()) continue;
      insert_identifier_.query()
          .bind(1, links[i].system)
          .bind(2, links[i].value)
          .bind(3, person_id)
          .bind(4, now_ms)
          .run();
    }
    result.persons.push_back({ref, std::move(person_id), created});
  }
}

void BatchWriter::insert_records(PreparedBatch& p, std::int64_t now_ms, WriteResult& result) {
  const std::string_view message_id = lineage_message_id(p.batch);
  // person_ids_[k]: the person p.person_refs[k] was resolved to.
  // A person created by this batch has no stored record to merge with, until the batch writes
  // its first one: only persons that already exist pay for reading their stored body.
  person_ids_.assign(p.person_refs.size(), std::string());
  person_fresh_.assign(p.person_refs.size(), 0);
  for (const PersonResolved& resolved : result.persons) {
    const auto k = p.ref_index.find(resolved.person_ref);
    if (k == p.ref_index.end()) continue;
    person_ids_[k->second] = resolved.person_id;
    person_fresh_[k->second] = resolved.created ? 1 : 0;
  }
  result.records.reserve(p.batch.records.size());
  for (std::size_t i = 0; i < p.batch.records.size(); ++i) {
    const RecordEnvelope& r = p.batch.records[i];
    PreparedRecord& prepared = p.records[i];
    const std::string& id =
        prepared.id_ref == PreparedRecord::kNoRef ? r.id : person_ids_[prepared.id_ref];
    const std::string& person_id =
        prepared.person_ref == PreparedRecord::kNoRef ? r.person_id : person_ids_[prepared.person_ref];
    std::string_view body = prepared.person_slots.empty()
                                ? std::string_view(prepared.body_json)
                                : body_with_persons(prepared, person_ids_, body_scratch_);
    std::int64_t version = 1;
    if (prepared.id_ref != PreparedRecord::kNoRef) {
      const bool fresh = person_fresh_[prepared.id_ref] != 0;
      person_fresh_[prepared.id_ref] = 0;
      if (!fresh) update_person(id, r, body, version, p, now_ms);
    } else if (!r.new_id) {
      // An id not minted just now may have been written before: the new row is the next version.
      Query q = current_version_.query();
      q.bind(1, id);
      if (q.next()) {
        version = q.int64(0) + 1;
        // A record stays with the organisation that first wrote it: another one reusing its id
        // (by mistake or on purpose) would otherwise replace that organisation's data.
        if (!q.is_null(1) && q.text(1) != r.org_id) {
          throw BatchContentError({"id", "record " + id + " belongs to another organisation ('" +
                                             std::string(q.text(1)) + "'); its org_id cannot change",
                                   core::ErrorKind::not_permitted});
        }
      }
    }
    Query insert = insert_record_.query();
    insert.bind(1, id)
        .bind(2, version)
        .bind(3, r.kind)
        .bind_or_null(4, person_id)
        .bind_or_null(5, r.org_id)
        .bind(6, body)
        .bind_or_null(7, message_id)
        .bind(8, now_ms);
    bind_facts(insert, prepared.facts);
    insert.run();
    result.records.push_back({id, version, sqlite3_last_insert_rowid(db_.get())});
  }
}

void BatchWriter::update_person(const std::string& id, const RecordEnvelope& r, std::string_view& body,
                                std::int64_t& version, const PreparedBatch& p, std::int64_t now_ms) {
  std::int64_t stored_version = 0;
  std::string stored_text;
  {
    Query q = latest_version_.query();
    q.bind(1, id);
    if (!q.next()) return;  // a known person without a person record yet: version 1 as sent
    stored_version = q.int64(0);
    stored_text = q.text(1);
  }
  version = stored_version + 1;
  // Both bodies are small: parsed into one block on the stack, gone when this returns.
  unsigned char buffer[16384];
  boost::json::monotonic_resource arena(buffer, sizeof buffer);
  boost::system::error_code ec;
  const boost::json::value stored = boost::json::parse(stored_text, ec, &arena);
  if (ec || !stored.is_object()) {
    throw BatchContentError({"", "person " + id + ": stored version " + std::to_string(stored_version) +
                                     " is not a JSON object, so the update cannot be merged with it",
                             core::ErrorKind::internal});
  }
  const boost::json::value update = boost::json::parse(body, ec, &arena);
  if (ec || !update.is_object()) {
    throw BatchContentError({"", "person " + id + ": the update is not a JSON object", core::ErrorKind::internal});
  }
  PersonUpdate merged = merge_person(stored.get_object(), update.get_object(), r.cleared);
  if (merged.unchanged) {
    // Nothing new, and still a new version, the stored text again. Skipping it would spare the
    // changes feed a repeat, but a message's records are the rows that carry its id: the reply
    // to a resend is rebuilt from them (load_records_of_message), reprocessing versions them,
    // and its provenance record names them. Without the row the resend would be answered
    // without the person the first reply listed. (A message-to-record link table would allow
    // the skip; until then lineage wins over a saved row.)
    merge_scratch_ = std::move(stored_text);
    body = merge_scratch_;
    return;
  }
  // Validated and written in core's field order, as every stored record is. An update that
  // makes the stored person invalid (a death before the birth date) is refused as content,
  // named by field only: the values are personal data.
  core::EnvelopeResult checked = core::envelope_from_body(core::RecordKind::person, std::move(merged.body));
  if (!checked.ok()) {
    std::string fields;
    for (const core::FieldError& e : checked.errors) fields += (fields.empty() ? "" : ", ") + e.path;
    throw BatchContentError({fields, "person " + id + ": the update would make the stored person invalid",
                             core::ErrorKind::data_type});
  }
  merge_scratch_ = core::json_text(checked.envelope.body);
  body = merge_scratch_;
  if (!merged.identity_changes.empty()) {
    boost::json::object detail;
    detail["person_id"] = id;
    boost::json::array changed;
    for (const std::string& field : merged.identity_changes) changed.emplace_back(field);
    detail["changed"] = std::move(changed);
    audit_store_event(p, audit_event::patient_record, AuditOutcome::success, boost::json::serialize(detail), now_ms);
  }
}

void BatchWriter::audit_store_event(const PreparedBatch& p, std::string_view event, AuditOutcome outcome,
                                    std::string detail_json, std::int64_t now_ms) {
  AuditEntry entry;
  entry.event_type = std::string(event);
  entry.action = AuditAction::update;
  entry.outcome = outcome;
  entry.actor = std::string(kGatewayActor);  // the store decided it, on what the sender sent
  if (p.batch.message) entry.org_id = p.batch.message->inbound.organisation;
  entry.detail_json = std::move(detail_json);
  audit_.append(entry, lineage_message_id(p.batch), now_ms);
}

void BatchWriter::insert_extras(const PreparedBatch& p, std::int64_t now_ms) {
  const WriteBatch& b = p.batch;
  const std::string_view message_id = lineage_message_id(b);
  if (b.dead_letter) {
    const DeadLetter& d = *b.dead_letter;
    insert_dead_letter_.query()
        .bind(1, d.message_id.empty() ? message_id : std::string_view(d.message_id))
        .bind(2, d.errors_json.empty() ? std::string_view("[]") : std::string_view(d.errors_json))
        .bind_or_null(3, d.mapping)
        .bind(4, now_ms)
        .run();
  }
  for (const OutboxItem& o : b.outbox) {
    insert_outbox_.query()
        .bind(1, o.destination)
        .bind_blob(2, o.payload)
        .bind(3, o.idempotency_key)
        .bind_or_null(4, message_id)
        .bind(5, o.next_attempt_ms)
        .bind(6, now_ms)
        .run();
  }
  for (const AuditEntry& a : b.audit) audit_.append(a, message_id, now_ms);
}

}  // namespace kq::store::sqlite
