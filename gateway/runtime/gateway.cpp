#include "gateway/runtime/gateway.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <filesystem>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/audit/chain_config.hpp"
#include "gateway/config/loader.hpp"
#include "gateway/consent/policy.hpp"
#include "gateway/formats/source.hpp"
#include "gateway/http/server.hpp"
#include "gateway/mllp/server.hpp"
#include "gateway/pull/api.hpp"
#include "gateway/pull/fhir_types.hpp"
#include "gateway/net/await_callback.hpp"
#include "gateway/log/log.hpp"
#include "gateway/runtime/file_drop.hpp"

namespace kq::runtime {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Keys outlive no adapter's window: the sweep removes only what every adapter has let go.
std::chrono::milliseconds dedupe_retention_of(const config::GatewayConfig& config) {
  std::chrono::milliseconds longest{0};
  for (const auto& a : config.adapters) longest = std::max(longest, a.dedupe_window);
  return longest;
}

std::unique_ptr<store::Store> open_store(const config::GatewayConfig& config) {
  std::filesystem::create_directories(std::filesystem::path(config.store.path).parent_path());
  store::SqliteOptions options;
  options.path = config.store.path;
  options.max_batch = config.store.group_commit_max_batch;
  options.max_delay = config.store.group_commit_max_delay;
  options.busy_timeout = config.store.busy_timeout;
  options.reader_connections = config.store.reader_connections;
  options.writer_cache_kib = static_cast<std::size_t>(config.store.cache_bytes / 1024);
  options.min_free_bytes = config.store.min_free_bytes;
  options.integrity_check_interval = config.store.integrity_check_interval;
  options.integrity_check_full = config.store.integrity_check_full;
  options.dedupe_retention = dedupe_retention_of(config);
  options.audit = audit::chain_settings(config.audit, /*sign=*/true);
  return store::make_sqlite_store(options);
}

// Every connection is a file descriptor, and the usual soft limit (1,024) is below what the
// listeners' max_connections add up to: a flood would exhaust descriptors before any connection
// limit applied. Raise the soft limit to the hard one, and say so when even that is too low.
void raise_open_files_limit(const config::GatewayConfig& config) {
  std::uint64_t needed = 256;  // store, logs, plugins, outbound connections
  for (const auto& l : config.listeners) needed += l.limits.max_connections;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    log::warn("open_files_limit_low", {{"limit", static_cast<std::int64_t>(limit.rlim_cur)},
                                       {"needed", static_cast<std::int64_t>(needed)}});
  }
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
      k += l.name + "@" + l.address + ":" + std::to_string(l.port) + (l.tls ? "+tls" + l.tls->crl : "") + ";";
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
  if (a.audit.hash != b.audit.hash || a.audit.signing_key != b.audit.signing_key ||
      a.audit.checkpoint_every_entries != b.audit.checkpoint_every_entries ||
      a.audit.checkpoint_every != b.audit.checkpoint_every ||
      a.audit.checkpoint_export_file != b.audit.checkpoint_export_file) {
    changed.push_back("audit");
  }
  return changed;
}

}  // namespace

Gateway::Gateway(config::GatewayConfig config)
    : config_(std::move(config)),
      registry_(plugin_host::PluginRegistry::scan(plugin_directory_of(config_))),
      auth_audit_(config_.audit.auth_failure_window, [this] { return open_store_or_null(); }),
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
  school_health_ = derived::school_health_rules_of(config_.mappings_directory, errors);
  if (school_health_) log::info("school_health_rules_loaded", {{"rules", school_health_->versions()}});
  adapters_ = build_adapters(config_, registry_, errors, mappings_.current().get());
  for (const auto& w : adapters_.warnings) log::warn("adapter_warning", {{"warning", w}});
  policy_ = std::make_shared<const consent::Policy>(config_);
  for (const auto& w : policy_->warnings()) log::warn("consent_warning", {{"warning", w}});
  throw_if_errors(std::move(errors));
  make_api();
  log::set_repeat_window(config_.log_repeat_window);
  // The store opens in run(), once the listeners answer /healthz: see open_store_when_possible().
  register_metrics();
}

