#pragma once
// File-drop folders (plugin ABI 1.3 add_file_drop): the host's transport for batches written to
// disk — a registry's nightly export, a card-reader terminal docked to a clinic PC.
//
// A drop folder has four sub-folders. Senders write into incoming/; a file is taken when its size
// and modification time have stayed the same for the settle time (a file still being written is
// left alone), and never while its name starts with '.' or ends in ".part" (write under such a
// name, then rename: the rename is atomic). Taking a file is renaming it into work/, which is
// atomic on one file system, so two gateways on one folder never both take it. The file then runs
// through the pipeline like any payload; after its acknowledgement it moves to done/ (committed,
// or a duplicate of a committed file) or failed/ (refused), and the adapter's reply is written
// beside it as <name>.receipt. A store that cannot commit leaves it in work/ to be tried again.
// On start, files left in work/ by a stopped gateway are taken first; the adapter's message key
// (a content hash) makes running one again safe.
//
// All file-system work runs on the blocking pool, never on an I/O thread; one file of a drop is
// processed at a time, in name order.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "gateway/metrics/metrics.hpp"
#include "gateway/plugin_host/adapter.hpp"
#include "gateway/runtime/roster_drop.hpp"

namespace kq::runtime {

using IngestFn = std::function<void(std::shared_ptr<const plugin_host::AdapterInstance>, plugin_host::Inbound,
                                    std::function<void(plugin_host::AckReply)>)>;

struct DropSender {
  std::string principal;     // the config principal the folder speaks for; empty: anonymous
  std::string organisation;  // that principal's organisation
};

// What became of one file: the sub-folder it went to, or still in work/.
enum class DropResult { done, failed, retry };

// The sub-folder for a file whose acknowledgement was `reply`.
DropResult drop_result_of(const plugin_host::AckReply& reply);

class DropWorker;

// The drop workers of a gateway: exactly one per (adapter, folder) for the life of the process.
class DropWorkers {
 public:
  // Serves one drop folder of one adapter until `alive` turns false: file work on `blocking`, the
  // waits between looks at the folder on `ioc`. `max_bytes`: larger files go to failed/ unread,
  // with a receipt that says why. A roster drop (drop.rows_per_chunk > 0) streams each file
  // through `roster` chunk by chunk instead (roster_drop.hpp), without a size limit. When the
  // folder already has a worker (a reload), that worker is bound to the new instance and settings
  // from its next file on, and keeps the file it is working on.
  void start(boost::asio::io_context& ioc, std::shared_ptr<const plugin_host::AdapterInstance> adapter,
             plugin_host::FileDrop drop, DropSender sender, std::uint64_t max_bytes,
             boost::asio::thread_pool& blocking, IngestFn ingest, metrics::CounterFamily& files,
             std::shared_ptr<std::atomic<bool>> alive, RosterServices roster = {});
  std::size_t running() const;  // workers whose loop is going
  std::size_t size() const;     // workers ever started (one per adapter and folder)

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<DropWorker>> workers_;
};

}  // namespace kq::runtime
