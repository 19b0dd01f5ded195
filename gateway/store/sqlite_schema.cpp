#include "gateway/store/sqlite_schema.hpp"

#include <sqlite3.h>

#include <span>
#include <string>

#include "gateway/log/log.hpp"
#include "gateway/store/store.hpp"

namespace kq::store::sqlite {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
  // Edits a table's definition in sqlite_schema (writable_schema): the schema version must then
  // be bumped, the documented last step of that procedure, so that every connection reads the
  // definitions again.
  bool edits_schema_text = false;
};

// Append-only: a released migration is never edited, only followed by a new one.
constexpr Migration kMigrations[] = {
    {1, "initial schema", R"sql(
-- Every inbound message exactly as received, so any record can be traced to its source and any
-- source can be reprocessed with a newer mapping.
CREATE TABLE raw_message (
  id             TEXT PRIMARY KEY,
  source         TEXT NOT NULL,
  channel        TEXT NOT NULL,
  content_type   TEXT NOT NULL,
  payload        BLOB NOT NULL,
  sha256         TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'dead_letter')),
  error          TEXT,
  peer           TEXT,
  org_id         TEXT,
  stored_at_ms   INTEGER NOT NULL
);

CREATE TABLE person (
  id            TEXT PRIMARY KEY,
  created_at_ms INTEGER NOT NULL
);

-- One identifier (system + value) names at most one person.
CREATE TABLE person_identifier (
  system        TEXT NOT NULL,
  value         TEXT NOT NULL,
  person_id     TEXT NOT NULL REFERENCES person(id),
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (system, value)
) WITHOUT ROWID;
CREATE INDEX person_identifier_person ON person_identifier(person_id);

-- Record history: every write is a new row. seq is the changes-feed cursor; AUTOINCREMENT keeps
-- it strictly increasing even if the newest rows are ever purged.
CREATE TABLE record (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  id            TEXT NOT NULL,
  version       INTEGER NOT NULL CHECK (version >= 1),
  kind          TEXT NOT NULL,
  person_id     TEXT,
  org_id        TEXT,
  body          TEXT NOT NULL,
  message_id    TEXT REFERENCES raw_message(id),
  written_at_ms INTEGER NOT NULL,
  UNIQUE (id, version)
);
CREATE INDEX record_message ON record(message_id) WHERE message_id IS NOT NULL;
CREATE INDEX record_person ON record(person_id) WHERE person_id IS NOT NULL;

