// The transports the host runs for plugins besides listeners (plugin ABI 1.3/1.4): interval and
// calendar schedules, drop folders and roster syncs. They start with the adapters and again with
// each reload's adapters; `alive` turns false for the old set.
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/net/await_callback.hpp"
#include "gateway/runtime/gateway.hpp"

namespace kq::runtime {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// A dropped file is read whole into memory before it is decoded, like a request body: the largest
// batch in use (30,000 POS records, a district roster) is a few MiB.
constexpr std::uint64_t kMaxDropFileBytes = 256ULL << 20;

}  // namespace

void Gateway::start_schedules(const AdapterSet& set) {
  auto alive = std::make_shared<std::atomic<bool>>(true);
  schedules_alive_ = alive;
  schedule_board_.clear();
  // A reload must not catch up: the old instance may still be running the very run that the
  // last-run file does not yet record, and runs never overlap.
  const bool at_start = !schedules_started_;
  schedules_started_ = true;
  auto& drop_files = metrics_.counter("kangqiao_file_drop_files_total",
                                      "Files taken from drop folders, by adapter and where they went "
                                      "(done, failed, retry: left in work/ after a store failure).",
                                      {"adapter", "result"});
  for (const auto& adapter : set.instances) {
    for (const auto& schedule : adapter->schedules()) {
      ++schedule_coroutines_;
      asio::co_spawn(ioc_, run_schedule(adapter, schedule, alive, at_start),
                     [this](const std::exception_ptr&) { --schedule_coroutines_; });
    }
    for (const auto& drop : adapter->file_drops()) {
      DropSender sender;
      for (const auto& p : set.routes->principals) {
        if (p.name == drop.principal) sender = DropSender{p.name, p.organisation};
      }
      IngestFn ingest = [this](std::shared_ptr<const plugin_host::AdapterInstance> a, plugin_host::Inbound in,
                               std::function<void(plugin_host::AckReply)> done) {
        this->ingest(std::move(a), std::move(in), std::move(done));
      };
      drop_workers_.start(ioc_, adapter, drop, sender, kMaxDropFileBytes, blocking_, std::move(ingest), drop_files,
                          alive, drop.rows_per_chunk > 0 ? roster_services() : RosterServices{});
    }
  }
}

RosterServices Gateway::roster_services() {
  RosterServices r;
  r.ingest_chunk = [this](std::shared_ptr<const plugin_host::AdapterInstance> adapter, plugin_host::Inbound in,
                          std::shared_ptr<const pipeline::RosterChunk> chunk,
                          std::function<void(plugin_host::AckReply)> done) {
    if (open_store_or_null() == nullptr) {
      plugin_host::AckReply reply;  // TRANSIENT: the chunk is tried again
      asio::post(blocking_, [done = std::move(done), reply = std::move(reply)]() mutable { done(std::move(reply)); });
      return;
    }
    pipeline_->ingest_roster_chunk(std::move(adapter), std::move(in), std::move(chunk), std::move(done));
  };
  r.finish = [this](const store::RosterSyncRun& run, std::function<void(store::WriteResult)> done) {
    if (open_store_or_null() == nullptr) {
      store::WriteResult failed;
      failed.error = "the store is still opening";
      return done(std::move(failed));
    }
    pipeline_->finish_roster_sync(run, std::move(done));
  };
  r.reader = [this] {
    store::Store* store = open_store_or_null();
    if (store == nullptr) throw store::StoreError("the store is still opening", true);
    return store->reader();
  };
  r.students = &metrics_.counter("kangqiao_roster_sync_students_total",
                                 "Students of finished roster syncs, by adapter and change kind (new, changed, "
                                 "transferred, unchanged, left, graduated, rejected).",
                                 {"adapter", "change"});
  r.runs = &metrics_.counter("kangqiao_roster_sync_runs_total",
                             "Roster files synced, by adapter and result (finished, failed).", {"adapter", "result"});
  r.rows_done = roster_rows_done_;
  r.rows_estimated = roster_rows_estimated_;
  return r;
}

// A member coroutine with by-value parameters, not a capturing lambda: a lambda's captures would
// die with the lambda object once co_spawn returns.
asio::awaitable<void> Gateway::run_schedule(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                                            plugin_host::Schedule schedule,
                                            std::shared_ptr<std::atomic<bool>> alive, bool at_start) {
  if (schedule.calendar) {
    co_await run_calendar_schedule(std::move(adapter), std::move(schedule), std::move(alive), at_start);
    co_return;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (alive->load()) {
    // Wake at least once a second so a reload or shutdown is noticed promptly.
    const auto due = std::chrono::steady_clock::now() + schedule.interval;
    while (alive->load() && std::chrono::steady_clock::now() < due) {
      timer.expires_at(std::min(due, std::chrono::steady_clock::now() + 1s));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (!alive->load()) co_return;
    co_await fire_schedule(adapter, schedule.name);
  }
}

asio::awaitable<void> Gateway::fire_schedule(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                                             const std::string& name) {
  plugin_host::Inbound in;
  in.adapter = adapter->name();
  in.transport = core::Transport::schedule;
  in.channel = name;
  in.received_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  // The next run starts only after this one was acknowledged: runs never overlap.
  auto start = [this, adapter, in](std::function<void(plugin_host::AckReply)> done) {
    ingest(adapter, in, std::move(done));
  };
  const plugin_host::AckReply reply = co_await net::await_callback<plugin_host::AckReply>(std::move(start));
  if (reply.outcome == KQ_OUTCOME_NOTHING_TO_DO) schedule_board_.nothing_to_do(adapter->name(), name);
}

void Gateway::stop_schedules() {
  if (schedules_alive_) schedules_alive_->store(false);
}

}  // namespace kq::runtime
