// Crash test: a child process writes through the store from many threads and reports each write
// it has been acknowledged for; the parent SIGKILLs it mid-stream, reopens the database and checks
// that every acknowledged write is there exactly once. Several cycles run on the same file, so
// recovery from one crash is itself crashed into.
//
// This is the Kafka Connect bounce test in miniature: ids in, gap/duplicate check out.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "gateway/log/log.hpp"
#include "gateway/store/store.hpp"

namespace kq::store {
namespace {

constexpr int kCycles = 4;
constexpr int kChildThreads = 16;
constexpr auto kRunBeforeKill = std::chrono::milliseconds(1500);

// Child side: never returns. Each acknowledged write becomes one line "<record id>\n" on `out`;
// a line is far below PIPE_BUF, so each write(2) is atomic and lines never interleave.
[[noreturn]] void run_writer_child(const std::filesystem::path& db, int out, int cycle) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test runner
  ::alarm(60);                         // nor a parent that forgot to kill us
  log::set_level(log::Level::warn);
  try {
    SqliteOptions options;
    options.path = db;
    auto store = make_sqlite_store(options);
    std::vector<std::thread> threads;
    for (int t = 0; t < kChildThreads; ++t) {
      threads.emplace_back([&store, out, cycle, t] {
        std::binary_semaphore acked(0);
        for (long n = 0;; ++n) {
          const std::string id =
              "c" + std::to_string(cycle) + "-t" + std::to_string(t) + "-" + std::to_string(n);
          WriteBatch b;
          b.message = RawMessage{};
          b.message->inbound.adapter = "kill9";
          b.message->inbound.channel = "test";
          b.message->inbound.content_type = "text/plain";
          b.message->inbound.payload = "payload of " + id;
          b.message->inbound.received_at_ms = 1;
          b.dedupe = DedupeKey{"kill9", id};
          RecordEnvelope& r = b.records.emplace_back();
          r.kind = "observation";
          r.id = id;
          r.org_id = "org-1";
          r.body = {{"value", n}, {"id", id}};
          b.audit.push_back({0, "110107", kq::store::AuditAction::create, kq::store::AuditOutcome::success, "kill9", "org-1", {}});
          WriteResult result;
          store->submit(std::move(b), [&](WriteResult done) {
            result = std::move(done);
            acked.release();
          });
          acked.acquire();
          std::string line =
              result.status == WriteStatus::committed ? id : "FAILED " + result.error;
          line.push_back('\n');
          if (::write(out, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
            ::_exit(3);
        }
      });
    }
    for (auto& t : threads) t.join();
  } catch (const std::exception& e) {
    std::string line = std::string("FAILED ") + e.what() + "\n";
    [[maybe_unused]] auto ignored = ::write(out, line.data(), line.size());
  }
  ::_exit(2);
}

// Parent side: collects complete lines until the deadline, or until EOF when deadline is null.
void read_acks(int in, std::string& pending, std::vector<std::string>& acks,
               std::chrono::steady_clock::time_point* deadline) {
  char buf[65536];
  for (;;) {
    if (deadline != nullptr) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      pollfd p{in, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    }
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n <= 0) return;  // EOF: the child is gone and the pipe is drained
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      acks.push_back(pending.substr(start, nl - start));
    }
    pending.erase(0, start);
  }
}

class Db {
 public:
  explicit Db(const std::filesystem::path& path) { sqlite3_open(path.c_str(), &db_); }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  std::string text(const char* sql) {
    sqlite3_stmt* s = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(s, 0);
      if (t != nullptr) out = reinterpret_cast<const char*>(t);
    }
    sqlite3_finalize(s);
    return out;
  }
  // Rows with this record id: 1 means present exactly once (a second write would be version 2).
  int count_record(const std::string& id) {
    if (count_ == nullptr) {
      sqlite3_prepare_v2(db_, "SELECT count(*) FROM record WHERE id = ?1", -1, &count_, nullptr);
    }
    sqlite3_bind_text(count_, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    int n = sqlite3_step(count_) == SQLITE_ROW ? sqlite3_column_int(count_, 0) : -1;
    sqlite3_reset(count_);
    return n;
  }
  void finish() {
    sqlite3_finalize(count_);
    count_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* count_ = nullptr;
};

TEST(StoreKill9, EveryAcknowledgedWriteSurvivesSigkill) {
  std::string pattern = (std::filesystem::temp_directory_path() / "kq-kill9-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path dir = pattern;
  const std::filesystem::path db = dir / "kq.db";
  log::set_level(log::Level::warn);

  std::vector<std::string> acked_total;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    // Fork while single-threaded: the previous cycle's store has been shut down and joined.
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      run_writer_child(db, fds[1], cycle);
    }
    ::close(fds[1]);
    std::vector<std::string> acks;
    std::string pending;
    auto deadline = std::chrono::steady_clock::now() + kRunBeforeKill;
    read_acks(fds[0], pending, acks, &deadline);
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    read_acks(fds[0], pending, acks, nullptr);  // lines written before the kill still count
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer child ended on its own (status " << status << ")";
    for (const std::string& a : acks) ASSERT_EQ(a.rfind("FAILED", 0), std::string::npos) << a;
    ASSERT_GT(acks.size(), 100u) << "too few writes to make the test meaningful";
    acked_total.insert(acked_total.end(), acks.begin(), acks.end());

    {
      // The store's own open recovers the WAL the child left behind.
      SqliteOptions options;
      options.path = db;
      auto store = make_sqlite_store(options);
      auto counts = store->reader()->row_counts();
      // Whole batches or nothing: each write has one message, record, dedupe key and audit row.
      EXPECT_EQ(counts["record"], counts["raw_message"]);
      EXPECT_EQ(counts["record"], counts["dedupe_key"]);
      EXPECT_EQ(counts["record"], counts["audit_log"]);
      EXPECT_GE(counts["record"], static_cast<std::int64_t>(acked_total.size()));
      store->shutdown();
    }
    Db check(db);
    EXPECT_EQ(check.text("PRAGMA integrity_check"), "ok");
    int missing_or_doubled = 0;
    for (const std::string& id : acked_total) {
      int n = check.count_record(id);
      if (n != 1 && ++missing_or_doubled <= 5) {
        ADD_FAILURE() << "acknowledged " << id << " found " << n << " times";
      }
    }
    check.finish();
    EXPECT_EQ(missing_or_doubled, 0) << "cycle " << cycle;
    std::printf("cycle %d: %zu acknowledged writes before SIGKILL, %zu in total, all present\n",
                cycle, acks.size(), acked_total.size());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace kq::store