CREATE TABLE dedupe_key (
  scope          TEXT NOT NULL,
  key            TEXT NOT NULL,
  message_id     TEXT NOT NULL REFERENCES raw_message(id),
  payload_sha256 TEXT NOT NULL,
  created_at_ms  INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;

CREATE TABLE dead_letter (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id     TEXT NOT NULL REFERENCES raw_message(id),
  errors         TEXT NOT NULL,
  mapping        TEXT,
  created_at_ms  INTEGER NOT NULL,
  resolved_at_ms INTEGER
);
CREATE INDEX dead_letter_message ON dead_letter(message_id);

CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  destination     TEXT NOT NULL,
  payload         BLOB NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  message_id      TEXT REFERENCES raw_message(id),
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  last_error      TEXT,
  created_at_ms   INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(next_attempt_ms) WHERE status = 'pending';

-- Append-only. prev_hash / entry_hash are filled by the hash chain (a later change); message_id
-- has no foreign key on purpose: an audit row must never be refused for referential reasons.
CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms      INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  action     TEXT NOT NULL CHECK (action IN ('C', 'R', 'U', 'D', 'E')),
  outcome    INTEGER NOT NULL CHECK (outcome IN (0, 4, 8, 12)),
  actor      TEXT,
  org_id     TEXT,
  detail     TEXT NOT NULL DEFAULT '{}',
  message_id TEXT,
  prev_hash  BLOB,
  entry_hash BLOB
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END;

-- Consent / lawful basis. Lists are JSON arrays of codes.
CREATE TABLE consent (
  id                   TEXT PRIMARY KEY,
  version              INTEGER NOT NULL DEFAULT 1,
  subject_person_id    TEXT NOT NULL REFERENCES person(id),
  grantor_person_id    TEXT,
  grantor_contact_id   TEXT,
  grantor_relationship TEXT,
  guardian_type        TEXT,
  grantor_is_guardian  INTEGER NOT NULL DEFAULT 0 CHECK (grantor_is_guardian IN (0, 1)),
  subject_age_at_grant INTEGER,
  scope                TEXT NOT NULL,
  purposes             TEXT NOT NULL DEFAULT '[]',
  data_categories      TEXT NOT NULL DEFAULT '[]',
  recipients           TEXT NOT NULL DEFAULT '[]',
  separate_consent     INTEGER NOT NULL DEFAULT 0 CHECK (separate_consent IN (0, 1)),
  lawful_basis         TEXT NOT NULL,
  notice_version       TEXT,
  notice_sha256        TEXT,
  method               TEXT,
  evidence_document_id TEXT,
  status               TEXT NOT NULL
                       CHECK (status IN ('draft', 'active', 'rejected', 'withdrawn', 'expired')),
  period_start_ms      INTEGER,
  period_end_ms        INTEGER,
  granted_at_ms        INTEGER,
  withdrawn_at_ms      INTEGER,
  provenance_id        TEXT,
  recorded_at_ms       INTEGER NOT NULL
);
CREATE INDEX consent_subject ON consent(subject_person_id, status);
)sql"},
    {2, "person merge links and dead-letter reprocessing", R"sql(
-- ADT^A40 and the like: the merged person is linked to the surviving one, never deleted. Its
-- identifiers and records stay as they were; resolving any identifier follows the links to the
-- surviving person. A person is merged at most once (the primary key), which keeps chains acyclic.
CREATE TABLE person_link (
  merged_person_id    TEXT PRIMARY KEY REFERENCES person(id),
  surviving_person_id TEXT NOT NULL REFERENCES person(id),
  message_id          TEXT REFERENCES raw_message(id),
  identifier_system   TEXT NOT NULL,  -- the identifier through which the message named the merged person
  linked_at_ms        INTEGER NOT NULL,
  CHECK (merged_person_id <> surviving_person_id)
) WITHOUT ROWID;
CREATE INDEX person_link_surviving ON person_link(surviving_person_id);

-- Reprocessing keeps the history of each dead letter: when it was last tried, how often, with
-- which errors, and which mapping version finally resolved it.
ALTER TABLE dead_letter ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dead_letter ADD COLUMN last_attempt_at_ms INTEGER;
ALTER TABLE dead_letter ADD COLUMN last_errors TEXT;
ALTER TABLE dead_letter ADD COLUMN resolved_by TEXT;
CREATE INDEX dead_letter_unresolved ON dead_letter(mapping) WHERE resolved_at_ms IS NULL;
)sql"},
    {3, "the whole inbound message", R"sql(
-- Everything the listener knew about how a message arrived, so that reprocessing runs it again
-- exactly as it came (an HTTPS push needs its principal and Idempotency-Key to be accepted).
-- Rows stored before this version have NULLs here; reprocessing falls back to what it can infer.
ALTER TABLE raw_message ADD COLUMN transport TEXT CHECK (transport IN ('http', 'schedule', 'mllp'));
ALTER TABLE raw_message ADD COLUMN listener TEXT;
ALTER TABLE raw_message ADD COLUMN method TEXT;
ALTER TABLE raw_message ADD COLUMN charset TEXT;
ALTER TABLE raw_message ADD COLUMN principal TEXT;
ALTER TABLE raw_message ADD COLUMN idempotency_key TEXT;
-- Message keys were scoped to the adapter alone; they are now scoped to the adapter and the
-- sending organisation (two hospitals may choose the same Idempotency-Key). Keys already held are
-- moved to their new scope so that a resend of a message from before the upgrade is still known.
UPDATE dedupe_key
   SET scope = scope || '|' || (SELECT org_id FROM raw_message WHERE raw_message.id = dedupe_key.message_id)
 WHERE (SELECT org_id FROM raw_message WHERE raw_message.id = dedupe_key.message_id) <> '';
)sql"},
    {4, "audit hash chain and signed checkpoints", R"sql(
-- Every entry from now on is hash-chained (gateway/audit/chain.hpp): prev_hash and entry_hash
-- are filled, and chain_format names the encoding and hash they were computed with.
ALTER TABLE audit_log ADD COLUMN chain_format TEXT;

-- Entries written before this version have no hash. The verifier accepts that for those only,
-- so the boundary is recorded once, here, and can never move.
CREATE TABLE audit_chain (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  unchained_until INTEGER NOT NULL,
  created_at_ms   INTEGER NOT NULL
);
INSERT INTO audit_chain (id, unchained_until, created_at_ms)
VALUES (1, (SELECT coalesce(max(seq), 0) FROM audit_log),
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain is fixed: UPDATE refused'); END;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain is fixed: DELETE refused'); END;

-- Signed checkpoints of the chain (gateway/audit/checkpoint.hpp), numbered without gaps.
CREATE TABLE audit_checkpoint (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  seq                 INTEGER NOT NULL,  -- the last audit_log entry covered
  entry_count         INTEGER NOT NULL,  -- chained entries up to seq
  at_ms               INTEGER NOT NULL,
  head_hash           BLOB NOT NULL,     -- entry_hash of entry seq
  entry_digests       BLOB NOT NULL,     -- 8 bytes of each entry_hash since the last checkpoint
  signature_algorithm TEXT NOT NULL,
  key_fingerprint     BLOB NOT NULL,     -- SHA-256 of the key's SubjectPublicKeyInfo
  signature           BLOB NOT NULL
);
CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint
BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is append-only: DELETE refused'); END;
)sql"},
    {5, "consents are records", R"sql(
-- Consents live in the record table like every canonical record (kind 'consent', person_id the
-- subject): versioned, in the changes feed, with lineage to the message or request that wrote
-- them, so a withdrawal is a new version of the consent and the history of who agreed to what
-- is never overwritten. The consent table of version 1 was never written; a second copy would
-- have to be kept in step with the records and could only disagree with them.
DROP TABLE consent;

-- Enforcement reads the current consents of the subjects of every page it discloses: this keeps
-- that read to the consent rows, however many other records a person has.
CREATE INDEX record_consent_subject ON record(person_id) WHERE kind = 'consent';
)sql"},
    {6, "disclosure facts beside each record", R"sql(
-- A pull decides every record it scans, and parsing each body again for its data categories and
-- the day it describes was a third of its CPU: the writer stores them beside the body. They are
-- tagged with a fingerprint of the rules that produced them (core/disclosure_facts.hpp); rows
-- from before this migration, or from a build with other rules, have another tag (or NULL) and
-- are read from the body, so nothing needs rewriting here.
ALTER TABLE record ADD COLUMN facts_version INTEGER;
ALTER TABLE record ADD COLUMN category_bits INTEGER;
ALTER TABLE record ADD COLUMN record_day INTEGER;
)sql"},
    {7, "sender sequence numbers; files from drop folders", R"sql(
-- Messages may now come from drop folders (transport 'file'). The CHECK that migration 3 put on
-- raw_message.transport is widened in place, by SQLite's documented procedure for changes that
-- leave every stored row valid (https://www.sqlite.org/lang_altertable.html, "making other kinds
-- of table schema changes"): the table definition's text is edited here, and migrate() then bumps
-- the schema version, so every connection, the migrating one included, reads it again. Rebuilding
-- raw_message instead would copy every payload ever received: no O(1) start-up after that.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'transport IN (''http'', ''schedule'', ''mllp'')',
                     'transport IN (''http'', ''schedule'', ''mllp'', ''file'')')
 WHERE type = 'table' AND name = 'raw_message';
PRAGMA writable_schema = OFF;

-- Numbered senders (a card-reader terminal numbers its batches): every number that arrived, with
-- the message that carried it and what was found when it did, so a gap is reported once, a late
-- arrival is recognised as filling it, a resend is answered with the original's findings, and
-- an operator can list what is still missing.
CREATE TABLE sequence_number (
  id             INTEGER PRIMARY KEY,
  scope          TEXT NOT NULL,      -- adapter|organisation, as dedupe keys are scoped
  stream         TEXT NOT NULL,      -- e.g. the terminal id
  number         INTEGER NOT NULL CHECK (number > 0),
  message_id     TEXT NOT NULL REFERENCES raw_message(id),
  previous       INTEGER NOT NULL,   -- highest number of the stream before this one; 0: none
  gap_first      INTEGER NOT NULL,   -- numbers previous+1 .. number-1 missing then; 0: none
  gap_last       INTEGER NOT NULL,
  replay_of      TEXT,               -- the number came before, with that message
  received_at_ms INTEGER NOT NULL
);
CREATE INDEX sequence_number_stream ON sequence_number(scope, stream, number);
CREATE INDEX sequence_number_message ON sequence_number(message_id);
)sql", /*edits_schema_text=*/true},
    {8, "roster syncs: runs, the students' snapshot, rejected rows", R"sql(
-- A streamed roster sync (docs/adapters/student_registry.md). One row per run: each chunk's
-- transaction advances chunks_done and the counts, so a run cut short says which chunks are in.
CREATE TABLE roster_sync (
  id             TEXT PRIMARY KEY,
  adapter        TEXT NOT NULL,
  registry       TEXT NOT NULL,      -- adapter|organisation of the drop folder's principal
  file_name      TEXT NOT NULL,
  file_sha256    TEXT NOT NULL,
  file_bytes     INTEGER NOT NULL,
  started_at_ms  INTEGER NOT NULL,
  finished_at_ms INTEGER,
  state          TEXT NOT NULL CHECK (state IN ('running', 'finished')),
  chunks_done    INTEGER NOT NULL DEFAULT 0,
  rows_done      INTEGER NOT NULL DEFAULT 0,
  added          INTEGER NOT NULL DEFAULT 0,
  changed        INTEGER NOT NULL DEFAULT 0,
  transferred    INTEGER NOT NULL DEFAULT 0,
  unchanged      INTEGER NOT NULL DEFAULT 0,
  left_school    INTEGER NOT NULL DEFAULT 0,
  graduated      INTEGER NOT NULL DEFAULT 0,
  rejected       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX roster_sync_file ON roster_sync(adapter, registry, file_sha256, state);

-- The registry's students as the last runs saw them: change detection compares with this, so an
-- unchanged student costs one row update instead of three record versions.
CREATE TABLE roster_entry (
  registry      TEXT NOT NULL,
  student_key   TEXT NOT NULL,
  content_hash  TEXT NOT NULL,
  school        TEXT NOT NULL,
  grade         TEXT NOT NULL,
  class_name    TEXT NOT NULL,
  status        TEXT NOT NULL,
  enrollment_id TEXT NOT NULL,
  row_hash      TEXT NOT NULL,     -- SHA-256 of the charset, header and row as the file had them
  last_sync     TEXT NOT NULL,
  PRIMARY KEY (registry, student_key)
) WITHOUT ROWID;
CREATE INDEX roster_entry_last_sync ON roster_entry(registry, last_sync);
-- A row whose bytes are those of the last run is the same student, unchanged, without mapping it.
CREATE INDEX roster_entry_row ON roster_entry(registry, row_hash);

CREATE TABLE roster_reject (
  sync_id TEXT NOT NULL REFERENCES roster_sync(id),
  line    INTEGER NOT NULL,
  reason  TEXT NOT NULL
);
CREATE INDEX roster_reject_sync ON roster_reject(sync_id, line);
)sql"},
    {9, "the dropped file's name with its message", R"sql(
-- A message taken from a drop folder keeps the name of the file it came from (as dropped, no
-- folder), so a dead letter or a stored batch can be traced to its file. NULL for every other
-- transport and for messages stored before this version. Adding a nullable column rewrites no row.
ALTER TABLE raw_message ADD COLUMN file_name TEXT;
)sql"},
    {10, "roster syncs: no index on the run that last saw a student", R"sql(
-- Every student a roster sync sees gets this run's id in last_sync: with an index on it, an
-- unchanged student cost an index entry moved from the last run's place to this run's as well as
-- the row update. The one query that reads last_sync (the students a run did not see) asks for
-- "not this run", which no index serves: it walks the registry's students in key order.
DROP INDEX roster_entry_last_sync;
)sql"},
};

