#include "gateway/store/sqlite_reader.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/store/sqlite_audit_reader.hpp"
#include "gateway/store/sqlite_handle.hpp"
#include "gateway/store/sqlite_roster_reader.hpp"
#include "gateway/store/sqlite_schema.hpp"

namespace kq::store::sqlite {

namespace {

enum Sql : std::size_t {
  kRecordById,
  kChangesSince,
  kRecordsOfMessage,
  kMessageById,
  kDedupe,
  kPersonByIdentifier,
  kDeadLetters,
  kLastSeq,
  kIdentifierOwner,
  kPersonLinks,
  kMessageIds,
  kDeadLettersOfMessage,
  kBeginRead,
  kEndRead,
  kLinkedPersons,
  kSamePerson,
  kLatestPersons,
  kLatestConsents,
  kCurrentRecords,
  kCurrentRecordsOfPersons,
  kMergedPersons,
  kRecordsOfPersonsByKind,
  kSqlCount
};

constexpr std::string_view kRecordColumns =
    "SELECT seq, id, version, kind, person_id, org_id, body, message_id, written_at_ms, "
    "facts_version, category_bits, record_day FROM record ";

constexpr std::string_view kDeadLetterColumns =
    "SELECT id, message_id, errors, mapping, created_at_ms, resolved_at_ms, resolved_by, attempts, "
    "last_attempt_at_ms, last_errors FROM dead_letter ";

const std::array<std::string, kSqlCount>& sql_text() {
  static const std::array<std::string, kSqlCount> text = {
      std::string(kRecordColumns) + "WHERE id = ?1 ORDER BY version DESC LIMIT 1",
      std::string(kRecordColumns) + "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
      std::string(kRecordColumns) + "WHERE message_id = ?1 ORDER BY seq",
      "SELECT id, source, channel, content_type, payload, sha256, received_at_ms, status, error, "
      "peer, org_id, stored_at_ms, transport, listener, method, charset, principal, idempotency_key, "
      "file_name FROM raw_message WHERE id = ?1",
      "SELECT scope, key, message_id, payload_sha256 FROM dedupe_key WHERE scope = ?1 AND key = ?2",
      // Follows person_link from the identifier's first owner to the surviving person.
      "WITH RECURSIVE chain(id, depth) AS ("
      " SELECT person_id, 0 FROM person_identifier WHERE system = ?1 AND value = ?2"
      " UNION ALL SELECT l.surviving_person_id, c.depth + 1 FROM person_link l"
      " JOIN chain c ON l.merged_person_id = c.id WHERE c.depth < 64)"
      " SELECT id FROM chain ORDER BY depth DESC LIMIT 1",
      std::string(kDeadLetterColumns) + "WHERE id > ?1 ORDER BY id LIMIT ?2",
      "SELECT coalesce(max(seq), 0) FROM record",
      "SELECT person_id FROM person_identifier WHERE system = ?1 AND value = ?2",
      "SELECT merged_person_id, surviving_person_id, message_id, identifier_system, linked_at_ms "
      "FROM person_link WHERE merged_person_id = ?1 OR surviving_person_id = ?1 "
      "ORDER BY linked_at_ms, merged_person_id",
      "SELECT id FROM raw_message WHERE (?1 = '' OR source = ?1) AND received_at_ms >= ?2 "
      "AND (?3 = 0 OR received_at_ms < ?3) ORDER BY received_at_ms, stored_at_ms, id",
      std::string(kDeadLetterColumns) + "WHERE message_id = ?1 ORDER BY id",
      "BEGIN",
      "COMMIT",
      // Which of the persons in the JSON array ?1 take part in a merge at all: two index probes
      // each, so that the recursive query below runs only for them (merges are rare).
      "SELECT j.value FROM json_each(?1) j"
      " WHERE EXISTS (SELECT 1 FROM person_link l WHERE l.merged_person_id = j.value)"
      " OR EXISTS (SELECT 1 FROM person_link l WHERE l.surviving_person_id = j.value)",
      // ?1 is a JSON array of person ids. Merges are followed both ways: from a merged person to
      // the one that absorbed it and from a survivor to everyone it absorbed.
      "WITH RECURSIVE same(root, id) AS ("
      " SELECT value, value FROM json_each(?1)"
      " UNION SELECT s.root, l.surviving_person_id FROM same s JOIN person_link l ON l.merged_person_id = s.id"
      " UNION SELECT s.root, l.merged_person_id FROM same s JOIN person_link l ON l.surviving_person_id = s.id)"
      " SELECT root, id FROM same ORDER BY root, id",
      std::string(kRecordColumns) +
          "r WHERE r.kind = 'person' AND r.id IN (SELECT value FROM json_each(?1))"
          " AND r.version = (SELECT max(v.version) FROM record v WHERE v.id = r.id)",
      // The latest version of each consent, read through the partial index of migration 5; an
      // older version that named the subject no longer counts once a newer one names another.
      std::string(kRecordColumns) +
          "r WHERE r.kind = 'consent' AND r.person_id IN (SELECT value FROM json_each(?1))"
          " AND r.version = (SELECT max(v.version) FROM record v WHERE v.id = r.id)",
      // The latest version of each record: no later version of the same id exists. Optional
      // filters are NULL when unused; the person filter has its own statement so that it can
      // use the record_person index.
      std::string(kRecordColumns) +
          "r WHERE r.seq > ?1 AND NOT EXISTS (SELECT 1 FROM record n WHERE n.id = r.id AND n.version > r.version)"
          " AND (?2 IS NULL OR r.kind IN (SELECT value FROM json_each(?2)))"
          " AND (?3 IS NULL OR r.written_at_ms >= ?3) AND (?4 IS NULL OR r.written_at_ms < ?4)"
          " ORDER BY r.seq LIMIT ?5",
      std::string(kRecordColumns) +
          "r WHERE r.person_id IN (SELECT value FROM json_each(?6)) AND r.seq > ?1"
          " AND NOT EXISTS (SELECT 1 FROM record n WHERE n.id = r.id AND n.version > r.version)"
          " AND (?2 IS NULL OR r.kind IN (SELECT value FROM json_each(?2)))"
          " AND (?3 IS NULL OR r.written_at_ms >= ?3) AND (?4 IS NULL OR r.written_at_ms < ?4)"
          " ORDER BY r.seq LIMIT ?5",
      // Which of the persons in the JSON array ?1 were merged into another: only those need the
      // recursive look-up (merges are rare).
      "SELECT j.value FROM json_each(?1) j WHERE EXISTS (SELECT 1 FROM person_link l WHERE l.merged_person_id = j.value)",
      // Through the record_person index, then the kinds asked for: few records per person.
      std::string(kRecordColumns) +
          "r WHERE r.person_id IN (SELECT value FROM json_each(?1))"
          " AND r.kind IN (SELECT value FROM json_each(?2))"
          " AND NOT EXISTS (SELECT 1 FROM record n WHERE n.id = r.id AND n.version > r.version)"
          " ORDER BY r.seq",
  };
  return text;
}

// Every table the store owns, for row_counts().
constexpr std::array<std::string_view, 11> kTables = {
    "raw_message", "person",   "person_identifier", "record",      "dedupe_key",
    "dead_letter", "outbox",   "audit_log",         "person_link", "audit_checkpoint",
    "sequence_number"};

StoredRecord read_record(const Query& q) {
  StoredRecord r;
  r.seq = q.int64(0);
  r.id = q.text(1);
  r.version = q.int64(2);
  r.kind = q.text(3);
  r.person_id = q.text(4);
  r.org_id = q.text(5);
  r.body_json = q.text(6);
  r.message_id = q.text(7);
  r.written_at_ms = q.int64(8);
  if (!q.is_null(9)) {
    r.facts_version = q.int64(9);
    r.category_bits = static_cast<std::uint32_t>(q.int64(10));
    if (!q.is_null(11)) r.record_day = q.int64(11);
  }
  return r;
}

DeadLetterRow read_dead_letter(const Query& q) {
  DeadLetterRow d;
  d.id = q.int64(0);
  d.message_id = q.text(1);
  d.errors_json = q.text(2);
  d.mapping = q.text(3);
  d.created_at_ms = q.int64(4);
  d.resolved_at_ms = q.is_null(5) ? 0 : q.int64(5);
  d.resolved_by = q.text(6);
  d.attempts = q.int64(7);
  d.last_attempt_at_ms = q.is_null(8) ? 0 : q.int64(8);
  d.last_errors = q.text(9);
  return d;
}

std::int64_t to_limit(std::size_t limit) {
  return limit > 0x7fffffffffffffffULL ? 0x7fffffffffffffffLL : static_cast<std::int64_t>(limit);
}

}  // namespace

struct ReaderSession {
  Connection db;
  std::array<Statement, kSqlCount> statements;
  std::unique_ptr<AuditQueries> audit;  // on first use
  std::unique_ptr<RosterQueries> roster;  // on first use

