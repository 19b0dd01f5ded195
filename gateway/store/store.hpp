#pragma once
// The durable store, behind an interface so that a PostgreSQL backend can serve deployments that
// outgrow one machine. SQLite is the embedded default (make_sqlite_store).
//
// Writes go through one queue to one writer, which commits many WriteBatches per transaction
// (group commit) and only then reports each result. Reads use their own connections and never
// wait for the writer.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/audit/chain.hpp"
#include "gateway/audit/chain_settings.hpp"
#include "gateway/audit/checkpoint.hpp"
#include "gateway/store/roster_sync.hpp"
#include "gateway/store/write_batch.hpp"

namespace kq::store {

// Opening failed (unreadable file, newer schema, locked, …). The message is meant for the
// operator and says what to do.
class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& what, bool retryable = false)
      : std::runtime_error(what), retryable_(retryable) {}
  // Another process held a lock for longer than the busy timeout: trying again later may work.
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

struct StoredRecord {
  std::int64_t seq = 0;
  std::string id;
  std::int64_t version = 0;
  std::string kind;
  std::string person_id;
  std::string org_id;
  std::string body_json;   // the canonical body, as JSON text
  std::string message_id;  // lineage: the raw message this version came from (may be empty)
  std::int64_t written_at_ms = 0;
  // What disclosure decisions read of the body, computed when it was written (see
  // core/disclosure_facts.hpp): valid only when facts_version is core::disclosure_facts_version();
  // 0 for rows written before migration 6 or without them.
  std::int64_t facts_version = 0;
  std::uint32_t category_bits = 0;
  std::optional<std::int64_t> record_day;
};

struct StoredMessage {
  RawMessage message;
  std::int64_t stored_at_ms = 0;
};

struct DedupeEntry {
  std::string scope;
  std::string key;
  std::string message_id;
  std::string payload_sha256;
};

struct DeadLetterRow {
  std::int64_t id = 0;
  std::string message_id;
  std::string errors_json;
  std::string mapping;
  std::int64_t created_at_ms = 0;
  // Reprocessing history: 0 / empty until it happened.
  std::int64_t resolved_at_ms = 0;
  std::string resolved_by;  // mapping names@versions that succeeded, or "superseded by message …"
  std::int64_t attempts = 0;
  std::int64_t last_attempt_at_ms = 0;
  std::string last_errors;  // errors of the last failed attempt (JSON array)
};

// One merge in the identity index (ADT^A40): merged_person_id now resolves to surviving_person_id.
struct PersonLink {
  std::string merged_person_id;
  std::string surviving_person_id;
  std::string message_id;  // the message that asked for the merge
  std::string identifier_system;
  std::int64_t linked_at_ms = 0;
};

// Which stored messages to select, for reprocessing. Empty source: every source.
struct MessageFilter {
  std::string source;
  std::int64_t since_ms = 0;  // received_at_ms >= since_ms
  std::int64_t until_ms = 0;  // received_at_ms < until_ms; 0: no upper bound
};

// What consent enforcement needs to know about some subjects (gateway/consent/), read in one
// snapshot so that a consent and its subject's birth date cannot come from different moments.
struct ConsentSubjectRows {
  // For each subject asked about: itself and every person merged with it, directly or through
  // others, in either direction. A merged person's records keep its id, and a consent recorded
  // under either id is the same human's consent.
  std::map<std::string, std::vector<std::string>> same_person;
  std::vector<StoredRecord> persons;   // the latest version of the person record of each of them
  std::vector<StoredRecord> consents;  // the latest version of every consent whose subject is one of them
};

// Which current records to select (the pull API's look-ups and FHIR searches): the latest version
// of each record, in seq order. Empty lists and zero bounds select everything.
struct RecordQuery {
  std::vector<std::string> kinds;
  std::vector<std::string> person_ids;  // the record's subject is one of these
  std::int64_t after_seq = 0;           // the version's seq is greater (paging)
  std::int64_t written_from_ms = 0;     // written_at_ms >= this
  std::int64_t written_until_ms = 0;    // written_at_ms < this
  std::size_t limit = 100;
};

// An identifier as the identity index keys it (person_identifier: system + value).
struct IdentifierKey {
  std::string system;
  std::string value;
  auto operator<=>(const IdentifierKey&) const = default;
};

