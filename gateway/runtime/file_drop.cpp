#include "gateway/runtime/file_drop.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <optional>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/atomic_file.hpp"
#include "gateway/log/log.hpp"

namespace kq::runtime {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kIncoming = "incoming";
constexpr const char* kWork = "work";
constexpr const char* kDone = "done";
constexpr const char* kFailed = "failed";
constexpr std::string_view kReceiptSuffix = ".receipt";
constexpr auto kRetryPause = 2s;  // after a store that could not commit

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Names a sender uses while writing (".x", "x.part") and the host's own receipts are never taken.
bool takeable(const std::string& name) {
  return !name.empty() && name.front() != '.' && !ends_with(name, ".part") && !ends_with(name, kReceiptSuffix);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Regular files of `dir` that may be taken, in name order. Errors (the folder went away) yield
// nothing and are logged once per call.
std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    std::string name = it->path().filename().string();
    if (takeable(name)) names.push_back(std::move(name));
  }
  if (ec) log::warn("file_drop_unreadable", {{"folder", dir.string()}, {"error", ec.message()}});
  std::sort(names.begin(), names.end());
  return names;
}

// What a file in incoming/ looked like, and since when it has looked so.
struct Seen {
  std::uintmax_t size = 0;
  fs::file_time_type modified;
  std::chrono::steady_clock::time_point since;
};

// Moves every file of incoming/ that has stayed unchanged for `settle` into work/; returns how
// many it moved. A file whose name is already in work/ waits until that one is finished.
std::size_t claim_settled(const fs::path& root, std::map<std::string, Seen>& seen, std::chrono::milliseconds settle) {
  const auto now = std::chrono::steady_clock::now();
  const std::vector<std::string> names = files_in(root / kIncoming);
  std::map<std::string, Seen> still;
  std::size_t claimed = 0;
  for (const std::string& name : names) {
    const fs::path file = root / kIncoming / name;
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(file, ec);
    const fs::file_time_type modified = ec ? fs::file_time_type{} : fs::last_write_time(file, ec);
    if (ec) continue;  // gone or unreadable meanwhile
    auto it = seen.find(name);
    Seen state{size, modified, now};
    if (it != seen.end() && it->second.size == size && it->second.modified == modified) state.since = it->second.since;
    if (now - state.since < settle || fs::exists(root / kWork / name, ec)) {
      still.emplace(name, state);
      continue;
    }
    // rename(2) within one file system is atomic: the file is either still in incoming/ or
    // wholly in work/, whatever happens to the process.
    fs::rename(file, root / kWork / name, ec);
    if (ec) {
      if (ec != std::errc::no_such_file_or_directory) {
        log::warn("file_drop_claim_failed", {{"file", file.string()}, {"error", ec.message()}});
      }
      continue;
    }
    ++claimed;
  }
  seen = std::move(still);
  return claimed;
}

struct Read {
  std::optional<std::string> bytes;
  std::string error;
};

Read read_file(const fs::path& file, std::uint64_t max_bytes) {
  Read r;
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(file, ec);
  if (ec) {
    r.error = "cannot read the file: " + ec.message();
    return r;
  }
  if (max_bytes > 0 && size > max_bytes) {
    r.error = "the file has " + std::to_string(size) + " bytes, more than the " + std::to_string(max_bytes) +
              " this drop takes";
    return r;
  }
  std::ifstream in(file, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    r.error = "cannot read the file";
    return r;
  }
  r.bytes = std::move(bytes);
  return r;
}

// Moves work/<name> to done/ or failed/ with its receipt beside it. A name already there gets the
// time appended, so an earlier file of the same name is never overwritten.
void finish_file(const fs::path& root, const std::string& name, DropResult result, const std::string& receipt,
                 const std::vector<std::pair<std::string, std::string>>& attachments = {}) {
  const fs::path folder = root / (result == DropResult::done ? kDone : kFailed);
  std::error_code ec;
  std::string final_name = name;
  if (fs::exists(folder / final_name, ec)) final_name += "." + std::to_string(now_ms());
  // The receipt first: if the process stops between the two, the file is still in work/, runs
  // again (a duplicate) and gets its receipt again.
  ec = core::write_file_atomically(folder / (final_name + std::string(kReceiptSuffix)), receipt);
  if (ec) log::warn("file_drop_receipt_failed", {{"file", (folder / final_name).string()}, {"error", ec.message()}});
  for (const auto& [suffix, bytes] : attachments) {  // ABI 1.4 ack_attach: a rejects file, say
    ec = core::write_file_atomically(folder / (final_name + suffix), bytes);
    if (ec) log::warn("file_drop_receipt_failed", {{"file", (folder / (final_name + suffix)).string()}, {"error", ec.message()}});
  }
  fs::rename(root / kWork / name, folder / final_name, ec);
  if (ec) log::error("file_drop_move_failed", {{"file", (root / kWork / name).string()}, {"error", ec.message()}});
}

