// The gateway's own metrics: the store's gauges, queue depths, connection counts and the other
// series /metrics shows besides those each part counts itself (docs/operations.md lists them all).
#include "gateway/runtime/gateway.hpp"

namespace kq::runtime {

void Gateway::register_metrics() {
  // Store gauges read 0 while the store is still opening.
  auto store_gauge = [this](const char* name, const char* help,
                            std::function<double(const store::Store&)> read) {
    metrics_.gauge(name, help, [this, read = std::move(read)] {
      const store::Store* store = open_store_or_null();
      return store != nullptr ? read(*store) : 0.0;
    });
  };
  store_gauge("kangqiao_store_queue_depth", "Write batches waiting for the store's writer.",
              [](const store::Store& s) { return static_cast<double>(s.queue_depth()); });
  store_gauge("kangqiao_store_size_bytes", "Database and WAL size on disk.",
              [](const store::Store& s) { return static_cast<double>(s.db_size_bytes()); });
  store_gauge("kangqiao_store_batches_committed", "Write batches committed since start.",
              [](const store::Store& s) { return static_cast<double>(s.batches_committed()); });
  store_gauge("kangqiao_store_records_committed", "Canonical records committed since start.",
              [](const store::Store& s) { return static_cast<double>(s.records_committed()); });
  store_gauge("kangqiao_store_last_group_size", "Write batches in the most recent transaction.",
              [](const store::Store& s) { return static_cast<double>(s.stats().last_commit_batches); });
  store_gauge("kangqiao_store_checkpoints", "WAL checkpoints run by the background thread.",
              [](const store::Store& s) { return static_cast<double>(s.stats().checkpoints); });
  store_gauge("kangqiao_store_dedupe_keys_pruned",
              "Expired message keys (older than the longest dedupe_window) removed since start.",
              [](const store::Store& s) { return static_cast<double>(s.stats().dedupe_keys_pruned); });
  store_gauge("kangqiao_store_writable", "1 when the store accepts writes.",
              [](const store::Store& s) { return s.health().writable ? 1.0 : 0.0; });
  store_gauge("kangqiao_store_free_bytes", "Free space on the store's file system at the last check.",
              [](const store::Store& s) { return static_cast<double>(s.stats().free_bytes); });
  store_gauge("kangqiao_store_free_bytes_reserve",
              "Free space below which writes are refused (store.min_free_space).",
              [](const store::Store& s) { return static_cast<double>(s.stats().min_free_bytes); });
  store_gauge("kangqiao_store_integrity_checks", "Background integrity checks completed since start.",
              [](const store::Store& s) { return static_cast<double>(s.stats().integrity_checks); });
  store_gauge("kangqiao_store_integrity_ok",
              "1 when the last background integrity check found no problem; 0 when it did or none ran.",
              [](const store::Store& s) { return s.stats().integrity_ok ? 1.0 : 0.0; });
  store_gauge("kangqiao_store_integrity_checked_at_seconds",
              "Unix time at which the last background integrity check ended (0: none yet).",
              [](const store::Store& s) {
                return static_cast<double>(s.stats().integrity_checked_at_ms) / 1000.0;
              });
  store_gauge("kangqiao_store_integrity_check_duration_seconds",
              "How long the last background integrity check took.", [](const store::Store& s) {
                return static_cast<double>(s.stats().integrity_check_duration.count()) / 1000.0;
              });
  for (const std::string_view format : {"hl7v2", "xml", "json", "csv", "xlsx", "fixed"}) {
    metrics_.gauge("kangqiao_payload_parses_total",
                   "Payloads parsed by each source format since start: one per message that the adapter "
                   "or a mapping reads, however many mappings apply.",
                   "format", std::string(format),
                   [format] { return static_cast<double>(formats::parse_count(format)); });
  }
  metrics_.gauge("kangqiao_store_open", "1 once the store is open; 0 while it opens.",
                 [this] { return open_store_or_null() != nullptr ? 1.0 : 0.0; });
  metrics_.gauge("kangqiao_pipeline_in_flight", "Messages received and not yet acknowledged.", [this] {
    return open_store_or_null() != nullptr ? static_cast<double>(pipeline_->in_flight()) : 0.0;
  });
  metrics_.gauge("kangqiao_roster_sync_rows_done", "Rows of the roster syncs now running that are committed.",
                 [rows = roster_rows_done_] { return static_cast<double>(rows->load()); });
  metrics_.gauge("kangqiao_roster_sync_rows_estimated",
                 "Rows the running roster sync's file holds, estimated from the bytes read so far.",
                 [rows = roster_rows_estimated_] { return static_cast<double>(rows->load()); });
  metrics_.gauge("kangqiao_adapters_up", "Adapter instances running.", [this] {
    std::lock_guard lock(state_mutex_);
    return static_cast<double>(adapters_.instances.size());
  });
  auto listener_gauge = [this](const char* name, const char* help,
                               std::function<std::uint64_t(const net::TcpListener&)> read) {
    metrics_.gauge(name, help, [this, read = std::move(read)] {
      std::uint64_t n = 0;
      for (const auto& s : servers_) n += read(*s);
      return static_cast<double>(n);
    });
  };
  listener_gauge("kangqiao_connections_open", "Open client connections on all listeners.",
                 [](const net::TcpListener& l) { return l.open_connections(); });
  listener_gauge("kangqiao_connections_refused_per_peer",
                 "Connections refused since start: their address held max_connections_per_peer.",
                 [](const net::TcpListener& l) { return l.counters().refused_per_peer.load(); });
  listener_gauge("kangqiao_connections_refused_full",
                 "Connections refused since start: the listener was full of proven connections.",
                 [](const net::TcpListener& l) { return l.counters().refused_full.load(); });
  listener_gauge("kangqiao_connections_evicted",
                 "Connections closed since start to make room: the oldest that had not yet completed "
                 "a handshake and a request.",
                 [](const net::TcpListener& l) { return l.counters().evicted.load(); });
  listener_gauge("kangqiao_tls_handshake_timeouts",
                 "TLS handshakes not completed within handshake_timeout since start.",
                 [](const net::TcpListener& l) { return l.counters().handshake_timeouts.load(); });
  listener_gauge("kangqiao_client_auth_failures",
                 "Clients refused since start for their certificate: none when required, untrusted, "
                 "expired, revoked, no current CRL, or mapped to no principal.",
                 [](const net::TcpListener& l) { return l.counters().auth_failures.load(); });
  for (const auto& l : config_.listeners) {
    if (!l.tls || l.tls->crl.empty()) continue;
    metrics_.gauge("kangqiao_tls_crl_next_update_seconds",
                   "Earliest nextUpdate (Unix time) of the listener's CRLs: after it every client is refused.",
                   "listener", l.name, [this, name = l.name] {
                     for (const auto& s : servers_) {
                       if (s->config().name == name) return static_cast<double>(s->crl_next_update_ms()) / 1000.0;
                     }
                     return 0.0;
                   });
  }
}

}  // namespace kq::runtime