void Gateway::make_api() {
  const bool wanted = std::any_of(config_.listeners.begin(), config_.listeners.end(),
                                  [](const config::ListenerConfig& l) { return l.pull_api; });
  if (!wanted) return;
  pull::ApiServices services;
  services.store = [this] { return open_store_or_null(); };
  services.policy = [this] {
    std::lock_guard lock(state_mutex_);
    return policy_;
  };
  services.blocking = &blocking_;
  services.metrics = &metrics_;
  // Kept in the data folder so that cursors stay valid across restarts (cursor.hpp).
  services.cursors = std::make_shared<const pull::CursorCodec>(
      pull::CursorCodec::from_key_file(std::filesystem::path(config_.data_dir) / "pull-cursor.key"));
  pull::ExportJobs::Settings exports;
  exports.directory = std::filesystem::path(config_.data_dir) / "exports";
  services.exports = std::make_shared<pull::ExportJobs>(exports, services.store, services.policy, pull::to_fhir_resource);
  api_ = std::make_unique<pull::PullApi>(std::move(services));
}

Gateway::~Gateway() {
  shutdown();
}

store::Store* Gateway::open_store_or_null() const {
  return store_open_.load(std::memory_order_acquire) ? store_.get() : nullptr;
}

std::shared_ptr<const net::RouteTable> Gateway::routes() const {
  std::lock_guard lock(state_mutex_);
  return adapters_.routes;
}

void Gateway::ingest(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                     plugin_host::Inbound inbound, std::function<void(plugin_host::AckReply)> done) {
  if (open_store_or_null() != nullptr) {
    pipeline_->ingest(std::move(adapter), std::move(inbound), std::move(done));
    return;
  }
  // The store is still opening: nothing can be stored, so the sender hears the transient reply
  // ("not stored, send again"), worded by its adapter. On the blocking pool: it is plugin code.
  // Decoded first, as every acknowledgement is: the adapter addresses its reply from what it read.
  asio::post(blocking_, [adapter = std::move(adapter), inbound = std::move(inbound),
                         done = std::move(done)] {
    plugin_host::DecodeResult decoded = adapter->decode(inbound);
    plugin_host::Outcome outcome;
    outcome.kind = KQ_OUTCOME_TRANSIENT;
    outcome.reason = "not stored: the store is still opening";
    done(adapter->acknowledge(inbound, outcome, decoded));
  });
}

std::vector<std::string> Gateway::readiness_problems() const {
  std::vector<std::string> problems;
  if (shutting_down_) problems.push_back("shutting down");
  if (const store::Store* store = open_store_or_null()) {
    const auto health = store->health();
    if (!health.writable) problems.push_back("store not writable: " + health.last_error);
    // The other listeners bind once the store is open: ready means they accept too.
    if (!listeners_started_.load(std::memory_order_acquire)) problems.push_back("listeners starting");
  } else {
    std::lock_guard lock(open_error_mutex_);
    problems.push_back("store opening" + (open_error_.empty() ? "" : ": " + open_error_));
  }
  std::lock_guard lock(state_mutex_);
  for (const auto& s : adapters_.skipped) problems.push_back("adapter not running: " + s);
  return problems;
}

std::string Gateway::metrics_text() const { return metrics_.render(); }

void Gateway::create_listeners() {
  net::ServerContext context;
  context.routes = [this] { return routes(); };
  context.ingest = this;
  context.status = this;
  context.api = api_.get();
  context.auth_failed = [this](net::AuthFailure failure) { auth_audit_.report(failure); };
  for (const auto& listener : config_.listeners) {
    if (listener.protocol == "mllp") {
      servers_.push_back(std::make_shared<mllp::MllpServer>(ioc_, listener, context));
    } else {
      servers_.push_back(std::make_shared<http::HttpServer>(ioc_, listener, context));
    }
  }
}

void Gateway::start_listeners(bool serving_health) {
  for (const auto& server : servers_) {
    if (server->config().serve_health == serving_health) server->start();
  }
}

