#include "gateway/store/sqlite_handle.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <thread>
#include <utility>

namespace kq::store::sqlite {
namespace {

[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view context) {
  std::string what(context);
  what += ": ";
  what += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError(db != nullptr ? sqlite3_extended_errcode(db) : rc, what);
}

int to_int_length(std::size_t size) {
  // SQLite takes lengths as int; anything this large is refused by SQLITE_MAX_LENGTH anyway.
  return size > 0x7fffffffU ? -1 : static_cast<int>(size);
}

}  // namespace

Query::~Query() {
  // Ends the statement's implicit read transaction now rather than at the next use.
  sqlite3_reset(stmt_);
}

void Query::fail(int rc) const { throw_error(db_, rc, sqlite3_sql(stmt_)); }

Query& Query::bind(int index, std::string_view text) {
  int rc = sqlite3_bind_text(stmt_, index, text.data(), to_int_length(text.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK) fail(rc);
  return *this;
}

Query& Query::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(rc);
  return *this;
}

Query& Query::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
  static const char empty = 0;
  const char* data = bytes.empty() ? &empty : bytes.data();
  int rc = sqlite3_bind_blob(stmt_, index, data, to_int_length(bytes.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK) fail(rc);
  return *this;
}

Query& Query::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) fail(rc);
  return *this;
}

Query& Query::bind_or_null(int index, std::string_view text) {
  return text.empty() ? bind_null(index) : bind(index, text);
}

bool Query::next() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc);
}

void Query::run() {
  while (next()) {
  }
}

bool Query::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Query::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Query::text(int column) const {
  // Blob access works for both TEXT and BLOB columns and never stops at an embedded NUL.
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  // PERSISTENT: these statements live as long as the connection and are reused for every row.
  int rc = sqlite3_prepare_v3(db, sql.data(), to_int_length(sql.size()), SQLITE_PREPARE_PERSISTENT,
                              &stmt_, nullptr);
  if (rc != SQLITE_OK) throw_error(db, rc, "prepare " + std::string(sql));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Connection::Connection(const std::filesystem::path& path, Mode mode) {
  // NOMUTEX: every connection is used by one thread at a time (the writer, or one Reader).
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |=
      mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string what = "cannot open " + path.string() + ": " +
                       (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    close();
    throw SqliteError(rc, what);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() { close(); }

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), busy_wait_(std::move(other.busy_wait_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::exchange(other.db_, nullptr);
    busy_wait_ = std::move(other.busy_wait_);
  }
  return *this;
}

void Connection::set_busy_wait(std::chrono::milliseconds timeout, const std::atomic<bool>* give_up) {
  if (!busy_wait_) busy_wait_ = std::make_unique<BusyWait>();
  busy_wait_->timeout = timeout;
  busy_wait_->give_up = give_up;
  sqlite3_busy_handler(db_, &Connection::on_busy, busy_wait_.get());
}

int Connection::on_busy(void* state, int attempts) {
  auto* wait = static_cast<BusyWait*>(state);
  const auto now = std::chrono::steady_clock::now();
  if (attempts == 0) wait->since = now;
  if (wait->give_up != nullptr && wait->give_up->load()) return 0;
  const auto waited = now - wait->since;
  if (waited >= wait->timeout) return 0;
  // Short sleeps first (most locks are held for a commit or two), never more than 10 ms, so a
  // give-up is noticed quickly.
  constexpr std::chrono::milliseconds kSteps[] = {std::chrono::milliseconds(1), std::chrono::milliseconds(2),
                                                  std::chrono::milliseconds(5)};
  const auto step = attempts < 3 ? kSteps[attempts] : std::chrono::milliseconds(10);
  std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(step, wait->timeout - waited));
  return 1;
}

void Connection::close() {
  if (db_ != nullptr) {
    // close_v2 defers the close if a statement is still alive instead of failing with BUSY.
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
}

void Connection::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string what =
        sql.substr(0, 80) + ": " + (message != nullptr ? message : sqlite3_errstr(rc));
    sqlite3_free(message);
    throw SqliteError(sqlite3_extended_errcode(db_), what);
  }
}

std::string Connection::scalar_text(const std::string& sql) {
  Statement statement(db_, sql);
  Query q = statement.query();
  return q.next() ? q.text(0) : std::string();
}

std::int64_t Connection::scalar_int64(const std::string& sql) {
  Statement statement(db_, sql);
  Query q = statement.query();
  return q.next() ? q.int64(0) : 0;
}

bool Connection::in_transaction() const {
  return db_ != nullptr && sqlite3_get_autocommit(db_) == 0;
}

}  // namespace kq::store::sqlite
