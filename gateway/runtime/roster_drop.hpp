#pragma once
// One roster file of a roster drop (plugin ABI 1.4 add_roster_drop; docs/adapters/student_registry.md),
// from work/ to its sync report: hashes the file, finds the run of that file that was cut short
// (and skips its committed chunks without mapping them) or starts a new one, sends the file
// chunk by chunk through the pipeline — each chunk a message, acknowledged after its commit —,
// then runs the final step (departures) and hands back the report for the receipt.
//
// Two chunks are in flight: the next one is mapped and compared while the one before is written
// (RosterChunk::on_planned), so that the mapping and the store's writer work at the same time.
// The store writes a chunk only right after the one before it (RosterWriter); when one does not
// commit, the chunks after it come back failed too, and the run starts again from the store's
// watermark, as a run resumed after a crash does.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "gateway/metrics/metrics.hpp"
#include "gateway/pipeline/roster_sync.hpp"
#include "gateway/plugin_host/adapter.hpp"
#include "gateway/runtime/roster_reader.hpp"
#include "gateway/store/store.hpp"

namespace kq::runtime {

// What a roster drop needs besides a plain drop's ingest: the pipeline's chunk ingest and final
// step, reads on the store, and the progress metrics.
struct RosterServices {
  std::function<void(std::shared_ptr<const plugin_host::AdapterInstance>, plugin_host::Inbound,
                     std::shared_ptr<const pipeline::RosterChunk>, std::function<void(plugin_host::AckReply)>)>
      ingest_chunk;
  std::function<void(const store::RosterSyncRun&, std::function<void(store::WriteResult)>)> finish;
  std::function<std::unique_ptr<store::Reader>()> reader;
  metrics::CounterFamily* students = nullptr;  // kangqiao_roster_sync_students_total{adapter, change}
  metrics::CounterFamily* runs = nullptr;      // kangqiao_roster_sync_runs_total{adapter, result}
  // The running sync's progress, read by gauges (one sync at a time per drop; summed over drops).
  std::shared_ptr<std::atomic<std::int64_t>> rows_done;
  std::shared_ptr<std::atomic<std::int64_t>> rows_estimated;
};

// The sender of a drop (its principal and organisation) as the messages carry it.
struct RosterSender {
  std::string principal;
  std::string organisation;
};

// Where the file went and its receipt: done (the run finished) or failed (the file cannot be
// read as a roster, or the adapter refused a chunk).
struct RosterFileResult {
  bool done = false;
  bool stopped = false;  // the drop stopped serving first: the file stays in work/, nothing to move
  std::string receipt;
};

class RosterFileRun : public std::enable_shared_from_this<RosterFileRun> {
 public:
  RosterFileRun(boost::asio::io_context& ioc, boost::asio::thread_pool& blocking,
                std::shared_ptr<const plugin_host::AdapterInstance> adapter, const plugin_host::FileDrop& drop,
                RosterSender sender, RosterServices services, std::function<bool()> serving);

  // Runs the file work/<name> of `root`; `done` is called once, on the blocking pool. When
  // `serving` turns false (shutdown, the adapter gone in a reload) the run stops after the chunk
  // in flight, with `stopped`: the file stays in work/ and the run resumes when it is taken again.
  // A reload that keeps the folder keeps `serving` true: the run goes on.
  void start(const std::filesystem::path& root, const std::string& name,
             std::function<void(RosterFileResult)> done);

 private:
  // A chunk sent to the pipeline and not yet settled; replies are taken in chunk order.
  struct InFlight {
    std::uint64_t token = 0;
    std::int64_t rows = 0;
    std::uint64_t end_offset = 0;  // file bytes up to the end of the chunk
    std::optional<plugin_host::AckReply> reply;
  };
  // How the run ends once nothing is in flight (besides finishing).
  enum class Ending { none, rewind, fail, stop };

  void open();
  void send_chunk();
  void planned(std::uint64_t token);
  void chunk_done(std::uint64_t token, plugin_host::AckReply reply);
  void settle_if_drained();
  void finish_run();
  void report_progress(bool final);
  void fail(const std::string& reason);
  bool stop_if_not_serving();
  void stop();
  void later(std::chrono::milliseconds pause, std::function<void()> then);

  boost::asio::steady_timer timer_;
  boost::asio::thread_pool& blocking_;
  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;  // every step of the run
  std::shared_ptr<const plugin_host::AdapterInstance> adapter_;
  plugin_host::FileDrop drop_;
  RosterSender sender_;
  RosterServices services_;
  std::function<bool()> serving_;

  std::filesystem::path file_;
  std::string name_;
  std::function<void(RosterFileResult)> done_;
  std::unique_ptr<RosterReader> reader_;
  RosterKind kind_ = RosterKind::csv;
  store::RosterSyncRun run_;  // chunks_done, rows_done: the settled chunks
  std::deque<InFlight> in_flight_;
  std::uint64_t last_token_ = 0;  // of the last chunk sent
  bool awaiting_plan_ = false;    // the last chunk sent is not planned yet: the next one waits
  bool read_all_ = false;
  Ending ending_ = Ending::none;
  std::string fail_reason_;
  std::uint64_t consumed_ = 0;  // how far the reader got with the last settled chunk (RosterReader::total_bytes)
  std::int64_t rows_this_process_ = 0;
  std::chrono::steady_clock::time_point started_, last_log_;
};

}  // namespace kq::runtime