// Migrations run in array order and a database records only the last one applied: versions must
// be 1, 2, 3, … in order (two branches that each append one must not end up swapped by a merge).
constexpr bool migrations_numbered_in_order() {
  int expected = 1;
  for (const Migration& m : kMigrations) {
    if (m.version != expected++) return false;
  }
  return true;
}
static_assert(migrations_numbered_in_order(), "kMigrations must be numbered 1, 2, 3, … in array order");

int user_version(Connection& db) {
  return static_cast<int>(db.scalar_int64("PRAGMA user_version"));
}

void apply_pragmas(Connection& db, std::chrono::milliseconds busy_timeout, bool writer) {
  sqlite3_busy_timeout(db.get(), static_cast<int>(busy_timeout.count()));
  // No PHI in temp files; no SIGBUS from a memory map on I/O errors; corrupt pages caught early;
  // schema objects may not call functions with side effects.
  db.exec(
      "PRAGMA temp_store = MEMORY;"
      "PRAGMA mmap_size = 0;"
      "PRAGMA cell_size_check = ON;"
      "PRAGMA trusted_schema = OFF;");
  if (!writer) {
    db.exec("PRAGMA query_only = ON;");
    return;
  }
  std::string mode = db.scalar_text("PRAGMA journal_mode = WAL");
  if (mode != "wal") {
    throw StoreError("SQLite refused WAL mode (journal_mode is '" + mode +
                     "'); the database must be on a local filesystem");
  }
  // FULL: an acknowledgement means the transaction survives power loss, not just a crash.
  db.exec(
      "PRAGMA synchronous = FULL;"
      "PRAGMA foreign_keys = ON;"
      "PRAGMA secure_delete = ON;"
      "PRAGMA journal_size_limit = 67108864;");
}

