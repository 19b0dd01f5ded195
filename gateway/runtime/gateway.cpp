#include "gateway/runtime/gateway.hpp"

#include <chrono>
#include <filesystem>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/config/loader.hpp"
#include "gateway/http/server.hpp"
#include "gateway/mllp/server.hpp"
#include "gateway/net/await_callback.hpp"
#include "gateway/log/log.hpp"

namespace kq::runtime {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<store::Store> open_store(const config::GatewayConfig& config) {
  std::filesystem::create_directories(std::filesystem::path(config.store.path).parent_path());
  store::SqliteOptions options;
  options.path = config.store.path;
  options.max_batch = config.store.group_commit_max_batch;
  options.max_delay = config.store.group_commit_max_delay;
  options.busy_timeout = config.store.busy_timeout;
  options.reader_connections = config.store.reader_connections;
  options.writer_cache_kib = static_cast<std::size_t>(config.store.cache_bytes / 1024);
  return store::make_sqlite_store(options);
}

void throw_if_errors(std::vector<config::ConfigError> errors) {
  if (!errors.empty()) throw config::ConfigErrors(std::move(errors));
}

// Settings that need a restart; a reload that changes them applies the rest and says so.
std::vector<std::string> restart_only_changes(const config::GatewayConfig& a, const config::GatewayConfig& b) {
  std::vector<std::string> changed;
  auto listeners_key = [](const config::GatewayConfig& c) {
    std::string k;
    for (const auto& l : c.listeners) {
      k += l.name + "@" + l.address + ":" + std::to_string(l.port) + (l.tls ? "+tls" : "") + ";";
    }
    return k;
  };
  if (listeners_key(a) != listeners_key(b)) changed.push_back("listeners");
  if (a.store.path != b.store.path || a.store.group_commit_max_batch != b.store.group_commit_max_batch) {
    changed.push_back("store");
  }
  if (a.data_dir != b.data_dir) changed.push_back("data_dir");
  if (a.io_threads != b.io_threads || a.blocking_threads != b.blocking_threads) changed.push_back("threads");
  if (a.plugin_directory != b.plugin_directory) changed.push_back("plugins.directory");
  return changed;
}

}  // namespace

Gateway::Gateway(config::GatewayConfig config)
    : config_(std::move(config)),
      registry_(plugin_host::PluginRegistry::scan(plugin_directory_of(config_))),
      ioc_(static_cast<int>(config_.io_threads)),
      blocking_(config_.blocking_threads) {
  log::Level level;
  if (log::parse_level(config_.log_level, level)) log::set_level(level);
  for (const auto& e : registry_.errors()) {
    log::warn("plugin_not_loaded", {{"path", e.path}, {"reason", e.message}});
  }
  std::vector<config::ConfigError> errors;
  if (!config_.mappings_directory.empty()) {
    mappings_.reload(config_.mappings_directory, mapping::builtin_formats(), errors);
  }
  adapters_ = build_adapters(config_, registry_, errors);
  throw_if_errors(std::move(errors));
  store_ = open_store(config_);
  pipeline_ = std::make_unique<pipeline::Pipeline>(*store_, blocking_, metrics_,
                                                   [this] { return mappings_.current(); },
                                                   config_.mappings_lineage);
  register_metrics();
}

Gateway::~Gateway() {
  shutdown();
}

void Gateway::register_metrics() {
  metrics_.gauge("kangqiao_store_queue_depth", "Write batches waiting for the store's writer.",
                 [this] { return static_cast<double>(store_->queue_depth()); });
  metrics_.gauge("kangqiao_store_size_bytes", "Database and WAL size on disk.",
                 [this] { return static_cast<double>(store_->db_size_bytes()); });
  metrics_.gauge("kangqiao_store_batches_committed", "Write batches committed since start.",
                 [this] { return static_cast<double>(store_->batches_committed()); });
  metrics_.gauge("kangqiao_store_records_committed", "Canonical records committed since start.",
                 [this] { return static_cast<double>(store_->records_committed()); });
  metrics_.gauge("kangqiao_store_last_group_size", "Write batches in the most recent transaction.",
                 [this] { return static_cast<double>(store_->stats().last_commit_batches); });
  metrics_.gauge("kangqiao_store_checkpoints", "WAL checkpoints run by the background thread.",
                 [this] { return static_cast<double>(store_->stats().checkpoints); });
  metrics_.gauge("kangqiao_store_writable", "1 when the store accepts writes.",
                 [this] { return store_->health().writable ? 1.0 : 0.0; });
  metrics_.gauge("kangqiao_pipeline_in_flight", "Messages received and not yet acknowledged.",
                 [this] { return static_cast<double>(pipeline_->in_flight()); });
  metrics_.gauge("kangqiao_adapters_up", "Adapter instances running.", [this] {
    std::lock_guard lock(state_mutex_);
    return static_cast<double>(adapters_.instances.size());
  });
  metrics_.gauge("kangqiao_connections_open", "Open client connections on all listeners.", [this] {
    std::size_t n = 0;
    for (const auto& s : servers_) n += s->open_connections();
    return static_cast<double>(n);
  });
}

