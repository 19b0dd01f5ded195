#include "store_floor.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.hpp"

namespace kq::bench {
namespace {

// One table's share of a transaction, from the attached gateway database `old`. ?1/?2 are the
// rowid range of the transaction's messages in old.raw_message, ?3/?4 its share of old.person.
// The chunk's message ids are in temp.chunk_ids. Parents go before children (foreign keys).
constexpr const char* kCopies[] = {
    "INSERT INTO main.raw_message SELECT * FROM old.raw_message WHERE rowid BETWEEN ?1 AND ?2",
    "INSERT INTO main.person SELECT * FROM old.person WHERE rowid > ?3 AND rowid <= ?4",
    "INSERT INTO main.person_identifier SELECT * FROM old.person_identifier WHERE person_id IN "
    "(SELECT id FROM old.person WHERE rowid > ?3 AND rowid <= ?4)",
    "INSERT INTO main.dedupe_key SELECT * FROM old.dedupe_key WHERE message_id IN "
    "(SELECT id FROM temp.chunk_ids)",
    "INSERT INTO main.record SELECT * FROM old.record WHERE message_id IN "
    "(SELECT id FROM temp.chunk_ids) ORDER BY seq",
    "INSERT INTO main.audit_log SELECT * FROM old.audit_log WHERE message_id IN "
    "(SELECT id FROM temp.chunk_ids) ORDER BY seq",
};

sqlite3* open_or_die(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) die("cannot open " + file.string());
  return db;
}

std::int64_t count(sqlite3* db, const char* sql) {
  Statement q(db, sql);
  return q.next(db) ? q.column_int64(0) : 0;
}

// What every replay reads from the gateway's file: its schema (tables before indexes and
// triggers), the rowids of its messages and how many persons it holds.
struct Source {
  std::vector<std::string> schema;
  std::vector<std::int64_t> messages;
  std::int64_t persons = 0;
};

Source read_source(sqlite3* db) {
  Source source;
  {
    Statement q(db,
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'floor_%' "
                "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid");
    while (q.next(db)) source.schema.push_back(q.column_text(0));
  }
  {
    Statement q(db, "SELECT rowid FROM raw_message ORDER BY rowid");
    while (q.next(db)) source.messages.push_back(q.column_int64(0));
  }
  source.persons = count(db, "SELECT count(*) FROM person");
  return source;
}

FloorResult replay(const std::filesystem::path& gateway_db, const Source& source,
                   const std::filesystem::path& fresh_file, std::size_t per_transaction) {
  sqlite3* db = open_or_die(fresh_file);
  exec_or_die(db, kStorePragmas);
  const std::string attach = "ATTACH DATABASE '" + gateway_db.string() + "' AS old";
  exec_or_die(db, attach.c_str());
  for (const std::string& sql : source.schema) exec_or_die(db, sql.c_str());
  exec_or_die(db, "CREATE TEMP TABLE chunk_ids (id TEXT PRIMARY KEY)");
  FloorResult result;
  result.per_transaction = per_transaction;
  result.messages = source.messages.size();
  {
    Statement clear(db, "DELETE FROM temp.chunk_ids");
    Statement ids(db, "INSERT INTO temp.chunk_ids SELECT id FROM old.raw_message WHERE rowid BETWEEN ?1 AND ?2");
    std::vector<std::unique_ptr<Statement>> copies;
    for (const char* sql : kCopies) copies.push_back(std::make_unique<Statement>(db, sql));

    const std::vector<std::int64_t>& messages = source.messages;
    const double cpu_before = process_cpu_seconds();
    const auto started = std::chrono::steady_clock::now();
    const auto total = static_cast<std::int64_t>(messages.size());
    for (std::size_t first = 0; first < messages.size(); first += per_transaction) {
      const std::size_t last = std::min(messages.size(), first + per_transaction) - 1;
      const std::int64_t person_from = source.persons * static_cast<std::int64_t>(first) / total;
      const std::int64_t person_to = source.persons * static_cast<std::int64_t>(last + 1) / total;
      exec_or_die(db, "BEGIN IMMEDIATE");
      clear.step(db);
      ids.bind(1, messages[first]).bind(2, messages[last]).step(db);
      for (auto& copy : copies) {
        copy->bind(1, messages[first]).bind(2, messages[last]).bind(3, person_from).bind(4, person_to);
        copy->step(db);
      }
      exec_or_die(db, "COMMIT");
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    result.cpu_seconds = process_cpu_seconds() - cpu_before;
  }
  result.records = static_cast<std::size_t>(count(db, "SELECT count(*) FROM main.record"));
  sqlite3_close(db);
  return result;
}

}  // namespace

std::vector<FloorResult> replay_store_rows(const std::filesystem::path& gateway_db,
                                           const std::vector<FloorRun>& runs) {
  sqlite3* db = open_or_die(gateway_db);
  // Finding a transaction's rows in the gateway's file must not cost a scan per transaction:
  // the tables the store never looks up by message get an index for the replays, dropped after
  // them so that the file is left as the gateway wrote it (--keep shows it to whoever looks).
  exec_or_die(db,
              "CREATE INDEX IF NOT EXISTS floor_dedupe_message ON dedupe_key(message_id);"
              "CREATE INDEX IF NOT EXISTS floor_audit_message ON audit_log(message_id);");
  const Source source = read_source(db);
  std::vector<FloorResult> results;
  for (const FloorRun& run : runs) {
    results.push_back(source.messages.empty() ? FloorResult{}
                                              : replay(gateway_db, source, run.fresh_file, run.per_transaction));
  }
  exec_or_die(db, "DROP INDEX floor_dedupe_message; DROP INDEX floor_audit_message;");
  sqlite3_close(db);
  return results;
}

}  // namespace kq::bench