void prepare_folders(const fs::path& root) {
  for (const char* sub : {kIncoming, kWork, kDone, kFailed}) {
    std::error_code ec;
    fs::create_directories(root / sub, ec);
    if (ec) log::error("file_drop_folder_failed", {{"folder", (root / sub).string()}, {"error", ec.message()}});
  }
}

std::string host_receipt(const std::string& error) {
  boost::json::object o;
  o["outcome"] = "rejected";
  o["reason"] = error;
  return boost::json::serialize(o);
}

}  // namespace

DropResult drop_result_of(const plugin_host::AckReply& reply) {
  switch (reply.outcome) {
    case KQ_OUTCOME_COMMITTED:
    case KQ_OUTCOME_DUPLICATE:
    case KQ_OUTCOME_NOTHING_TO_DO: return DropResult::done;
    case KQ_OUTCOME_TRANSIENT: return DropResult::retry;
    default: return DropResult::failed;
  }
}

// What a drop worker serves a folder with: the adapter instance and its settings. A reload binds
// the running worker to the new instance (DropWorkers::start), so a folder never has two workers:
// a second one would take the file the first still has in work/ and ingest it again.
struct DropBinding {
  std::shared_ptr<const plugin_host::AdapterInstance> adapter;
  plugin_host::FileDrop drop;
  DropSender sender;
  std::uint64_t max_bytes = 0;
  IngestFn ingest;
  RosterServices roster;
  std::shared_ptr<std::atomic<bool>> alive;
};

// One drop folder's loop, as callbacks rather than a coroutine: every step does its file work on
// the blocking pool and hands on to the next (a timer on the I/O context when there is nothing to
// do), so one step of a folder runs at a time and no I/O thread ever touches the disk. Each step
// reads the binding once and uses that snapshot until the file it took is finished.
class DropWorker : public std::enable_shared_from_this<DropWorker> {
 public:
  DropWorker(asio::io_context& ioc, asio::thread_pool& blocking, metrics::CounterFamily& files, DropBinding binding)
      : ioc_(ioc),
        timer_(ioc),
        root_(binding.drop.directory),
        blocking_(blocking),
        files_(files),
        poll_(std::clamp<std::chrono::milliseconds>(binding.drop.settle / 2, 100ms, 1000ms)),
        binding_(std::make_shared<const DropBinding>(std::move(binding))) {}

  void start() {
    // On the caller's (control) thread, before the gateway says it is ready: a sender that waits
    // for /readyz finds the folders there.
    prepare_folders(root_);
    running_ = true;
    next();
  }

  // A reload: the next file goes to the new instance; a loop that stopped (its old instance's
  // flag went down before the rebind) starts again.
  void rebind(DropBinding binding) {
    std::atomic_store(&binding_, std::make_shared<const DropBinding>(std::move(binding)));
    if (!running_.exchange(true)) next();
  }

  bool running() const { return running_.load(); }

 private:
  using Binding = std::shared_ptr<const DropBinding>;

  void next() {
    asio::post(blocking_, [self = shared_from_this()] { self->step(); });
  }

