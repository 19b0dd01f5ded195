#pragma once
// Opening a SQLite database for the store: connection pragmas, the versioned migrations
// (PRAGMA user_version + an ordered list of SQL in code), and the start-up quick_check.
#include <chrono>
#include <filesystem>

#include "gateway/store/sqlite_handle.hpp"
#include "gateway/store/store.hpp"

namespace kq::store::sqlite {

// The schema version this build writes; databases newer than this are refused.
int latest_schema_version();

// Opens the writer connection: applies every pragma, refuses a newer schema, runs quick_check and
// brings the schema up to date, each migration in its own transaction. Throws StoreError.
Connection open_writer_connection(const SqliteOptions& options);

// Opens a read-only connection on a database the writer has already opened. Throws StoreError.
Connection open_reader_connection(const std::filesystem::path& path,
                                  std::chrono::milliseconds busy_timeout);

}  // namespace kq::store::sqlite
