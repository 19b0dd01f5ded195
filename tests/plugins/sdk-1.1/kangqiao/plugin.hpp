// Header-only C++ wrapper over the C plugin ABI (kangqiao/plugin.h).
//
// A plugin author writes one class derived from kangqiao::Adapter and one line:
//
//   KQ_DEFINE_PLUGIN(MyAdapter, "my_plugin", "1.0.0", "What it does", kFields)
//
// The wrapper turns exceptions into KQ_ERROR with a message, so nothing C++ crosses the ABI.
// It compiles into the plugin; the host never sees these types.
#pragma once

#include <kangqiao/plugin.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kangqiao {

inline std::string_view view(kq_str s) { return {s.data, s.size}; }
inline kq_str str(std::string_view s) { return kq_str{s.data(), s.size()}; }

// The host API table, kept by the entry point for the process lifetime.
inline const kq_host_api*& host_api() {
  static const kq_host_api* api = nullptr;
  return api;
}

// Thrown from an Adapter constructor (or anywhere in a hook) to fail with a clear reason.
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Typed access to the validated config block (only during construction).
class Config {
 public:
  explicit Config(const kq_config_view* view) : view_(view) {}

  std::optional<std::string> string(const char* name) const {
    kq_str out{};
    if (!host_api()->config_get_string(view_, name, &out)) return std::nullopt;
    return std::string(out.data, out.size);
  }
  std::optional<std::int64_t> integer(const char* name) const {
    std::int64_t out = 0;
    if (!host_api()->config_get_int(view_, name, &out)) return std::nullopt;
    return out;
  }
  std::optional<bool> boolean(const char* name) const {
    int out = 0;
    if (!host_api()->config_get_bool(view_, name, &out)) return std::nullopt;
    return out != 0;
  }
  std::vector<std::string> list(const char* name) const {
    std::vector<std::string> items;
    const std::size_t n = host_api()->config_list_size(view_, name);
    for (std::size_t i = 0; i < n; ++i) {
      kq_str out{};
      if (host_api()->config_list_item(view_, name, i, &out)) items.emplace_back(out.data, out.size);
    }
    return items;
  }

 private:
  const kq_config_view* view_;
};

// The host as seen by one adapter instance.
class Host {
 public:
  explicit Host(kq_host_instance* handle) : handle_(handle) {}

  void log(kq_log_level level, const char* event, const std::string& message) const {
    host_api()->log(handle_, level, event, message.c_str());
  }
  void add_http_route(const char* method, const char* path) const {
    if (host_api()->add_http_route(handle_, method, path) != KQ_OK) {
      throw PluginError(std::string("cannot serve ") + method + " " + path);
    }
  }
  void add_schedule(const char* name, std::int64_t interval_ms) const {
    if (host_api()->add_schedule(handle_, name, interval_ms) != KQ_OK) {
      throw PluginError(std::string("cannot add schedule ") + name);
    }
  }
  // Receive the frames of the adapter's MLLP listener (ABI 1.1).
  void add_mllp_route() const {
    if (host_api()->abi_minor < 1 || host_api()->add_mllp_route(handle_) != KQ_OK) {
      throw PluginError("cannot serve MLLP: the adapter's listener must have protocol: mllp");
    }
  }
  kq_host_instance* handle() const { return handle_; }

 private:
  kq_host_instance* handle_;
};

class DecodeSink {
 public:
  explicit DecodeSink(kq_decode_sink* sink) : sink_(sink) {}
  void emit(const char* format, std::string_view body) const {
    host_api()->emit_document(sink_, format, str(body));
  }
  void set_message_key(std::string_view key) const { host_api()->set_message_key(sink_, str(key)); }
  void field_error(std::string_view location, std::string_view message) const {
    host_api()->add_field_error(sink_, str(location), str(message));
  }
  void reject(std::string_view reason) const { host_api()->reject(sink_, str(reason)); }

 private:
  kq_decode_sink* sink_;
};

class AckSink {
 public:
  explicit AckSink(kq_ack_sink* sink) : sink_(sink) {}
  void write(std::string_view bytes) const { host_api()->ack_write(sink_, str(bytes)); }
  void status(int http_status) const { host_api()->ack_set_status(sink_, http_status); }
  void content_type(std::string_view type) const {
    host_api()->ack_set_content_type(sink_, str(type));
  }

