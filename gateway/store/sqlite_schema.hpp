#pragma once
// Opening a SQLite database for the store: connection pragmas, the versioned migrations
// (PRAGMA user_version + an ordered list of SQL in code). Opening does no work that grows with
// the database; the full check is in sqlite_check.hpp.
#include <chrono>
#include <cstdint>
#include <filesystem>

#include "gateway/store/sqlite_handle.hpp"
#include "gateway/store/store.hpp"

namespace kq::store::sqlite {

// The schema version this build writes; databases newer than this are refused.
int latest_schema_version();

// Creates the database at `path` (or brings it) up to schema `version` and no further, as the
// build that wrote that version left it: how the upgrade tests make a file from an older release.
void create_at_schema_version(const std::filesystem::path& path, int version);

// PRAGMA application_id of a Kangqiao store ("KQDB"): names the file for tools such as `file`,
// and rewriting it is the store's write probe (sqlite_store.cpp), which needs no table of its own.
inline constexpr std::int64_t kApplicationId = 0x4B514442;

// Opens the writer connection: applies every pragma, refuses a newer schema and brings the
// schema up to date, each migration in its own transaction. Throws StoreError (retryable() when
// another connection held a lock for longer than the busy timeout).
Connection open_writer_connection(const SqliteOptions& options);

// Opens a read-only connection on a database the writer has already opened. Throws StoreError.
Connection open_reader_connection(const std::filesystem::path& path,
                                  std::chrono::milliseconds busy_timeout);

}  // namespace kq::store::sqlite