int Gateway::run(bool handle_signals) {
  raise_open_files_limit(config_);
  // The listeners that serve /healthz start before the store opens: they answer, and /readyz
  // says why it is not ready yet, however long the store takes (its adapter routes meanwhile
  // give the adapter's transient reply). The others carry traffic only, and open once the store
  // can take it: until then a sender finds the port closed, as it would during a restart, and
  // retries, instead of collecting negative acknowledgements.
  create_listeners();
  start_listeners(/*serving_health=*/true);
  if (handle_signals) {
    signals_ = std::make_unique<asio::signal_set>(ioc_, SIGINT, SIGTERM, SIGHUP);
    arm_signals();
  }
  auto work = asio::make_work_guard(ioc_);
  for (std::uint32_t i = 0; i < config_.io_threads; ++i) {
    io_threads_.emplace_back([this] { ioc_.run(); });
  }
  asio::co_spawn(ioc_, flush_log_repeats(), asio::detached);
  if (api_) asio::co_spawn(ioc_, sweep_exports(), asio::detached);

  int exit_code = 0;
  if (open_store_when_possible(exit_code)) {
    start_listeners(/*serving_health=*/false);
    {
      std::lock_guard lock(state_mutex_);
      start_schedules(adapters_);  // drop folders exist once this returns, before /readyz says so
    }
    listeners_started_.store(true, std::memory_order_release);
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
  }
  if (signals_) {
    boost::system::error_code ignored;
    signals_->cancel(ignored);
  }
  work.reset();
  shutdown();
  return exit_code;
}

bool Gateway::open_store_when_possible(int& exit_code) {
  for (;;) {
    std::string fatal;
    try {
      store_ = open_store(config_);
      pipeline_ = std::make_unique<pipeline::Pipeline>(*store_, blocking_, metrics_,
                                                       [this] { return mappings_.current(); },
                                                       config_.mappings_lineage, [this] {
                                                         std::lock_guard lock(state_mutex_);
                                                         return policy_->guardian_age();
                                                       });
      pipeline_->set_school_health_rules([this] {
        std::lock_guard lock(state_mutex_);
        return school_health_;
      });
      store_open_.store(true, std::memory_order_release);
      return true;
    } catch (const store::StoreError& e) {
      if (!e.retryable()) fatal = e.what();
      // Another process holds the database (a backup, an open sqlite3 shell): wait for it
      // rather than exit, and say so in /readyz and, once per window, in the log.
      std::lock_guard lock(open_error_mutex_);
      open_error_ = e.what();
      if (fatal.empty()) log::warn("store_open_waiting", {{"error", e.what()}});
    } catch (const std::exception& e) {
      fatal = e.what();
    }
    if (!fatal.empty()) {
      log::error("startup_failed", {{"error", fatal}});
      std::fprintf(stderr, "kangqiao: %s\n", fatal.c_str());
      exit_code = 1;
      return false;
    }
    std::unique_lock lock(control_mutex_);
    const bool stop = control_cv_.wait_for(lock, 1s, [this] {
      return std::find(control_.begin(), control_.end(), Control::shutdown) != control_.end();
    });
    if (stop) return false;
  }
}

// Summaries of repeated log lines come out within a second of their window's end, even when
// nothing else is logged (log/repeat_filter.hpp).
asio::awaitable<void> Gateway::flush_log_repeats() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!shutting_down_) {
    timer.expires_after(1s);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    log::flush_repeats();
    auth_audit_.flush();
  }
}