// Read queries. Obtained per use from Store::reader(); holds one connection until destroyed, so
// keep it short-lived. Not thread-safe: one thread at a time. Each call sees the latest committed
// state at the time of the call.
class Reader {
 public:
  virtual ~Reader() = default;
  // Holds one read transaction until it is destroyed, so that many small reads in a row (a roster
  // chunk's look-ups, two per row) see one snapshot and take the database's read lock once
  // instead of once each. Inside it use only the reads that are one statement; those that open a
  // transaction of their own (row_counts, consent_subjects, subject_records) must not run.
  class Snapshot {
   public:
    virtual ~Snapshot() = default;
  };
  virtual std::unique_ptr<Snapshot> snapshot() = 0;
  // Latest version of a record.
  virtual std::optional<StoredRecord> record(std::string_view id) = 0;
  // Record writes with seq > after_seq in seq order, at most `limit` of them.
  virtual std::vector<StoredRecord> changes_since(std::int64_t after_seq, std::size_t limit) = 0;
  // Every version written because of one raw message (lineage), in seq order.
  virtual std::vector<StoredRecord> records_of_message(std::string_view message_id) = 0;
  virtual std::optional<StoredMessage> message(std::string_view id) = 0;
  virtual std::optional<DedupeEntry> find_dedupe(std::string_view scope, std::string_view key) = 0;
  // The person an identifier names today: merges are followed to the surviving person.
  virtual std::optional<std::string> person_by_identifier(std::string_view system,
                                                          std::string_view value) = 0;
  // person_by_identifier for many identifiers in one read (a batch's identity links, before its
  // transaction resolves them): the identifiers that name a person today, merges followed.
  virtual std::map<IdentifierKey, std::string> persons_by_identifiers(const std::vector<IdentifierKey>& identifiers) = 0;
  // What derived values read about these persons (gateway/derived/), from one snapshot: the latest
  // version of each one's person record, then of each of their records of one of `kinds` (their
  // vision screenings and enrollments, say) in seq order.
  virtual std::vector<StoredRecord> subject_records(const std::vector<std::string>& person_ids,
                                                    const std::vector<std::string>& kinds) = 0;
  // The person the identifier was first attached to, merges not followed.
  virtual std::optional<std::string> identifier_owner(std::string_view system,
                                                      std::string_view value) = 0;
  // Merges in which the person is the merged or the surviving one, oldest first.
  virtual std::vector<PersonLink> person_links(std::string_view person_id) = 0;
  // Ids of the raw messages that match, oldest first.
  virtual std::vector<std::string> message_ids(const MessageFilter& filter) = 0;
  // The dead letters (resolved or not) of one message, oldest first.
  virtual std::vector<DeadLetterRow> dead_letters_of_message(std::string_view message_id) = 0;
  // Rows per table, by table name.
  virtual std::map<std::string, std::int64_t> row_counts() = 0;
  // Dead letters with id > after_id, oldest first.
  virtual std::vector<DeadLetterRow> dead_letters(std::int64_t after_id, std::size_t limit) = 0;
  // Highest change sequence committed so far (0 when there is none).
  virtual std::int64_t last_seq() = 0;
  // The latest versions that match, oldest seq first, at most query.limit of them.
  virtual std::vector<StoredRecord> current_records(const RecordQuery& query) = 0;
  // The persons and current consents behind each of these subjects (see ConsentSubjectRows).
  // A consent whose latest version names another subject is not among them.
  virtual ConsentSubjectRows consent_subjects(const std::vector<std::string>& person_ids) = 0;

  // The audit log (gateway/audit/): entries with seq > after_seq in seq order, at most `limit`.
  virtual std::vector<audit::StoredEntry> audit_entries(std::int64_t after_seq, std::size_t limit) = 0;
  // Every signed checkpoint of the audit chain, in id order.
  virtual std::vector<audit::Checkpoint> audit_checkpoints() = 0;
  virtual audit::LogExtent audit_extent() = 0;
  // The seq of the entry whose entry_hash is `hash` (reads the whole log: for diagnosis only).
  virtual std::optional<std::int64_t> audit_seq_of_hash(std::string_view hash) = 0;

  // Roster syncs (roster_sync.hpp). The run of this file that was cut short, if any (to resume).
  virtual std::optional<RosterSyncRun> roster_sync_running(std::string_view adapter, std::string_view registry,
                                                           std::string_view file_sha256) = 0;
  virtual std::optional<RosterSyncRun> roster_sync(std::string_view id) = 0;
  // The latest runs, newest first; empty adapter: of every adapter.
  virtual std::vector<RosterSyncRun> roster_syncs(std::string_view adapter, std::size_t limit) = 0;
  // A run's rejected rows, in line order, at most `limit`.
  virtual std::vector<RosterReject> roster_rejects(std::string_view sync_id, std::size_t limit) = 0;
  virtual std::optional<RosterEntry> roster_entry(std::string_view registry, std::string_view student_key) = 0;
  // The student whose last row had these bytes (RosterEntry::row_hash), if any.
  virtual std::optional<RosterEntry> roster_entry_by_row(std::string_view registry, std::string_view row_hash) = 0;
  // Students of the registry that run `sync_id` did not see and that are still enrolled (not 转出
  // or 毕业), with keys greater than `after_key`, in key order (paging).
  virtual std::vector<RosterEntry> roster_not_seen(std::string_view registry, std::string_view sync_id,
                                                   std::string_view after_key, std::size_t limit) = 0;
};

struct Health {
  bool writable = false;  // accepting writes, and the last transaction attempt succeeded
  std::string last_error;
  std::int64_t last_error_at_ms = 0;
};