void migrate(Connection& db, const std::filesystem::path& path, int latest = latest_schema_version()) {
  const int from = user_version(db);
  if (from > latest) {
    throw StoreError("database " + path.string() + " has schema version " + std::to_string(from) +
                     ", newer than this build of Kangqiao understands (" + std::to_string(latest) +
                     "); run a newer kangqiao, or restore a backup taken before the upgrade");
  }
  for (const Migration& m : std::span(kMigrations)) {
    if (m.version <= from || m.version > latest) continue;
    // One transaction per migration: a failure leaves the database at the previous version.
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(m.sql);
      db.exec("PRAGMA user_version = " + std::to_string(m.version));
      db.exec("COMMIT");
    } catch (...) {
      if (db.in_transaction()) db.exec("ROLLBACK");
      throw;
    }
    log::info("store_migrated",
              {{"path", path.string()}, {"version", m.version}, {"name", m.name}});
    if (m.edits_schema_text) {
      const std::int64_t cookie = db.scalar_int64("PRAGMA schema_version");
      db.exec("PRAGMA schema_version = " + std::to_string(cookie + 1));
    }
  }
}

}  // namespace

int latest_schema_version() { return std::span(kMigrations).back().version; }

void create_at_schema_version(const std::filesystem::path& path, int version) {
  Connection db(path, Connection::Mode::read_write_create);
  apply_pragmas(db, std::chrono::milliseconds(5000), /*writer=*/true);
  migrate(db, path, version);
}

