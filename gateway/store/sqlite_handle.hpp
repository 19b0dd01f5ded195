#pragma once
// Thin RAII wrappers over the SQLite C API: a connection, a prepared statement, and one
// execution of that statement (Query), which resets the statement when it goes out of scope so
// that no read transaction is ever left open by an early return or an exception — an open read
// transaction would pin the WAL and starve checkpoints.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace kq::store::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }  // extended result code

 private:
  int code_;
};

// One execution of a prepared statement. Bound text and blobs are not copied: they must outlive
// the Query (in practice they are fields of the batch being written).
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(int index, std::string_view text);
  Query& bind(int index, std::int64_t value);
  Query& bind_blob(int index, std::string_view bytes);
  Query& bind_null(int index);
  // Empty text is stored as NULL: optional columns stay NULL rather than ''.
  Query& bind_or_null(int index, std::string_view text);

  bool next();  // true: a row is available
  void run();   // executes a statement that returns no rows

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  std::string text(int column) const;  // NULL reads as ""

 private:
  [[noreturn]] void fail(int rc) const;

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Query query() { return Query(db_, stmt_); }
  bool valid() const { return stmt_ != nullptr; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
 public:
  enum class Mode { read_write_create, read_only };

  Connection() = default;
  Connection(const std::filesystem::path& path, Mode mode);
  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* get() const { return db_; }
  explicit operator bool() const { return db_ != nullptr; }

  // Runs one or more statements that return nothing we need.
  void exec(const std::string& sql);
  // First column of the first row as text ("" if there is no row).
  std::string scalar_text(const std::string& sql);
  std::int64_t scalar_int64(const std::string& sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  bool in_transaction() const;

  // Waits up to `timeout` for a lock another connection holds, like sqlite3_busy_timeout, but
  // gives up at once when *give_up turns true. SQLite's own wait cannot be cut short, not even by
  // sqlite3_interrupt, and a shutdown must not sit out a lock some other process holds.
  // `give_up` must outlive the connection (or the next call). sqlite3_busy_timeout() on this
  // connection replaces it.
  void set_busy_wait(std::chrono::milliseconds timeout, const std::atomic<bool>* give_up);

 private:
  struct BusyWait {
    std::chrono::milliseconds timeout{0};
    const std::atomic<bool>* give_up = nullptr;
    std::chrono::steady_clock::time_point since;
  };
  static int on_busy(void* wait, int attempts);
  void close();
  sqlite3* db_ = nullptr;
  std::unique_ptr<BusyWait> busy_wait_;  // the state on_busy reads; stable across moves
};

}  // namespace kq::store::sqlite