  void wait(std::chrono::milliseconds d) {
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code) { self->next(); });
  }

  // On the blocking pool: a file in work/ (one left by a stopped gateway, or one whose commit
  // must be retried) goes first; else settled files are claimed from incoming/.
  void step() {
    const Binding b = std::atomic_load(&binding_);
    if (!b->alive->load()) {
      running_ = false;
      // A rebind between the load and the store above found the loop running: run for it.
      if (std::atomic_load(&binding_) != b && !running_.exchange(true)) next();
      return;
    }
    const std::vector<std::string> work = files_in(root_ / kWork);
    if (work.empty()) {
      if (claim_settled(root_, seen_, b->drop.settle) > 0) {
        next();
      } else {
        wait(poll_);
      }
      return;
    }
    const std::string& name = work.front();
    if (b->drop.rows_per_chunk > 0) return sync_roster(b, name);
    Read read = read_file(root_ / kWork / name, b->max_bytes);
    const std::string& adapter = b->adapter->name();
    if (!read.bytes) {
      log::warn("file_drop_refused", {{"adapter", adapter}, {"drop", b->drop.name}, {"file", name}, {"reason", read.error}});
      finish_file(root_, name, DropResult::failed, host_receipt(read.error));
      files_.inc({adapter, "failed"});
      next();
      return;
    }
    plugin_host::Inbound in;
    in.adapter = adapter;
    in.transport = core::Transport::file;
    in.channel = b->drop.name;
    in.file_name = name;  // as dropped: claiming keeps the name (incoming/x → work/x)
    in.content_type = "application/octet-stream";
    in.payload = std::move(*read.bytes);
    in.principal = b->sender.principal;
    in.organisation = b->sender.organisation;
    in.received_at_ms = now_ms();
    log::info("file_drop_taken", {{"adapter", adapter}, {"drop", b->drop.name}, {"file", name},
                                  {"bytes", static_cast<std::int64_t>(in.payload.size())}});
    b->ingest(b->adapter, std::move(in), [self = shared_from_this(), b, name](plugin_host::AckReply reply) {
      asio::post(self->blocking_, [self, b, name, reply = std::move(reply)] { self->finish(*b, name, reply); });
    });
  }

  // A roster file, chunk by chunk (roster_drop.hpp); the sync report is its receipt.
  void sync_roster(const Binding& b, const std::string& name) {
    log::info("file_drop_taken", {{"adapter", b->adapter->name()}, {"drop", b->drop.name}, {"file", name}});
    // The run goes on across reloads that keep the folder: it asks the worker's binding in force.
    auto serving = [weak = weak_from_this()] {
      const auto self = weak.lock();
      return self != nullptr && std::atomic_load(&self->binding_)->alive->load();
    };
    auto run = std::make_shared<RosterFileRun>(ioc_, blocking_, b->adapter, b->drop,
                                               RosterSender{b->sender.principal, b->sender.organisation}, b->roster,
                                               std::move(serving));
    run->start(root_, name, [self = shared_from_this(), b, name](RosterFileResult result) {
      if (result.stopped) return self->step();  // stops the loop, unless a rebind came meanwhile
      finish_file(self->root_, name, result.done ? DropResult::done : DropResult::failed, result.receipt);
      self->files_.inc({b->adapter->name(), result.done ? "done" : "failed"});
      self->next();
    });
  }

  void finish(const DropBinding& b, const std::string& name, const plugin_host::AckReply& reply) {
    const DropResult result = drop_result_of(reply);
    if (result == DropResult::retry) {
      files_.inc({b.adapter->name(), "retry"});
      wait(std::chrono::duration_cast<std::chrono::milliseconds>(kRetryPause));
      return;
    }
    finish_file(root_, name, result, reply.body, reply.attachments);
    files_.inc({b.adapter->name(), result == DropResult::done ? "done" : "failed"});
    next();
  }

  asio::io_context& ioc_;
  asio::steady_timer timer_;
  fs::path root_;
  asio::thread_pool& blocking_;
  metrics::CounterFamily& files_;
  std::chrono::milliseconds poll_;
  Binding binding_;                   // atomic_load / atomic_store only
  std::atomic<bool> running_{false};  // the loop is going (a step or a wait is pending)
  std::map<std::string, Seen> seen_;  // incoming/ as the last step saw it
};

void DropWorkers::start(asio::io_context& ioc, std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                        plugin_host::FileDrop drop, DropSender sender, std::uint64_t max_bytes,
                        asio::thread_pool& blocking, IngestFn ingest, metrics::CounterFamily& files,
                        std::shared_ptr<std::atomic<bool>> alive, RosterServices roster) {
  const std::string key = adapter->name() + "\n" + drop.directory;
  DropBinding binding{std::move(adapter), std::move(drop), std::move(sender), max_bytes, std::move(ingest),
                      std::move(roster), std::move(alive)};
  std::lock_guard lock(mutex_);
  auto& worker = workers_[key];
  if (worker) {
    worker->rebind(std::move(binding));
    return;
  }
  worker = std::make_shared<DropWorker>(ioc, blocking, files, std::move(binding));
  worker->start();
}

std::size_t DropWorkers::running() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [key, worker] : workers_) n += worker->running() ? 1 : 0;
  return n;
}

std::size_t DropWorkers::size() const {
  std::lock_guard lock(mutex_);
  return workers_.size();
}

}  // namespace kq::runtime