// Export files older than their retention go even when no client comes back for them.
asio::awaitable<void> Gateway::sweep_exports() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!shutting_down_) {
    timer.expires_after(1min);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!shutting_down_) asio::post(blocking_, [this] { api_->sweep(); });
  }
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
  auto next_school_health = derived::school_health_rules_of(next.mappings_directory, errors);
  auto registry = plugin_host::PluginRegistry::scan(plugin_directory_of(config_));
  AdapterSet set = build_adapters(next, registry, errors, next_mappings.get());
  for (const auto& w : set.warnings) log::warn("adapter_warning", {{"warning", w}});
  auto next_policy = std::make_shared<const consent::Policy>(next);
  for (const auto& w : next_policy->warnings()) log::warn("consent_warning", {{"warning", w}});
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
  if (next.log_repeat_window != config_.log_repeat_window) log::set_repeat_window(next.log_repeat_window);

  stop_schedules();
  mappings_.set(next_mappings);
  if (store::Store* store = open_store_or_null()) store->set_dedupe_retention(dedupe_retention_of(next));
  std::vector<std::shared_ptr<plugin_host::AdapterInstance>> old;
  {
    std::lock_guard lock(state_mutex_);
    old = std::move(adapters_.instances);
    adapters_ = std::move(set);
    policy_ = std::move(next_policy);  // the next request decides under the new policy
    school_health_ = std::move(next_school_health);
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
  retire(std::move(old), std::chrono::steady_clock::now() + config_.shutdown_grace);
  // Certificates and CRLs are renewed in place: read them again, so that a new CRL (they expire,
  // and an expired one refuses every client) or a renewed server certificate needs no restart.
  for (const auto& server : servers_) {
    if (std::string error = server->reload_tls(); !error.empty()) {
      log::error("tls_reload_failed", {{"listener", server->config().name},
                                       {"error", error},
                                       {"effect", "the listener keeps the certificates and CRL it had"}});
    }
  }
  log::info("reload_done", {{"adapters", adapters_.instances.size()},
                            {"mappings", next_mappings ? next_mappings->mappings().size() : 0}});
}

void Gateway::retire(std::vector<std::shared_ptr<plugin_host::AdapterInstance>> old,
                     std::chrono::steady_clock::time_point deadline) {
  // A plugin's destroy hook runs on this thread once no request holds the instance any more.
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

// Everything here answers to one deadline, shutdown_grace after the signal: in-flight messages
// finish (commit and reply) until then; what has not committed by then fails — the store stops
// waiting even for a lock another process holds — so its sender hears a transient error, and
// nothing uncommitted is ever acknowledged. A short slack after the deadline lets those negative
// replies out.
void Gateway::shutdown() {
  if (shutting_down_.exchange(true)) return;
  constexpr auto kReplySlack = 250ms;
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto deadline = started + config_.shutdown_grace;
  store::Store* store = open_store_or_null();
  log::info("shutdown_started", {{"in_flight", store != nullptr ? pipeline_->in_flight() : 0},
                                 {"drop_workers", drop_workers_.size()}});
  for (auto& s : servers_) s->stop_accepting();
  stop_schedules();
  for (auto& s : servers_) s->close_connections();
  if (store != nullptr && !pipeline_->wait_idle(config_.shutdown_grace)) {
    log::warn("shutdown_grace_expired", {{"in_flight", pipeline_->in_flight()}});
    store->shutdown_by(Clock::now());
    pipeline_->wait_idle(std::chrono::duration_cast<std::chrono::milliseconds>(kReplySlack));
  }
  // Let the replies reach their sockets before the io threads stop.
  const auto replies_by = std::max(deadline, Clock::now() + kReplySlack);
  auto busy = [this] {
    std::size_t n = 0;
    for (const auto& s : servers_) n += s->busy_connections();
    return n;
  };
  while (busy() > 0 && Clock::now() < replies_by) std::this_thread::sleep_for(5ms);
  if (api_) api_->stop();  // bulk exports stop at their next chunk, so the pool can be joined
  // A stopped io_context never resumes a coroutine, and a suspended one keeps its adapter alive.
  while (schedule_coroutines_.load() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ioc_.stop();
  for (auto& t : io_threads_) {
    if (t.joinable()) t.join();
  }
  blocking_.join();
  auth_audit_.flush(/*everything=*/true);
  if (store != nullptr) store->shutdown_by(std::max(deadline, Clock::now() + kReplySlack));
  metrics_.clear_gauges();
  servers_.clear();
  std::vector<std::shared_ptr<plugin_host::AdapterInstance>> old;
  {
    std::lock_guard lock(state_mutex_);
    old = std::move(adapters_.instances);
    adapters_.routes.reset();
  }
  retire(std::move(old), std::max(deadline, Clock::now()));
  const std::chrono::duration<double> took = Clock::now() - started;
  log::info("shutdown_complete", {{"seconds", took.count()}});
  log::flush_repeats(/*everything=*/true);
}

}  // namespace kq::runtime