 private:
  kq_ack_sink* sink_;
};

// Read-only C++ views of the C structs.
struct Inbound {
  const kq_inbound* raw;
  std::string_view payload() const { return view(raw->payload); }
  std::string_view channel() const { return view(raw->channel); }
  std::string_view method() const { return view(raw->method); }
  std::string_view content_type() const { return view(raw->content_type); }
  std::string_view peer_organisation() const { return view(raw->peer_organisation); }
  std::string_view idempotency_key() const { return view(raw->idempotency_key); }
};

struct Outcome {
  const kq_outcome* raw;
  kq_outcome_kind kind() const { return raw->kind; }
  std::string_view message_id() const { return view(raw->message_id); }
  std::span<const kq_str> record_ids() const { return {raw->record_ids, raw->record_count}; }
  std::span<const kq_field_error> errors() const { return {raw->errors, raw->error_count}; }
  std::string_view reason() const { return view(raw->reason); }
};

// Base class of a plugin's adapter. The constructor is `create`: read config, ask for transports.
class Adapter {
 public:
  virtual ~Adapter() = default;
  virtual void decode(const Inbound& in, DecodeSink& out) = 0;
  virtual void acknowledge(const Inbound& in, const Outcome& outcome, AckSink& out) = 0;
};

namespace detail {

inline kq_status fail(kq_host_instance* host, const char* what) {
  host_api()->set_error(host, what);
  return KQ_ERROR;
}

template <class T>
struct Hooks {
  static kq_status create(kq_host_instance* host, const kq_config_view* config, void** out) {
    try {
      Host h(host);
      Config c(config);
      *out = new T(h, c);
      return KQ_OK;
    } catch (const std::exception& e) {
      return fail(host, e.what());
    } catch (...) {
      return fail(host, "unknown error while configuring");
    }
  }
  static void destroy(void* instance) { delete static_cast<T*>(instance); }
  static kq_status decode(void* instance, const kq_inbound* in, kq_decode_sink* sink) {
    try {
      DecodeSink s(sink);
      static_cast<T*>(instance)->decode(Inbound{in}, s);
      return KQ_OK;
    } catch (const std::exception& e) {
      host_api()->reject(sink, str(e.what()));
      return KQ_OK;
    } catch (...) {
      host_api()->reject(sink, str("plugin failed while decoding"));
      return KQ_OK;
    }
  }
  static kq_status acknowledge(void* instance, const kq_inbound* in, const kq_outcome* outcome,
                               kq_ack_sink* sink) {
    try {
      AckSink s(sink);
      static_cast<T*>(instance)->acknowledge(Inbound{in}, Outcome{outcome}, s);
      return KQ_OK;
    } catch (...) {
      return KQ_ERROR;  // the host answers with a generic failure reply
    }
  }
  static const kq_plugin_vtable* vtable() {
    static const kq_plugin_vtable table{sizeof(kq_plugin_vtable), &create, &destroy, &decode,
                                        &acknowledge};
    return &table;
  }
};

}  // namespace detail
}  // namespace kangqiao

// Defines the plugin's entry point. FIELDS is a static array of kq_field_spec.
#define KQ_DEFINE_PLUGIN(ADAPTER, NAME, VERSION, DESCRIPTION, FIELDS)                          \
  extern "C" KQ_PLUGIN_EXPORT const kq_plugin_info* kq_plugin_entry(const kq_host_api* host) { \
    ::kangqiao::host_api() = host;                                                            \
    static const kq_plugin_info info{sizeof(kq_plugin_info),                                  \
                                     KQ_PLUGIN_ABI_MAJOR,                                     \
                                     KQ_PLUGIN_ABI_MINOR,                                     \
                                     NAME,                                                    \
                                     VERSION,                                                 \
                                     DESCRIPTION,                                             \
                                     FIELDS,                                                  \
                                     sizeof(FIELDS) / sizeof((FIELDS)[0]),                    \
                                     ::kangqiao::detail::Hooks<ADAPTER>::vtable()};           \
    return &info;                                                                             \
  }