  AuditQueries& audit_queries() {
    if (!audit) audit = std::make_unique<AuditQueries>(db);
    return *audit;
  }

  RosterQueries& roster_queries() {
    if (!roster) roster = std::make_unique<RosterQueries>(db);
    return *roster;
  }

  Statement& statement(Sql which) {
    Statement& s = statements[which];
    if (!s.valid()) s = db.prepare(sql_text()[which]);
    return s;
  }
};

namespace {

class SqliteReader final : public Reader {
 public:
  SqliteReader(std::shared_ptr<ReaderPool> pool, std::unique_ptr<ReaderSession> session)
      : pool_(std::move(pool)), session_(std::move(session)) {}
  ~SqliteReader() override { pool_->give_back(std::move(session_)); }
  SqliteReader(const SqliteReader&) = delete;
  SqliteReader& operator=(const SqliteReader&) = delete;

  std::unique_ptr<Snapshot> snapshot() override {
    class SqliteSnapshot final : public Snapshot {
     public:
      explicit SqliteSnapshot(ReaderSession& session) : session_(session) {
        session_.statement(kBeginRead).query().run();
      }
      ~SqliteSnapshot() override {
        try {
          session_.statement(kEndRead).query().run();
        } catch (...) {  // ending a read transaction fails only on a broken connection; a
        }                  // destructor must not throw
      }

     private:
      ReaderSession& session_;
    };
    return std::make_unique<SqliteSnapshot>(*session_);
  }

