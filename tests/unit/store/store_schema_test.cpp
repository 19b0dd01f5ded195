// Opening the store: migrations from an empty file, reopening, and refusing what it cannot use.
#include <fstream>

#include "gateway/store/sqlite_schema.hpp"
#include "tests/unit/store/store_test_support.hpp"

namespace kq::store::testing {
namespace {

using SchemaTest = StoreTest;

TEST_F(SchemaTest, MigratesAnEmptyDatabaseToTheLatestSchema) {
  auto store = open();
  auto counts = store->reader()->row_counts();
  for (const char* table : {"raw_message", "person", "person_identifier", "record", "dedupe_key",
                            "dead_letter", "outbox", "audit_log", "person_link", "audit_checkpoint",
                            "sequence_number"}) {
    ASSERT_TRUE(counts.contains(table)) << table;
    EXPECT_EQ(counts[table], 0) << table;
  }
  store->shutdown();

  RawDb raw(db_path());
  EXPECT_EQ(raw.text("PRAGMA user_version"), "10");
  // The dropped file's name with its message (migration 9).
  EXPECT_EQ(raw.text("SELECT count(*) FROM pragma_table_info('raw_message') WHERE name = 'file_name'"), "1");
  // Roster syncs (migration 8).
  EXPECT_EQ(raw.text("SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                     "AND name IN ('roster_sync', 'roster_entry', 'roster_reject')"),
            "3");
  // The disclosure facts beside each record (migration 6).
  EXPECT_EQ(raw.text("SELECT count(*) FROM pragma_table_info('record') "
                     "WHERE name IN ('facts_version', 'category_bits', 'record_day')"),
            "3");
  // Files from drop folders (migration 7): raw_message.transport's CHECK was widened in place.
  EXPECT_EQ(raw.text("SELECT sql LIKE '%''mllp'', ''file'')%' FROM sqlite_schema WHERE name = 'raw_message'"), "1");
  // Consents are records (migration 5): the never-used consent table is gone, and the index the
  // enforcement reads consents through is there.
  EXPECT_EQ(raw.text("SELECT count(*) FROM sqlite_schema WHERE name = 'consent'"), "0");
  EXPECT_EQ(raw.text("SELECT count(*) FROM sqlite_schema WHERE name = 'record_consent_subject'"), "1");
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");  // persistent, set by the store
  EXPECT_EQ(raw.text("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' "
                     "AND tbl_name = 'audit_log'"),
            "2");
  EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
}

TEST_F(SchemaTest, ReopeningKeepsDataAndTheSequenceKeepsRising) {
  std::string id;
  std::int64_t first_seq = 0;
  {
    auto store = open();
    WriteBatch b;
    b.records.push_back(make_record("observation"));
    WriteResult r = submit_and_wait(*store, std::move(b));
    ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
    id = r.records.at(0).id;
    first_seq = r.records.at(0).seq;
  }  // destructor shuts down
  auto store = open();
  auto found = store->reader()->record(id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->seq, first_seq);
  EXPECT_EQ(found->kind, "observation");

  WriteBatch b;
  b.records.push_back(make_record("observation"));
  WriteResult r = submit_and_wait(*store, std::move(b));
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
  EXPECT_GT(r.records.at(0).seq, first_seq);
  // Migrating again must be a no-op, not a second CREATE TABLE.
  EXPECT_EQ(store->reader()->row_counts()["record"], 2);
}

TEST_F(SchemaTest, UpgradingFromVersion2MovesMessageKeysToTheirOrganisationScope) {
  sqlite::create_at_schema_version(db_path(), 2);  // as version 2 left it: keys scoped to the adapter
  {
    RawDb raw(db_path());
    ASSERT_EQ(raw.exec("INSERT INTO raw_message (id, source, channel, content_type, payload, sha256, "
                       "received_at_ms, status, org_id, stored_at_ms) VALUES "
                       "('m-org', 'his-push', 'https', 'application/json', x'7b7d', 'h1', 1, 'accepted', 'org-9', 1),"
                       "('m-none', 'his-mllp', 'hl7', 'application/hl7-v2', x'4d5348', 'h2', 1, 'accepted', NULL, 1)"),
              "");
    ASSERT_EQ(raw.exec("INSERT INTO dedupe_key (scope, key, message_id, payload_sha256, created_at_ms) VALUES "
                       "('his-push', 'key-1', 'm-org', 'h1', 1), ('his-mllp', 'A|B|C1', 'm-none', 'h2', 1)"),
              "");
  }
  open()->shutdown();
  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT scope FROM dedupe_key WHERE key = 'key-1'"), "his-push|org-9");
  EXPECT_EQ(raw.text("SELECT scope FROM dedupe_key WHERE key = 'A|B|C1'"), "his-mllp");
  EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
}

TEST_F(SchemaTest, UpgradingFromVersion5TheSameConnectionStoresFilesFromDropFolders) {
  // Migration 7 edits raw_message's definition in place; the writer that ran it goes straight on
  // to write, and must already know the new definition.
  sqlite::create_at_schema_version(db_path(), 5);
  {
    RawDb raw(db_path());
    ASSERT_EQ(raw.exec("INSERT INTO raw_message (id, source, channel, content_type, payload, sha256, "
                       "received_at_ms, status, stored_at_ms, transport) VALUES "
                       "('m-old', 'his-mllp', 'hl7', 'application/hl7-v2', x'4d5348', 'h1', 1, 'accepted', 1, 'mllp')"),
              "");
  }
  auto store = open();
  WriteBatch b;
  b.message = make_message("POS1|T-1|OP|1|1|00000000");
  b.message->inbound.transport = core::Transport::file;
  b.message->inbound.channel = "batches";
  WriteResult r = submit_and_wait(*store, std::move(b));
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
  const auto m = store->reader()->message(r.message_id);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->message.inbound.transport, core::Transport::file);
  EXPECT_TRUE(store->reader()->message("m-old").has_value());
  store->shutdown();
  RawDb raw(db_path());
  EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
  // Still a CHECK: what is neither of the four is refused.
  EXPECT_NE(raw.exec("UPDATE raw_message SET transport = 'carrier-pigeon' WHERE id = 'm-old'"), "");
}

TEST_F(SchemaTest, UpgradingFromVersion8KeepsOlderMessagesWithoutAFileName) {
  sqlite::create_at_schema_version(db_path(), 8);
  {
    RawDb raw(db_path());
    ASSERT_EQ(raw.exec("INSERT INTO raw_message (id, source, channel, content_type, payload, sha256, "
                       "received_at_ms, status, stored_at_ms, transport) VALUES "
                       "('m-8', 'card-reader', 'batches', 'application/octet-stream', x'504f53', 'h1', 1, "
                       "'accepted', 1, 'file')"),
              "");
  }
  auto store = open();
  const auto old = store->reader()->message("m-8");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->message.inbound.file_name, "");
  EXPECT_EQ(old->message.inbound.transport, core::Transport::file);
  WriteBatch b;
  b.message = make_message("POS1|T-1|OP|1|1|00000000");
  b.message->inbound.transport = core::Transport::file;
  b.message->inbound.file_name = "batch-0002.pos";
  WriteResult r = submit_and_wait(*store, std::move(b));
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
  EXPECT_EQ(store->reader()->message(r.message_id)->message.inbound.file_name, "batch-0002.pos");
}

TEST_F(SchemaTest, AReadOnlyReaderWritesNothingAndRefusesANewerSchema) {
  {
    auto store = open();
    WriteBatch b;
    b.message = make_message("{}");
    ASSERT_EQ(submit_and_wait(*store, std::move(b)).status, WriteStatus::committed);
  }  // closed: the WAL is checkpointed and removed, as after the gateway stops
  {
    RawDb raw(db_path());
    ASSERT_EQ(raw.text("PRAGMA user_version"), std::to_string(sqlite::latest_schema_version()));
  }
  const auto before = std::filesystem::last_write_time(db_path());
  {
    auto reader = open_sqlite_reader(db_path(), std::chrono::milliseconds(1000));
    EXPECT_EQ(reader->row_counts()["raw_message"], 1);
    EXPECT_TRUE(reader->roster_syncs("", 10).empty());
  }
  EXPECT_EQ(std::filesystem::last_write_time(db_path()), before);
  {
    RawDb raw(db_path());
    ASSERT_EQ(raw.exec("PRAGMA user_version = 99"), "");
  }
  try {
    (void)open_sqlite_reader(db_path(), std::chrono::milliseconds(1000));
    FAIL() << "read a database with a newer schema";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)open_sqlite_reader(db_path().parent_path() / "absent.db", std::chrono::milliseconds(100)), StoreError);
}

