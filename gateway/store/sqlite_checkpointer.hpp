#pragma once
// Copies the WAL back into the database file on a thread of its own, so that the writer copies
// only the little that was committed while that ran.
//
// SQLite's automatic checkpoint runs inside the COMMIT of whichever transaction pushed the WAL
// past the threshold: the writer thread then copies megabytes of pages and fsyncs the database
// file while every caller in the next group waits. Here the writer's WAL hook only notes the WAL
// size after each commit and wakes this thread once it passes `checkpoint_pages`; the thread runs
// a PASSIVE checkpoint on its own connection, which SQLite allows beside a writer in WAL mode.
// After each such checkpoint the writer copies the few frames committed while it ran, so that
// its next transaction finds every frame copied and restarts the WAL from the beginning (if no
// reader still needs the old frames); otherwise the WAL would keep growing under steady load.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <thread>

#include "gateway/store/sqlite_handle.hpp"

namespace kq::store::sqlite {

class Checkpointer {
 public:
  // Installs the WAL hook on `writer` (which turns its auto-checkpoint off) and opens a
  // connection of its own to `path`. Throws StoreError if that connection cannot be opened.
  Checkpointer(Connection& writer, const std::filesystem::path& path, int checkpoint_pages,
               std::chrono::milliseconds busy_timeout);
  ~Checkpointer();  // stop()

  // Removes the hook, stops the thread and closes the connection; checkpoints() stays readable.
  // Call before the writer connection closes. Idempotent.
  void stop();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  std::uint64_t checkpoints() const { return checkpoints_.load(); }

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  Connection& writer_;
  Connection own_;
  const int checkpoint_pages_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool failing_ = false;  // thread only: log a failure once, not at every commit
  bool stopping_ = false;
  std::atomic<std::uint64_t> checkpoints_{0};
  std::atomic<bool> caught_up_{false};  // a checkpoint finished: the writer copies the rest
  std::thread thread_;
};

}  // namespace kq::store::sqlite