  std::optional<StoredRecord> record(std::string_view id) override {
    Query q = session_->statement(kRecordById).query();
    q.bind(1, id);
    if (!q.next()) return std::nullopt;
    return read_record(q);
  }

  std::vector<StoredRecord> changes_since(std::int64_t after_seq, std::size_t limit) override {
    Query q = session_->statement(kChangesSince).query();
    q.bind(1, after_seq).bind(2, to_limit(limit));
    std::vector<StoredRecord> out;
    while (q.next()) out.push_back(read_record(q));
    return out;
  }

  std::vector<StoredRecord> records_of_message(std::string_view message_id) override {
    Query q = session_->statement(kRecordsOfMessage).query();
    q.bind(1, message_id);
    std::vector<StoredRecord> out;
    while (q.next()) out.push_back(read_record(q));
    return out;
  }

  std::optional<StoredMessage> message(std::string_view id) override {
    Query q = session_->statement(kMessageById).query();
    q.bind(1, id);
    if (!q.next()) return std::nullopt;
    StoredMessage s;
    RawMessage& m = s.message;
    core::InboundMessage& in = m.inbound;
    m.id = q.text(0);
    in.adapter = q.text(1);
    in.channel = q.text(2);
    in.content_type = q.text(3);
    in.payload = q.text(4);
    m.sha256 = q.text(5);
    in.received_at_ms = q.int64(6);
    parse_message_status(q.text(7), m.status);
    m.error = q.text(8);
    in.peer_address = q.text(9);
    in.organisation = q.text(10);
    if (auto transport = core::parse_transport(q.text(12))) {
      in.transport = *transport;
    } else {
      // Stored before schema 3, which did not record the transport: MLLP frames were the only
      // HL7 v2 content type, everything else came over HTTP (POST routes).
      const bool hl7 = in.content_type == "application/hl7-v2";
      in.transport = hl7 ? core::Transport::mllp : core::Transport::http;
      if (!hl7) in.method = "POST";
    }
    in.listener = q.text(13);
    if (!q.is_null(14)) in.method = q.text(14);
    in.charset = q.text(15);
    in.principal = q.text(16);
    in.idempotency_key = q.text(17);
    in.file_name = q.text(18);
    s.stored_at_ms = q.int64(11);
    return s;
  }

