#pragma once
// The running daemon: store, pipeline, listeners, schedules, signals, reload and shutdown.
//
// Threads: `io_threads` run the io_context (sockets, timers, coroutines, one strand per
// connection); `blocking_threads` run plugin hooks and pipeline work; the store has its own
// writer thread. The thread that calls run() is the control thread: it handles reload and
// shutdown and is the only one that calls a plugin's create and destroy hooks.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include "gateway/config/gateway_config.hpp"
#include "gateway/consent/policy.hpp"
#include "gateway/net/listener.hpp"
#include "gateway/net/routes.hpp"
#include "gateway/derived/school_health_rules.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/metrics/metrics.hpp"
#include "gateway/pipeline/pipeline.hpp"
#include "gateway/pull/api.hpp"
#include "gateway/plugin_host/plugin_registry.hpp"
#include "gateway/runtime/adapters.hpp"
#include "gateway/runtime/auth_audit.hpp"
#include "gateway/schedule/schedule_state.hpp"
#include "gateway/runtime/file_drop.hpp"
#include "gateway/runtime/roster_drop.hpp"
#include "gateway/store/store.hpp"

namespace kq::runtime {

class Gateway : net::IngestHandler, net::StatusSource {
 public:
  // Loads plugins and mappings and builds the adapters; throws config::ConfigErrors or
  // std::runtime_error. The store opens in run().
  explicit Gateway(config::GatewayConfig config);
  ~Gateway() override;

  // Starts the listeners, opens the store, starts schedules, then serves until shutdown is
  // requested (SIGTERM/SIGINT or request_shutdown). Returns the process exit code (1 when the
  // store cannot be opened).
  int run(bool handle_signals = true);

  // Thread-safe: ask the control thread to reload the config file / shut down.
  void request_reload();
  void request_shutdown();

 private:
  enum class Control { reload, shutdown };

  void ingest(std::shared_ptr<const plugin_host::AdapterInstance> adapter, plugin_host::Inbound inbound,
              std::function<void(plugin_host::AckReply)> done) override;
  std::vector<std::string> readiness_problems() const override;
  std::string metrics_text() const override;

  std::shared_ptr<const net::RouteTable> routes() const;
  // The store once it is open (and pipeline_ with it); nullptr while it opens. Any thread.
  store::Store* open_store_or_null() const;
  // Opens the store, waiting while another process holds it locked; false when a shutdown was
  // asked for meanwhile or the store cannot be used (exit_code 1, the reason logged).
  bool open_store_when_possible(int& exit_code);
  boost::asio::awaitable<void> flush_log_repeats();
  boost::asio::awaitable<void> sweep_exports();
  void create_listeners();
  // The pull and consent APIs, when a listener serves them.
  void make_api();
  // Binds and starts the listeners that serve /healthz (or those that do not).
  void start_listeners(bool serving_health);
  void start_schedules(const AdapterSet& set);
  void stop_schedules();
  // `at_start`: the gateway is starting, not reloading (only then are missed calendar runs caught up).
  boost::asio::awaitable<void> run_schedule(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                                            plugin_host::Schedule schedule,
                                            std::shared_ptr<std::atomic<bool>> alive, bool at_start);
  // A calendar schedule (ABI 1.3): at start, catches up a run missed while down, then follows
  // the expression; calendar_schedule.cpp.
  boost::asio::awaitable<void> run_calendar_schedule(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                                                     plugin_host::Schedule schedule,
                                                     std::shared_ptr<std::atomic<bool>> alive, bool at_start);
  // One run of a schedule through the pipeline; returns once it was acknowledged.
  boost::asio::awaitable<void> fire_schedule(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                                             const std::string& name);
  void arm_signals();
  void reload();
  void shutdown();
  void retire(std::vector<std::shared_ptr<plugin_host::AdapterInstance>> old,
              std::chrono::steady_clock::time_point deadline);
  void register_metrics();

  config::GatewayConfig config_;
  // The progress of running roster syncs, for the kangqiao_roster_sync_* gauges.
  std::shared_ptr<std::atomic<std::int64_t>> roster_rows_done_ = std::make_shared<std::atomic<std::int64_t>>(0);
  std::shared_ptr<std::atomic<std::int64_t>> roster_rows_estimated_ = std::make_shared<std::atomic<std::int64_t>>(0);
  RosterServices roster_services();
  DropWorkers drop_workers_;  // one per adapter and folder, across reloads
  std::unique_ptr<store::Store> store_;  // set once by run(); read through open_store_or_null()
  std::atomic<bool> store_open_{false};
  std::atomic<bool> listeners_started_{false};  // the listeners without /healthz are bound
  mutable std::mutex open_error_mutex_;
  std::string open_error_;  // why the store has not opened yet (for /readyz)
  plugin_host::PluginRegistry registry_;
  metrics::Registry metrics_;
  AuthFailureAudit auth_audit_;  // refused client certificates, to the audit log
  boost::asio::io_context ioc_;
  boost::asio::thread_pool blocking_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::vector<std::shared_ptr<net::TcpListener>> servers_;
  std::vector<std::thread> io_threads_;
  std::unique_ptr<boost::asio::signal_set> signals_;

  mutable std::mutex state_mutex_;
  AdapterSet adapters_;
  mapping::MappingRegistry mappings_;
  // The school-health rule tables beside the mappings (derived values, alerts); nullptr when the
  // mappings have none. Swapped on reload, under state_mutex_.
  std::shared_ptr<const derived::SchoolHealthRules> school_health_;
  std::shared_ptr<std::atomic<bool>> schedules_alive_;
  schedule::ScheduleBoard schedule_board_{metrics_};  // next and last runs of calendar schedules
  bool schedules_started_ = false;          // under state_mutex_: a later start_schedules is a reload
  // Schedule coroutines not yet finished: each holds its adapter, so shutdown lets them end
  // (they notice within a second) before it stops the io threads and retires the adapters.
  std::atomic<int> schedule_coroutines_{0};
  std::shared_ptr<const consent::Policy> policy_;  // swapped on reload, under state_mutex_
  std::unique_ptr<pull::PullApi> api_;

  std::mutex control_mutex_;
  std::condition_variable control_cv_;
  std::deque<Control> control_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace kq::runtime