std::shared_ptr<const net::RouteTable> Gateway::routes() const {
  std::lock_guard lock(state_mutex_);
  return adapters_.routes;
}

void Gateway::ingest(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                     plugin_host::Inbound inbound, std::function<void(plugin_host::AckReply)> done) {
  pipeline_->ingest(std::move(adapter), std::move(inbound), std::move(done));
}

std::vector<std::string> Gateway::readiness_problems() const {
  std::vector<std::string> problems;
  if (shutting_down_) problems.push_back("shutting down");
  const auto health = store_->health();
  if (!health.writable) problems.push_back("store not writable: " + health.last_error);
  std::lock_guard lock(state_mutex_);
  for (const auto& s : adapters_.skipped) problems.push_back("adapter not running: " + s);
  return problems;
}

std::string Gateway::metrics_text() const { return metrics_.render(); }

void Gateway::start_listeners() {
  net::ServerContext context;
  context.routes = [this] { return routes(); };
  context.ingest = this;
  context.status = this;
  for (const auto& listener : config_.listeners) {
    std::shared_ptr<net::TcpListener> server;
    if (listener.protocol == "mllp") {
      server = std::make_shared<mllp::MllpServer>(ioc_, listener, context);
    } else {
      server = std::make_shared<http::HttpServer>(ioc_, listener, context);
    }
    server->start();
    servers_.push_back(std::move(server));
  }
}

void Gateway::start_schedules(const AdapterSet& set) {
  auto alive = std::make_shared<std::atomic<bool>>(true);
  schedules_alive_ = alive;
  for (const auto& adapter : set.instances) {
    for (const auto& schedule : adapter->schedules()) {
      asio::co_spawn(ioc_, run_schedule(adapter, schedule, alive), asio::detached);
    }
  }
}

// A member coroutine with by-value parameters, not a capturing lambda: a lambda's captures would
// die with the lambda object once co_spawn returns.
asio::awaitable<void> Gateway::run_schedule(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                                            plugin_host::Schedule schedule,
                                            std::shared_ptr<std::atomic<bool>> alive) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (alive->load()) {
    // Wake at least once a second so a reload or shutdown is noticed promptly.
    const auto due = std::chrono::steady_clock::now() + schedule.interval;
    while (alive->load() && std::chrono::steady_clock::now() < due) {
      timer.expires_at(std::min(due, std::chrono::steady_clock::now() + 1s));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (!alive->load()) co_return;
    plugin_host::Inbound in;
    in.transport = KQ_TRANSPORT_SCHEDULE;
    in.channel = schedule.name;
    in.received_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    // The next run starts only after this one was acknowledged: runs never overlap.
    auto start = [this, adapter, in](std::function<void(plugin_host::AckReply)> done) {
      ingest(adapter, in, std::move(done));
    };
    co_await net::await_callback<plugin_host::AckReply>(std::move(start));
  }
}

void Gateway::stop_schedules() {
  if (schedules_alive_) schedules_alive_->store(false);
}

int Gateway::run(bool handle_signals) {
  start_listeners();
  {
    std::lock_guard lock(state_mutex_);
    start_schedules(adapters_);
  }
  if (handle_signals) {
    signals_ = std::make_unique<asio::signal_set>(ioc_, SIGINT, SIGTERM, SIGHUP);
    arm_signals();
  }
  auto work = asio::make_work_guard(ioc_);
  for (std::uint32_t i = 0; i < config_.io_threads; ++i) {
    io_threads_.emplace_back([this] { ioc_.run(); });
  }
  const auto mapping_set = mappings_.current();
  log::info("gateway_started", {{"node", config_.node_name},
                                {"mappings", mapping_set ? mapping_set->mappings().size() : 0},
                                {"config", config_.file},
                                {"store", config_.store.path},
                                {"adapters", adapters_.instances.size()}});

  for (;;) {
    Control next;
    {
      std::unique_lock lock(control_mutex_);
      control_cv_.wait(lock, [this] { return !control_.empty(); });
      next = control_.front();
      control_.pop_front();
    }
    if (next == Control::shutdown) break;
    reload();
  }
  if (signals_) {
    boost::system::error_code ignored;
    signals_->cancel(ignored);
  }
  work.reset();
  shutdown();
  return 0;
}

