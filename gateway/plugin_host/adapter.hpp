#pragma once
// One configured adapter: a plugin instance plus the transports it asked for.
// The pipeline calls decode() and acknowledge(); both translate between C++ values and the C ABI.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <kangqiao/plugin.h>

#include "gateway/plugin_host/plugin_library.hpp"

namespace kq::config {
class Block;
}

namespace kq::plugin_host {

struct Inbound {
  kq_transport transport = KQ_TRANSPORT_HTTP;
  std::string channel;
  std::string method;
  std::string content_type;
  std::string payload;
  std::string peer_address;
  std::string peer_organisation;
  std::string peer_principal;
  std::string idempotency_key;
  std::int64_t received_at_ms = 0;
};

struct DecodedDocument {
  std::string format;
  std::string body;
};

struct FieldError {
  std::string location;
  std::string message;
};

struct DecodeResult {
  std::vector<DecodedDocument> documents;
  std::string message_key;
  std::vector<FieldError> errors;
  std::optional<std::string> rejection;
};

struct Outcome {
  kq_outcome_kind kind = KQ_OUTCOME_TRANSIENT;
  std::string message_id;
  std::vector<std::string> record_ids;
  std::vector<FieldError> errors;
  std::string reason;
};

struct AckReply {
  int http_status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

struct HttpRoute {
  std::string method;
  std::string path;
};

struct Schedule {
  std::string name;
  std::chrono::milliseconds interval{0};
};

// Thrown by AdapterInstance::create when the plugin's create hook fails.
struct AdapterCreateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class AdapterInstance {
 public:
  // Calls the plugin's create hook with the validated block. Throws AdapterCreateError.
  static std::shared_ptr<AdapterInstance> create(std::string name,
                                                 std::shared_ptr<const PluginLibrary> plugin,
                                                 const config::Block& block);
  ~AdapterInstance();
  AdapterInstance(const AdapterInstance&) = delete;
  AdapterInstance& operator=(const AdapterInstance&) = delete;

  const std::string& name() const { return name_; }
  const PluginLibrary& plugin() const { return *plugin_; }
  const std::vector<HttpRoute>& routes() const { return routes_; }
  const std::vector<Schedule>& schedules() const { return schedules_; }
  bool wants_mllp() const { return mllp_; }

  DecodeResult decode(const Inbound& in) const;
  // Never fails: a plugin that cannot produce a reply gets a generic one from the host.
  AckReply acknowledge(const Inbound& in, const Outcome& outcome) const;

 private:
  AdapterInstance(std::string name, std::shared_ptr<const PluginLibrary> plugin);
  friend struct HostApiAccess;

  std::string name_;
  std::shared_ptr<const PluginLibrary> plugin_;
  std::unique_ptr<kq_host_instance> handle_;  // what the plugin keeps to call the host
  void* instance_ = nullptr;
  bool configuring_ = false;
  std::string last_error_;
  std::vector<HttpRoute> routes_;
  std::vector<Schedule> schedules_;
  bool mllp_ = false;
};

// The host API table handed to every plugin.
const kq_host_api* host_api();

}  // namespace kq::plugin_host