  std::optional<DedupeEntry> find_dedupe(std::string_view scope, std::string_view key) override {
    Query q = session_->statement(kDedupe).query();
    q.bind(1, scope).bind(2, key);
    if (!q.next()) return std::nullopt;
    return DedupeEntry{q.text(0), q.text(1), q.text(2), q.text(3)};
  }

  std::optional<std::string> person_by_identifier(std::string_view system,
                                                  std::string_view value) override {
    Query q = session_->statement(kPersonByIdentifier).query();
    q.bind(1, system).bind(2, value);
    if (!q.next()) return std::nullopt;
    return q.text(0);
  }

  std::map<std::string, std::int64_t> row_counts() override {
    // One read transaction, so the counts come from a single snapshot and can be compared.
    std::map<std::string, std::int64_t> counts;
    session_->statement(kBeginRead).query().run();
    try {
      for (std::string_view table : kTables) {
        counts[std::string(table)] =
            session_->db.scalar_int64("SELECT count(*) FROM " + std::string(table));
      }
    } catch (...) {
      session_->statement(kEndRead).query().run();
      throw;
    }
    session_->statement(kEndRead).query().run();
    return counts;
  }

  std::vector<DeadLetterRow> dead_letters(std::int64_t after_id, std::size_t limit) override {
    Query q = session_->statement(kDeadLetters).query();
    q.bind(1, after_id).bind(2, to_limit(limit));
    std::vector<DeadLetterRow> out;
    while (q.next()) out.push_back(read_dead_letter(q));
    return out;
  }

  std::map<IdentifierKey, std::string> persons_by_identifiers(const std::vector<IdentifierKey>& identifiers) override {
    std::map<IdentifierKey, std::string> out;
    if (identifiers.empty()) return out;
    // One snapshot; a primary-key probe per identifier is cheaper than any JSON round trip, and
    // only the owners that were merged away take the recursive look-up.
    session_->statement(kBeginRead).query().run();
    try {
      boost::json::array owners;
      for (const IdentifierKey& k : identifiers) {
        Query q = session_->statement(kIdentifierOwner).query();
        q.bind(1, k.system).bind(2, k.value);
        if (!q.next()) continue;
        owners.emplace_back(q.text(0));
        out.emplace(k, q.text(0));
      }
      std::set<std::string> merged;
      if (!owners.empty()) {
        Query q = session_->statement(kMergedPersons).query();
        const std::string text = boost::json::serialize(owners);
        q.bind(1, text);
        while (q.next()) merged.insert(q.text(0));
      }
      for (auto& [key, person] : out) {
        if (!merged.contains(person)) continue;
        Query q = session_->statement(kPersonByIdentifier).query();
        q.bind(1, key.system).bind(2, key.value);
        if (q.next()) person = q.text(0);
      }
    } catch (...) {
      session_->statement(kEndRead).query().run();
      throw;
    }
    session_->statement(kEndRead).query().run();
    return out;
  }

  std::vector<StoredRecord> subject_records(const std::vector<std::string>& person_ids,
                                            const std::vector<std::string>& kinds) override {
    std::vector<StoredRecord> out;
    if (person_ids.empty()) return out;
    boost::json::array ids;
    for (const std::string& id : person_ids) ids.emplace_back(id);
    const std::string id_text = boost::json::serialize(ids);
    boost::json::array kind_list;
    for (const std::string& kind : kinds) kind_list.emplace_back(kind);
    const std::string kind_text = boost::json::serialize(kind_list);
    session_->statement(kBeginRead).query().run();
    try {
      {
        Query q = session_->statement(kLatestPersons).query();
        q.bind(1, id_text);
        while (q.next()) out.push_back(read_record(q));
      }
      if (!kinds.empty()) {
        Query q = session_->statement(kRecordsOfPersonsByKind).query();
        q.bind(1, id_text).bind(2, kind_text);
        while (q.next()) out.push_back(read_record(q));
      }
    } catch (...) {
      session_->statement(kEndRead).query().run();
      throw;
    }
    session_->statement(kEndRead).query().run();
    return out;
  }

  std::optional<std::string> identifier_owner(std::string_view system,
                                              std::string_view value) override {
    Query q = session_->statement(kIdentifierOwner).query();
    q.bind(1, system).bind(2, value);
    if (!q.next()) return std::nullopt;
    return q.text(0);
  }

