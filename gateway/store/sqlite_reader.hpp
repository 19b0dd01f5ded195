#pragma once
// Read side of the SQLite store: a small pool of read-only connections, each with its prepared
// statements, lent out as a Reader for one use. Readers never touch the writer's connection, so in
// WAL mode they neither wait for the writer nor hold it up.
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "gateway/store/store.hpp"

namespace kq::store::sqlite {

struct ReaderSession;  // a connection and its lazily prepared statements

class ReaderPool : public std::enable_shared_from_this<ReaderPool> {
 public:
  ReaderPool(std::filesystem::path path, std::chrono::milliseconds busy_timeout,
             std::size_t max_idle);
  ~ReaderPool();

  // Lends an idle session, or opens a new one when all are in use (never blocks on the pool).
  // Throws StoreError after close().
  std::unique_ptr<Reader> acquire();
  // Keeps the session for reuse unless the pool is full or closed.
  void give_back(std::unique_ptr<ReaderSession> session);
  // Closes idle sessions and refuses new ones; sessions still lent out close when returned.
  void close();

 private:
  std::filesystem::path path_;
  std::chrono::milliseconds busy_timeout_;
  std::size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<ReaderSession>> idle_;
  bool closed_ = false;
};

}  // namespace kq::store::sqlite