TEST_F(SchemaTest, RefusesADatabaseFromANewerBuild) {
  open()->shutdown();
  {
    RawDb raw(db_path());
    ASSERT_EQ(raw.exec("PRAGMA user_version = 99"), "");
  }
  try {
    open();
    FAIL() << "opened a database with a newer schema";
  } catch (const StoreError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("schema version 99"), std::string::npos) << what;
    EXPECT_NE(what.find("newer"), std::string::npos) << what;
  }
}

TEST_F(SchemaTest, RefusesAFileThatIsNotADatabase) {
  {
    std::ofstream out(db_path(), std::ios::binary);
    out << std::string(8192, 'x');
  }
  EXPECT_THROW(open(), StoreError);
}

TEST_F(SchemaTest, AuditLogRefusesUpdateAndDelete) {
  {
    auto store = open();
    WriteBatch b;
    b.audit.push_back({0, "110107", kq::store::AuditAction::create, kq::store::AuditOutcome::success, "his-1", "org-1", R"({"k":"v"})"});
    ASSERT_EQ(submit_and_wait(*store, std::move(b)).status, WriteStatus::committed);
  }
  RawDb raw(db_path());
  std::string update = raw.exec("UPDATE audit_log SET outcome = 8");
  std::string remove = raw.exec("DELETE FROM audit_log");
  EXPECT_NE(update.find("append-only"), std::string::npos) << update;
  EXPECT_NE(remove.find("append-only"), std::string::npos) << remove;
  EXPECT_EQ(raw.text("SELECT outcome || ':' || detail FROM audit_log"), R"(0:{"k":"v"})");
}

TEST_F(SchemaTest, ReadersArePooledAndMoreThanThePoolCanBeOpen) {
  SqliteOptions o = options();
  o.reader_connections = 2;
  auto store = open(o);
  std::vector<std::unique_ptr<Reader>> readers;
  for (int i = 0; i < 6; ++i) readers.push_back(store->reader());
  for (auto& r : readers) EXPECT_EQ(r->last_seq(), 0);
  readers.clear();
  store->shutdown();
  EXPECT_THROW(store->reader(), StoreError);
}

}  // namespace
}  // namespace kq::store::testing