  std::vector<PersonLink> person_links(std::string_view person_id) override {
    Query q = session_->statement(kPersonLinks).query();
    q.bind(1, person_id);
    std::vector<PersonLink> out;
    while (q.next()) out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.int64(4)});
    return out;
  }

  std::vector<std::string> message_ids(const MessageFilter& filter) override {
    Query q = session_->statement(kMessageIds).query();
    q.bind(1, filter.source).bind(2, filter.since_ms).bind(3, filter.until_ms);
    std::vector<std::string> out;
    while (q.next()) out.push_back(q.text(0));
    return out;
  }

  std::vector<DeadLetterRow> dead_letters_of_message(std::string_view message_id) override {
    Query q = session_->statement(kDeadLettersOfMessage).query();
    q.bind(1, message_id);
    std::vector<DeadLetterRow> out;
    while (q.next()) out.push_back(read_dead_letter(q));
    return out;
  }

  std::int64_t last_seq() override {
    Query q = session_->statement(kLastSeq).query();
    return q.next() ? q.int64(0) : 0;
  }

  std::vector<StoredRecord> current_records(const RecordQuery& query) override {
    auto json_list = [](const std::vector<std::string>& items) {
      boost::json::array list;
      for (const std::string& item : items) list.emplace_back(item);
      return boost::json::serialize(list);
    };
    const std::string kinds = json_list(query.kinds);
    const std::string persons = json_list(query.person_ids);
    Query q = session_->statement(query.person_ids.empty() ? kCurrentRecords : kCurrentRecordsOfPersons).query();
    q.bind(1, query.after_seq);
    if (query.kinds.empty()) q.bind_null(2); else q.bind(2, kinds);
    if (query.written_from_ms == 0) q.bind_null(3); else q.bind(3, query.written_from_ms);
    if (query.written_until_ms == 0) q.bind_null(4); else q.bind(4, query.written_until_ms);
    q.bind(5, to_limit(query.limit));
    if (!query.person_ids.empty()) q.bind(6, persons);
    std::vector<StoredRecord> out;
    while (q.next()) out.push_back(read_record(q));
    return out;
  }

  ConsentSubjectRows consent_subjects(const std::vector<std::string>& person_ids) override {
    ConsentSubjectRows rows;
    if (person_ids.empty()) return rows;
    boost::json::array asked;
    for (const std::string& id : person_ids) asked.emplace_back(id);
    // One read transaction: the merges, the persons and the consents from a single snapshot.
    session_->statement(kBeginRead).query().run();
    try {
      std::set<std::string> everyone;
      boost::json::array linked;
      {
        Query q = session_->statement(kLinkedPersons).query();
        const std::string text = boost::json::serialize(asked);
        q.bind(1, text);
        while (q.next()) linked.emplace_back(q.text(0));
      }
      if (!linked.empty()) {
        Query q = session_->statement(kSamePerson).query();
        const std::string text = boost::json::serialize(linked);
        q.bind(1, text);
        while (q.next()) {
          std::string member = q.text(1);
          everyone.insert(member);
          rows.same_person[q.text(0)].push_back(std::move(member));
        }
      }
      // A person in no merge is the same person as itself alone.
      for (const std::string& id : person_ids) {
        if (rows.same_person.contains(id)) continue;
        everyone.insert(id);
        rows.same_person[id].push_back(id);
      }
      boost::json::array all;
      for (const std::string& id : everyone) all.emplace_back(id);
      const std::string text = boost::json::serialize(all);
      {
        Query q = session_->statement(kLatestPersons).query();
        q.bind(1, text);
        while (q.next()) rows.persons.push_back(read_record(q));
      }
      {
        Query q = session_->statement(kLatestConsents).query();
        q.bind(1, text);
        while (q.next()) rows.consents.push_back(read_record(q));
      }
      // In id order, sorted here rather than by SQLite's temporary b-tree (a third of the read).
      std::sort(rows.consents.begin(), rows.consents.end(),
                [](const StoredRecord& a, const StoredRecord& b) { return a.id < b.id; });
    } catch (...) {
      session_->statement(kEndRead).query().run();
      throw;
    }
    session_->statement(kEndRead).query().run();
    return rows;
  }

