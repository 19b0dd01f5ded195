#pragma once
// Helpers shared by the store tests: a private temporary directory per test, and a way to submit
// a batch and wait for its result.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>

#include "gateway/log/log.hpp"
#include "gateway/store/store.hpp"

namespace kq::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kq-store-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline WriteResult submit_and_wait(Store& store, WriteBatch batch) {
  auto promise = std::make_shared<std::promise<WriteResult>>();
  auto future = promise->get_future();
  store.submit(std::move(batch), [promise](WriteResult r) { promise->set_value(std::move(r)); });
  return future.get();
}

inline RecordEnvelope make_record(std::string kind, std::string id = {}, std::string person = {}) {
  RecordEnvelope r;
  r.kind = std::move(kind);
  r.id = std::move(id);
  r.person_id = std::move(person);
  r.org_id = "org-1";
  r.body = {{"code", "8302-2"}, {"value", 172.5}, {"unit", "cm"}};
  return r;
}

inline RawMessage make_message(std::string payload) {
  RawMessage m;
  m.inbound.adapter = "his-1";
  m.inbound.transport = core::Transport::mllp;
  m.inbound.listener = "hl7";
  m.inbound.channel = "hl7";
  m.inbound.content_type = "application/hl7-v2";
  m.inbound.payload = std::move(payload);
  m.inbound.received_at_ms = 1700000000000;
  m.inbound.peer_address = "127.0.0.1:5000";
  m.inbound.organisation = "org-1";
  return m;
}

// A plain read-write connection opened beside the store, for checks the Reader API does not offer.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open failed");
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // Returns "" on success, otherwise SQLite's error message.
  std::string exec(const std::string& sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    std::string out = rc == SQLITE_OK ? "" : (message != nullptr ? message : "error");
    sqlite3_free(message);
    return out;
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

class StoreTest : public ::testing::Test {
 protected:
  // The store logs every open and close at info level; the tests only care about problems.
  void SetUp() override { log::set_level(log::Level::warn); }

  SqliteOptions options() const {
    SqliteOptions o;
    o.path = dir_.path() / "kq.db";
    return o;
  }
  std::unique_ptr<Store> open(const SqliteOptions& o) { return make_sqlite_store(o); }
  std::unique_ptr<Store> open() { return open(options()); }
  std::filesystem::path db_path() const { return dir_.path() / "kq.db"; }

  TempDir dir_;
};

}  // namespace kq::store::testing