Connection open_writer_connection(const SqliteOptions& options) {
  const std::filesystem::path& path = options.path;
  try {
    Connection db(path, Connection::Mode::read_write_create);
    apply_pragmas(db, options.busy_timeout, /*writer=*/true);
    // The writer's page cache holds the hot index pages across groups; with random UUID keys a
    // small cache means re-reading and re-writing the same leaves on every commit.
    db.exec("PRAGMA cache_size = -" + std::to_string(options.writer_cache_kib));
    // Only checks whose cost does not grow with the database: SQLite reads the header (a file
    // that is not a database fails here) and recovers the WAL; the schema version is one field
    // of the header. A full check reads every page — 25-30 s for 1.6 GB with a cold cache, a
    // quarter of an hour for 100 GB — so it is `kangqiao store check` and an optional schedule
    // (sqlite_check.hpp), never a condition for serving.
    migrate(db, path);
    if (db.scalar_int64("PRAGMA application_id") != kApplicationId) {
      db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
    }
    return db;
  } catch (const SqliteError& e) {
    const int primary = e.code() & 0xff;
    throw StoreError("cannot open store " + path.string() + ": " + e.what(),
                     primary == SQLITE_BUSY || primary == SQLITE_LOCKED);
  }
}

Connection open_reader_connection(const std::filesystem::path& path,
                                  std::chrono::milliseconds busy_timeout) {
  try {
    Connection db(path, Connection::Mode::read_only);
    apply_pragmas(db, busy_timeout, /*writer=*/false);
    return db;
  } catch (const SqliteError& e) {
    throw StoreError("cannot open a reader on " + path.string() + ": " + e.what());
  }
}

}  // namespace kq::store::sqlite