  std::vector<audit::StoredEntry> audit_entries(std::int64_t after_seq, std::size_t limit) override {
    return session_->audit_queries().entries(after_seq, limit);
  }
  std::vector<audit::Checkpoint> audit_checkpoints() override { return session_->audit_queries().checkpoints(); }
  audit::LogExtent audit_extent() override { return session_->audit_queries().extent(); }
  std::optional<std::int64_t> audit_seq_of_hash(std::string_view hash) override {
    return session_->audit_queries().seq_of_hash(hash);
  }

  std::optional<RosterSyncRun> roster_sync_running(std::string_view adapter, std::string_view registry,
                                                   std::string_view file_sha256) override {
    return session_->roster_queries().running(adapter, registry, file_sha256);
  }
  std::optional<RosterSyncRun> roster_sync(std::string_view id) override { return session_->roster_queries().run(id); }
  std::vector<RosterSyncRun> roster_syncs(std::string_view adapter, std::size_t limit) override {
    return session_->roster_queries().latest(adapter, limit);
  }
  std::vector<RosterReject> roster_rejects(std::string_view sync_id, std::size_t limit) override {
    return session_->roster_queries().rejects(sync_id, limit);
  }
  std::optional<RosterEntry> roster_entry(std::string_view registry, std::string_view student_key) override {
    return session_->roster_queries().entry(registry, student_key);
  }
  std::optional<RosterEntry> roster_entry_by_row(std::string_view registry, std::string_view row_hash) override {
    return session_->roster_queries().entry_by_row(registry, row_hash);
  }
  std::vector<RosterEntry> roster_not_seen(std::string_view registry, std::string_view sync_id,
                                           std::string_view after_key, std::size_t limit) override {
    return session_->roster_queries().not_seen(registry, sync_id, after_key, limit);
  }

 private:
  std::shared_ptr<ReaderPool> pool_;
  std::unique_ptr<ReaderSession> session_;
};

}  // namespace

ReaderPool::ReaderPool(std::filesystem::path path, std::chrono::milliseconds busy_timeout,
                       std::size_t max_idle)
    : path_(std::move(path)), busy_timeout_(busy_timeout), max_idle_(max_idle) {}

ReaderPool::~ReaderPool() = default;

std::unique_ptr<Reader> ReaderPool::acquire() {
  std::unique_ptr<ReaderSession> session;
  {
    std::lock_guard lock(mutex_);
    if (closed_) throw StoreError("the store is shut down; no new readers");
    if (!idle_.empty()) {
      session = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!session) {
    // Opened outside the lock: opening a file must not serialise every other reader.
    session = std::make_unique<ReaderSession>();
    session->db = open_reader_connection(path_, busy_timeout_);
  }
  return std::make_unique<SqliteReader>(shared_from_this(), std::move(session));
}

void ReaderPool::give_back(std::unique_ptr<ReaderSession> session) {
  std::unique_ptr<ReaderSession> drop;  // closed after the lock is released
  std::lock_guard lock(mutex_);
  if (closed_ || idle_.size() >= max_idle_) {
    drop = std::move(session);
  } else {
    idle_.push_back(std::move(session));
  }
}

void ReaderPool::close() {
  std::vector<std::unique_ptr<ReaderSession>> drop;
  std::lock_guard lock(mutex_);
  closed_ = true;
  drop.swap(idle_);
}

}  // namespace kq::store::sqlite

namespace kq::store {

std::unique_ptr<Reader> open_sqlite_reader(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout) {
  // A schema newer than this build's may have moved what the queries read: refuse it as the
  // writer does, instead of answering from tables another version fills differently.
  const std::int64_t version = sqlite::open_reader_connection(path, busy_timeout).scalar_int64("PRAGMA user_version");
  if (version > sqlite::latest_schema_version()) {
    throw StoreError("database " + path.string() + " has schema version " + std::to_string(version) +
                     ", newer than this build of Kangqiao understands (" +
                     std::to_string(sqlite::latest_schema_version()) + "); run a newer kangqiao");
  }
  // The pool lives as long as the one reader it lends (the reader holds it); nothing is kept idle.
  return std::make_shared<sqlite::ReaderPool>(path, busy_timeout, 0)->acquire();
}

}  // namespace kq::store