// A snapshot of the writer's counters, for metrics. A "commit" is one transaction (one group);
// a "batch" is one WriteBatch.
struct StoreStats {
  std::size_t queue_depth = 0;
  std::uint64_t commits = 0;
  std::uint64_t batches_committed = 0;
  std::uint64_t records_committed = 0;
  std::uint64_t batches_failed = 0;
  std::size_t last_commit_batches = 0;  // WriteBatches in the most recent transaction
  std::size_t max_commit_batches = 0;
  std::chrono::microseconds last_commit_latency{0};   // BEGIN .. COMMIT returned
  std::chrono::microseconds total_commit_latency{0};  // sum over `commits`
  std::uint64_t db_size_bytes = 0;                    // database + WAL file
  std::uint64_t checkpoints = 0;  // background WAL checkpoints completed
  std::uint64_t free_bytes = 0;      // on the store's file system, at the last check
  std::uint64_t min_free_bytes = 0;  // the reserve below which writes are refused (0: none)
  // The background integrity check (SqliteOptions::integrity_check_interval), if any.
  std::uint64_t integrity_checks = 0;  // completed
  bool integrity_ok = false;           // verdict of the last one
  std::int64_t integrity_checked_at_ms = 0;
  std::chrono::milliseconds integrity_check_duration{0};
  std::uint64_t dedupe_keys_pruned = 0;  // expired dedupe keys removed by the background sweep
};

class Store {
 public:
  using Done = std::function<void(WriteResult)>;

  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Enqueues `batch` and returns at once. `done` is called exactly once: from the writer thread
  // after COMMIT has returned (or with the failure that prevented it). If the store no longer
  // accepts work (shut down, queue full) `done` is called before submit returns, with `failed`.
  // `done` must not block for long: the next group waits for it.
  virtual void submit(WriteBatch batch, Done done) = 0;

  virtual std::unique_ptr<Reader> reader() = 0;

  virtual Health health() const = 0;

  virtual std::size_t queue_depth() const = 0;
  virtual std::uint64_t batches_committed() const = 0;
  virtual std::uint64_t records_committed() const = 0;
  virtual std::uint64_t db_size_bytes() const = 0;
  virtual StoreStats stats() const = 0;

  // How old a message key must be before the background sweep removes it (the longest
  // dedupe_window of any adapter; 0: never). Changes with the configuration on reload.
  virtual void set_dedupe_retention(std::chrono::milliseconds retention) = 0;

  // Stops accepting writes, commits everything already queued, then closes. Idempotent; the
  // destructor calls it too.
  virtual void shutdown() = 0;
  // The same, but what is not committed by `deadline` fails instead (each caller hears
  // `failed`, so nothing uncommitted is ever acknowledged) — even a transaction that is waiting
  // for a lock another process holds. Bounds the gateway's exit time.
  virtual void shutdown_by(std::chrono::steady_clock::time_point deadline) = 0;
};

struct SqliteOptions {
  std::filesystem::path path;
  std::size_t max_batch = 1000;               // WriteBatches per transaction
  std::chrono::microseconds max_delay{2000};  // wait for more after the first arrives
  std::chrono::milliseconds busy_timeout{5000};
  std::size_t reader_connections = 4;    // idle read connections kept open
  std::size_t writer_cache_kib = 16384;  // page cache of the writer connection (store.cache_size)
  std::size_t max_queue = 100000;        // beyond this, submit fails fast (back-pressure)
  // Checkpoints are PASSIVE, and readers that always hold a snapshot can starve them. When the
  // writer is idle and the WAL is larger than this, it runs a TRUNCATE checkpoint.
  std::uint64_t wal_truncate_bytes = 64ULL << 20;
  // A background thread copies the WAL into the database once it holds this many pages (see
  // sqlite_checkpointer.hpp); SQLite's own default is 1000, run inside the writer's COMMIT.
  int checkpoint_pages = 8192;
  // Below this much free space on the database's file system, writes fail at once ("failed":
  // the sender hears a transient error) until there is room again. 0: no reserve.
  std::uint64_t min_free_bytes = 0;
  // How often the idle writer looks at the store (free space, the write lock, one small write
  // after a failure), so that health() tells the truth and recovers without waiting for traffic.
  std::chrono::milliseconds probe_interval{1000};
  // A background quick_check (integrity_check with integrity_check_full) this often; 0: never.
  std::chrono::milliseconds integrity_check_interval{0};
  bool integrity_check_full = false;
  // Dedupe keys older than this are removed by a background sweep (the longest dedupe_window of
  // any adapter; within their own window keys expire when they are met anyway). 0: never.
  std::chrono::milliseconds dedupe_retention{0};
  // The audit log's hash chain and signed checkpoints (the config's `audit:` section).
  audit::ChainSettings audit;
};

// Opens (creating and migrating if needed) the database at options.path. Throws StoreError.
std::unique_ptr<Store> make_sqlite_store(const SqliteOptions& options);

// A Reader on an existing SQLite store, for commands that only look (`kangqiao roster-syncs`): a
// read-only connection, no writer, no migration, so it writes nothing and neither waits for a
// running gateway nor holds it up. Throws StoreError when the file cannot be opened or has a newer
// schema than this build.
std::unique_ptr<Reader> open_sqlite_reader(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout);

}  // namespace kq::store
