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

std::vector<std::int64_t> int_column(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    die(std::string("floor: ") + sqlite3_errmsg(db));
  }
  std::vector<std::int64_t> out;
  while (sqlite3_step(stmt) == SQLITE_ROW) out.push_back(sqlite3_column_int64(stmt, 0));
  sqlite3_finalize(stmt);
  return out;
}

// The gateway's schema, tables before indexes and triggers.
void copy_schema(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  const char* sql =
      "SELECT sql FROM old.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
      "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid";
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    die(std::string("floor: ") + sqlite3_errmsg(db));
  }
  std::vector<std::string> statements;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    statements.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  for (const std::string& s : statements) exec_or_die(db, s.c_str());
}

}  // namespace

FloorResult replay_store_rows(const std::filesystem::path& gateway_db,
                              const std::filesystem::path& fresh_file,
                              std::size_t per_transaction) {
  sqlite3* db = nullptr;
  if (sqlite3_open(fresh_file.c_str(), &db) != SQLITE_OK) die("cannot open " + fresh_file.string());
  exec_or_die(db, kStorePragmas);
  const std::string attach = "ATTACH DATABASE '" + gateway_db.string() + "' AS old";
  exec_or_die(db, attach.c_str());
  copy_schema(db);
  exec_or_die(db, "CREATE TEMP TABLE chunk_ids (id TEXT PRIMARY KEY)");
  // Finding a transaction's rows in the gateway's file must not cost a scan per transaction:
  // the tables the store never looks up by message get an index here, in the copy being read.
  exec_or_die(db,
              "CREATE INDEX IF NOT EXISTS old.floor_dedupe_message ON dedupe_key(message_id);"
              "CREATE INDEX IF NOT EXISTS old.floor_audit_message ON audit_log(message_id);");

  const std::vector<std::int64_t> messages =
      int_column(db, "SELECT rowid FROM old.raw_message ORDER BY rowid");
  const std::int64_t persons = int_column(db, "SELECT count(*) FROM old.person").front();
  FloorResult result;
  result.messages = messages.size();
  if (messages.empty()) {
    sqlite3_close(db);
    return result;
  }
  {
    Statement clear(db, "DELETE FROM temp.chunk_ids");
    Statement ids(db, "INSERT INTO temp.chunk_ids SELECT id FROM old.raw_message WHERE rowid BETWEEN ?1 AND ?2");
    std::vector<std::unique_ptr<Statement>> copies;
    for (const char* sql : kCopies) copies.push_back(std::make_unique<Statement>(db, sql));

    const double cpu_before = process_cpu_seconds();
    const auto started = std::chrono::steady_clock::now();
    const auto total = static_cast<std::int64_t>(messages.size());
    for (std::size_t first = 0; first < messages.size(); first += per_transaction) {
      const std::size_t last = std::min(messages.size(), first + per_transaction) - 1;
      const std::int64_t person_from = persons * static_cast<std::int64_t>(first) / total;
      const std::int64_t person_to = persons * static_cast<std::int64_t>(last + 1) / total;
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
  result.records = static_cast<std::size_t>(int_column(db, "SELECT count(*) FROM main.record").front());
  // The gateway's file is left as the gateway wrote it (--keep shows it to whoever looks).
  exec_or_die(db, "DROP INDEX old.floor_dedupe_message; DROP INDEX old.floor_audit_message;");
  sqlite3_close(db);
  return result;
}

}  // namespace kq::bench
