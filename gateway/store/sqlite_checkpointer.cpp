#include "gateway/store/sqlite_checkpointer.hpp"

#include <sqlite3.h>

#include "gateway/log/log.hpp"
#include "gateway/store/store.hpp"

namespace kq::store::sqlite {

namespace {
// Past this many times the threshold the thread is not keeping up (a slow disk): the writer then
// copies frames itself after its commits, which holds new writes back a little. Neither can
// copy past a reader that holds an old snapshot; the WAL grows until it lets go.
constexpr int kWriterTakesOverAt = 4;
}  // namespace

Checkpointer::Checkpointer(Connection& writer, const std::filesystem::path& path,
                           int checkpoint_pages, std::chrono::milliseconds busy_timeout)
    : writer_(writer), checkpoint_pages_(checkpoint_pages > 0 ? checkpoint_pages : 1) {
  try {
    own_ = Connection(path, Connection::Mode::read_write_create);
    sqlite3_busy_timeout(own_.get(), static_cast<int>(busy_timeout.count()));
    // FULL: the checkpoint syncs the WAL before copying it and the database before the WAL may
    // be reused, so a power cut cannot lose what the copy replaced.
    own_.exec("PRAGMA synchronous = FULL; PRAGMA mmap_size = 0;");
  } catch (const SqliteError& e) {
    throw StoreError("cannot open the checkpoint connection to " + path.string() + ": " + e.what());
  }
  thread_ = std::thread([this] { run(); });
  sqlite3_wal_hook(writer_.get(), &Checkpointer::on_commit, this);  // last: nothing can throw now
}

Checkpointer::~Checkpointer() { stop(); }

void Checkpointer::stop() {
  if (!own_) return;
  sqlite3_wal_hook(writer_.get(), nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  own_ = Connection();
}

// Runs on the writer thread inside every COMMIT, after the transaction is durable.
int Checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto* c = static_cast<Checkpointer*>(self);
  // The WAL starts over from its beginning only at a write transaction that finds every frame
  // copied. The thread's checkpoint copies what was committed when it began, and the writer has
  // usually committed more by the time it ends; so after each one the writer copies that short
  // rest itself, and its next transaction reuses the WAL instead of growing it.
  const bool catch_up = c->caught_up_.exchange(false);
  if (catch_up || wal_pages >= c->checkpoint_pages_ * kWriterTakesOverAt) {
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
  if (wal_pages >= c->checkpoint_pages_) {
    {
      std::lock_guard lock(c->mutex_);
      c->due_ = true;
    }
    c->wake_.notify_one();
  }
  return SQLITE_OK;  // an error here would be reported as the COMMIT's: never fail it
}

void Checkpointer::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return due_ || stopping_; });
    if (stopping_) return;
    due_ = false;
    lock.unlock();
    int logged = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(own_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &logged, &copied);
    if (rc == SQLITE_OK) {
      ++checkpoints_;
      caught_up_ = true;
      failing_ = false;
    } else if (rc != SQLITE_BUSY && !failing_) {  // BUSY: another checkpoint is running
      failing_ = true;
      log::warn("store_checkpoint_failed", {{"error", sqlite3_errmsg(own_.get())}});
    }
    lock.lock();
  }
}

}  // namespace kq::store::sqlite