void Gateway::arm_signals() {
  signals_->async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    const char* name = sig == SIGHUP ? "SIGHUP" : sig == SIGINT ? "SIGINT" : "SIGTERM";
    log::info("signal_received", {{"signal", name}});
    if (sig == SIGHUP) {
      request_reload();
      arm_signals();
    } else {
      request_shutdown();
    }
  });
}

void Gateway::request_reload() {
  std::lock_guard lock(control_mutex_);
  control_.push_back(Control::reload);
  control_cv_.notify_one();
}

void Gateway::request_shutdown() {
  std::lock_guard lock(control_mutex_);
  control_.push_back(Control::shutdown);
  control_cv_.notify_one();
}

void Gateway::reload() {
  log::info("reload_started", {{"config", config_.file}});
  config::GatewayConfig next;
  try {
    next = config::load_gateway_config(config_.file);
  } catch (const config::ConfigErrors& e) {
    for (const auto& err : e.errors()) log::error("reload_rejected", {{"error", err.str()}});
    log::warn("reload_kept_old_config", {{"errors", e.errors().size()}});
    return;
  }
  // Mappings first: a mapping that does not compile rejects the whole reload, and the mappings
  // in force stay as they are.
  std::shared_ptr<const mapping::MappingSet> next_mappings;
  std::vector<config::ConfigError> errors;
  if (!next.mappings_directory.empty()) {
    next_mappings = mapping::load_mapping_dir(next.mappings_directory, mapping::builtin_formats(), errors);
  }
  auto registry = plugin_host::PluginRegistry::scan(plugin_directory_of(config_));
  AdapterSet set = build_adapters(next, registry, errors);
  if (!errors.empty()) {
    for (const auto& err : errors) log::error("reload_rejected", {{"error", err.str()}});
    log::warn("reload_kept_old_config", {{"errors", errors.size()}});
    return;  // `set` is destroyed here, on the control thread, before anything used it
  }
  for (const auto& key : restart_only_changes(config_, next)) {
    log::warn("reload_needs_restart", {{"setting", key}});
  }
  log::Level level;
  if (log::parse_level(next.log_level, level)) log::set_level(level);

  stop_schedules();
  mappings_.set(next_mappings);
  std::vector<std::shared_ptr<plugin_host::AdapterInstance>> old;
  {
    std::lock_guard lock(state_mutex_);
    old = std::move(adapters_.instances);
    adapters_ = std::move(set);
    start_schedules(adapters_);
  }
  // Keep what needs a restart as it is running now.
  next.listeners = config_.listeners;
  next.store = config_.store;
  next.data_dir = config_.data_dir;
  next.io_threads = config_.io_threads;
  next.blocking_threads = config_.blocking_threads;
  next.plugin_directory = config_.plugin_directory;
  config_ = std::move(next);
  registry_ = std::move(registry);
  retire(std::move(old));
  log::info("reload_done", {{"adapters", adapters_.instances.size()},
                            {"mappings", next_mappings ? next_mappings->mappings().size() : 0}});
}

void Gateway::retire(std::vector<std::shared_ptr<plugin_host::AdapterInstance>> old) {
  // A plugin's destroy hook runs on this thread once no request holds the instance any more.
  const auto deadline = std::chrono::steady_clock::now() + config_.shutdown_grace;
  for (auto& instance : old) {
    while (instance.use_count() > 1 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    if (instance.use_count() > 1) {
      log::warn("adapter_still_busy", {{"adapter", instance->name()}});
    }
    instance.reset();
  }
}

void Gateway::shutdown() {
  if (shutting_down_.exchange(true)) return;
  log::info("shutdown_started", {{"in_flight", pipeline_ ? pipeline_->in_flight() : 0}});
  for (auto& s : servers_) s->stop_accepting();
  stop_schedules();
  for (auto& s : servers_) s->close_connections();
  // Requests in flight finish: their commit and their reply.
  const bool drained = !pipeline_ || pipeline_->wait_idle(config_.shutdown_grace);
  if (!drained) log::warn("shutdown_grace_expired", {{"in_flight", pipeline_->in_flight()}});
  // Let the replies reach their sockets before the io threads stop.
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  auto busy = [this] {
    std::size_t n = 0;
    for (const auto& s : servers_) n += s->busy_connections();
    return n;
  };
  while (busy() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  ioc_.stop();
  for (auto& t : io_threads_) {
    if (t.joinable()) t.join();
  }
  blocking_.join();
  if (store_) store_->shutdown();
  metrics_.clear_gauges();
  servers_.clear();
  std::vector<std::shared_ptr<plugin_host::AdapterInstance>> old;
  {
    std::lock_guard lock(state_mutex_);
    old = std::move(adapters_.instances);
    adapters_.routes.reset();
  }
  retire(std::move(old));
  log::info("shutdown_complete", {});
}

}  // namespace kq::runtime
