#pragma once
// The ingest pipeline: decode (plugin) → validate → one WriteBatch → commit → acknowledge (plugin).
//
// The acknowledgement is built only after the store's COMMIT returned for the batch that holds
// the raw message, the records, the dedupe key and the audit entry. Whatever happens, the raw
// input is kept: accepted, as a dead letter with its errors, or as rejected with the reason.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include <boost/asio/thread_pool.hpp>

#include "gateway/derived/school_health_rules.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/metrics/metrics.hpp"
#include "gateway/pipeline/roster_sync.hpp"
#include "gateway/plugin_host/adapter.hpp"
#include "gateway/store/store.hpp"

namespace kq::pipeline {

class Pipeline {
 public:
  using Done = std::function<void(plugin_host::AckReply)>;

  using MappingsProvider = std::function<std::shared_ptr<const mapping::MappingSet>()>;
  using RulesProvider = std::function<std::shared_ptr<const derived::SchoolHealthRules>()>;

  // `mappings` gives the mapping set in force (it changes on reload); it may return nullptr.
  // `field_lineage`: keep the source place of each mapped field in the provenance records.
  Pipeline(store::Store& store, boost::asio::thread_pool& blocking, metrics::Registry& metrics,
           MappingsProvider mappings, bool field_lineage = true,
           std::function<int()> guardian_age = [] { return 14; });

  // Processes one payload; `done` gets the adapter's reply (from a blocking-pool thread).
  void ingest(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
              plugin_host::Inbound inbound, Done done);

  // The school-health rules in force (they change on reload; nullptr: no derived values). Set
  // before the first ingest.
  void set_school_health_rules(RulesProvider rules) { rules_ = std::move(rules); }

  // One chunk of a roster sync (pipeline/roster_sync.hpp): the adapter decodes it like any
  // payload; its rows are then mapped one by one, compared with the registry's snapshot, and only
  // the students who changed are written, in one transaction with the run's progress.
  void ingest_roster_chunk(std::shared_ptr<const plugin_host::AdapterInstance> adapter, plugin_host::Inbound inbound,
                           std::shared_ptr<const RosterChunk> chunk, Done done);
  // The final step of a run after its last chunk: departures, and the run marked finished. `done`
  // gets the store's result (from the writer thread: it must not block).
  void finish_roster_sync(const store::RosterSyncRun& run, std::function<void(store::WriteResult)> done);

  std::size_t in_flight() const { return in_flight_.load(); }
  // Waits until no payload is in flight or the deadline passes; true when drained.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  struct Job;
  void decode_and_submit(std::shared_ptr<Job> job);
  void on_written(std::shared_ptr<Job> job, store::WriteResult result);
  void store_refusal(std::shared_ptr<Job> job, plugin_host::Outcome outcome);
  void finish(std::shared_ptr<Job> job, plugin_host::Outcome outcome);
  // The chunk before `chunk` of its run while that one's write is pending, else nullptr.
  std::shared_ptr<const PlannedChunk> planned_before(const RosterChunk& chunk);
  void forget_planned(const RosterChunk& chunk);

  store::Store& store_;
  MappingsProvider mappings_;
  RulesProvider rules_;
  bool field_lineage_;
  std::function<int()> guardian_age_;  // of the consent policy in force (it changes on reload)
  boost::asio::thread_pool& blocking_;
  metrics::CounterFamily& messages_;
  metrics::HistogramFamily& latency_;
  metrics::CounterFamily& alerts_;
  std::atomic<std::size_t> in_flight_{0};
  std::mutex idle_mutex_;
  std::condition_variable idle_cv_;
  std::mutex planned_mutex_;
  std::map<std::string, std::shared_ptr<const PlannedChunk>> planned_;  // run id → its chunk being written
};

}  // namespace kq::pipeline
