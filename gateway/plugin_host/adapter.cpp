#include "gateway/plugin_host/adapter.hpp"

#include <algorithm>
#include <deque>

#include "gateway/config/schema.hpp"
#include "gateway/log/log.hpp"
#include "gateway/version.hpp"

// The opaque handles of the C ABI, defined here and nowhere else.
struct kq_host_instance {
  kq::plugin_host::AdapterInstance* self;
};

struct kq_config_view {
  const kq::config::Block* block;
  std::deque<std::string> strings;  // keeps returned kq_str data alive while create runs
};

struct kq_decode_sink {
  kq::plugin_host::DecodeResult* result;
};

struct kq_ack_sink {
  kq::plugin_host::AckReply* reply;
};

namespace kq::plugin_host {

// The host API functions below are free functions (they become C function pointers); this
// friend gives them access to the instance they serve.
struct HostApiAccess {
  static AdapterInstance& self(kq_host_instance* h) { return *h->self; }
  static bool configuring(const AdapterInstance& a) { return a.configuring_; }
  static std::string& last_error(AdapterInstance& a) { return a.last_error_; }
  static std::vector<HttpRoute>& routes(AdapterInstance& a) { return a.routes_; }
  static std::vector<Schedule>& schedules(AdapterInstance& a) { return a.schedules_; }
  static bool& mllp(AdapterInstance& a) { return a.mllp_; }
};

namespace {

std::string to_string(kq_str s) { return s.data != nullptr ? std::string(s.data, s.size) : std::string(); }

void api_log(kq_host_instance* h, kq_log_level level, const char* event, const char* message) {
  const std::string adapter = h != nullptr ? HostApiAccess::self(h).name() : std::string();
  const auto lvl = static_cast<log::Level>(std::clamp(static_cast<int>(level), 0, 3));
  log::write(lvl, event != nullptr ? event : "plugin_log",
             {{"adapter", adapter}, {"message", message != nullptr ? message : ""}});
}

void api_set_error(kq_host_instance* h, const char* message) {
  if (h == nullptr) return;
  AdapterInstance& self = HostApiAccess::self(h);
  // Only create is single-threaded; from other hooks the reason is logged instead of stored.
  if (HostApiAccess::configuring(self)) {
    HostApiAccess::last_error(self) = message != nullptr ? message : "";
  } else {
    api_log(h, KQ_LOG_WARN, "plugin_error", message);
  }
}

// The getters check the declared type first: Block throws on a type mismatch, and nothing may
// throw through a C function pointer.
bool has_type(const kq_config_view* v, const char* name, std::initializer_list<config::FieldType> types) {
  if (v == nullptr || name == nullptr || !v->block->has(name)) return false;
  const auto type = v->block->type_of(name);
  return type && std::find(types.begin(), types.end(), *type) != types.end();
}

kq_str keep(const kq_config_view* v, std::string value) {
  auto* view = const_cast<kq_config_view*>(v);  // the view is the host's own scratch space
  view->strings.push_back(std::move(value));
  return kq_str{view->strings.back().data(), view->strings.back().size()};
}

int api_get_string(const kq_config_view* v, const char* name, kq_str* out) {
  using T = config::FieldType;
  if (!has_type(v, name, {T::string, T::path, T::enumeration})) return 0;
  *out = keep(v, v->block->get_string(name));
  return 1;
}

int api_get_int(const kq_config_view* v, const char* name, int64_t* out) {
  using T = config::FieldType;
  if (has_type(v, name, {T::duration})) {
    *out = v->block->get_duration(name).count();
  } else if (has_type(v, name, {T::bytes})) {
    *out = v->block->get_bytes(name);
  } else if (has_type(v, name, {T::integer})) {
    *out = v->block->get_int(name);
  } else {
    return 0;
  }
  return 1;
}

int api_get_bool(const kq_config_view* v, const char* name, int* out) {
  if (!has_type(v, name, {config::FieldType::boolean})) return 0;
  *out = v->block->get_bool(name) ? 1 : 0;
  return 1;
}

size_t api_list_size(const kq_config_view* v, const char* name) {
  if (!has_type(v, name, {config::FieldType::string_list})) return 0;
  return v->block->get_string_list(name).size();
}

int api_list_item(const kq_config_view* v, const char* name, size_t index, kq_str* out) {
  if (!has_type(v, name, {config::FieldType::string_list})) return 0;
  const auto& items = v->block->get_string_list(name);
  if (index >= items.size()) return 0;
  *out = keep(v, items[index]);
  return 1;
}

kq_status api_add_http_route(kq_host_instance* h, const char* method, const char* path) {
  AdapterInstance& self = HostApiAccess::self(h);
  if (!HostApiAccess::configuring(self)) {
    HostApiAccess::last_error(self) = "add_http_route may only be called from create";
    return KQ_ERROR;
  }
  if (method == nullptr || path == nullptr || path[0] != '/') {
    HostApiAccess::last_error(self) = "add_http_route needs a method and an absolute path";
    return KQ_ERROR;
  }
  HostApiAccess::routes(self).push_back(HttpRoute{method, path});
  return KQ_OK;
}

kq_status api_add_schedule(kq_host_instance* h, const char* name, int64_t interval_ms) {
  AdapterInstance& self = HostApiAccess::self(h);
  if (!HostApiAccess::configuring(self) || name == nullptr || interval_ms < 10) {
    HostApiAccess::last_error(self) = "add_schedule needs a name and an interval of at least 10 ms, from create";
    return KQ_ERROR;
  }
  HostApiAccess::schedules(self).push_back(Schedule{name, std::chrono::milliseconds(interval_ms)});
  return KQ_OK;
}

kq_status api_add_mllp_route(kq_host_instance* h) {
  AdapterInstance& self = HostApiAccess::self(h);
  if (!HostApiAccess::configuring(self)) {
    HostApiAccess::last_error(self) = "add_mllp_route may only be called from create";
    return KQ_ERROR;
  }
  HostApiAccess::mllp(self) = true;
  return KQ_OK;
}

kq_status api_emit_document(kq_decode_sink* s, const char* format, kq_str body) {
  if (s == nullptr || format == nullptr) return KQ_ERROR;
  s->result->documents.push_back(DecodedDocument{format, to_string(body)});
  return KQ_OK;
}

void api_set_message_key(kq_decode_sink* s, kq_str key) {
  if (s != nullptr) s->result->message_key = to_string(key);
}

void api_add_field_error(kq_decode_sink* s, kq_str location, kq_str message) {
  if (s != nullptr) s->result->errors.push_back(FieldError{to_string(location), to_string(message)});
}

void api_reject(kq_decode_sink* s, kq_str reason) {
  if (s != nullptr) s->result->rejection = to_string(reason);
}

void api_ack_write(kq_ack_sink* s, kq_str bytes) {
  if (s != nullptr) s->reply->body.append(bytes.data, bytes.size);
}

void api_ack_set_status(kq_ack_sink* s, int status) {
  if (s != nullptr && status >= 100 && status <= 599) s->reply->http_status = status;
}

void api_ack_set_content_type(kq_ack_sink* s, kq_str type) {
  if (s != nullptr) s->reply->content_type = to_string(type);
}

const kq_host_api kHostApi{
    sizeof(kq_host_api), KQ_PLUGIN_ABI_MAJOR, KQ_PLUGIN_ABI_MINOR, kq::kVersion,
    &api_log,            &api_set_error,      &api_get_string,     &api_get_int,
    &api_get_bool,       &api_list_size,      &api_list_item,      &api_add_http_route,
    &api_add_schedule,   &api_emit_document,  &api_set_message_key, &api_add_field_error,
    &api_reject,         &api_ack_write,      &api_ack_set_status, &api_ack_set_content_type,
    &api_add_mllp_route,
};

// Views of C++ strings as kq_str; valid while the source strings live.
kq_str view_of(const std::string& s) { return kq_str{s.data(), s.size()}; }

kq_inbound to_c(const Inbound& in) {
  kq_inbound c{};
  c.struct_size = sizeof(kq_inbound);
  c.transport = in.transport;
  c.channel = view_of(in.channel);
  c.method = view_of(in.method);
  c.content_type = view_of(in.content_type);
  c.payload = view_of(in.payload);
  c.peer_address = view_of(in.peer_address);
  c.peer_organisation = view_of(in.peer_organisation);
  c.peer_principal = view_of(in.peer_principal);
  c.idempotency_key = view_of(in.idempotency_key);
  c.received_at_ms = in.received_at_ms;
  return c;
}

}  // namespace

const kq_host_api* host_api() { return &kHostApi; }

AdapterInstance::AdapterInstance(std::string name, std::shared_ptr<const PluginLibrary> plugin)
    : name_(std::move(name)), plugin_(std::move(plugin)) {}

std::shared_ptr<AdapterInstance> AdapterInstance::create(
    std::string name, std::shared_ptr<const PluginLibrary> plugin, const config::Block& block) {
  std::shared_ptr<AdapterInstance> self(new AdapterInstance(std::move(name), std::move(plugin)));
  kq_config_view view{&block, {}};
  self->handle_.reset(new kq_host_instance{self.get()});
  self->configuring_ = true;
  void* instance = nullptr;
  const kq_status status = self->plugin_->vtable().create(self->handle_.get(), &view, &instance);
  self->configuring_ = false;
  if (status != KQ_OK || instance == nullptr) {
    const std::string why = self->last_error_.empty() ? "no reason given" : self->last_error_;
    if (instance != nullptr) self->plugin_->vtable().destroy(instance);
    throw AdapterCreateError("plugin '" + self->plugin_->name() + "' refused its configuration: " + why);
  }
  self->instance_ = instance;
  return self;
}

AdapterInstance::~AdapterInstance() {
  if (instance_ != nullptr) plugin_->vtable().destroy(instance_);
}

DecodeResult AdapterInstance::decode(const Inbound& in) const {
  DecodeResult result;
  kq_decode_sink sink{&result};
  const kq_inbound c = to_c(in);
  if (plugin_->vtable().on_decode(instance_, &c, &sink) != KQ_OK && !result.rejection) {
    result.rejection = "the adapter could not decode the message";
  }
  return result;
}

AckReply AdapterInstance::acknowledge(const Inbound& in, const Outcome& outcome) const {
  std::vector<kq_str> ids;
  ids.reserve(outcome.record_ids.size());
  for (const auto& id : outcome.record_ids) ids.push_back(view_of(id));
  std::vector<kq_field_error> errors;
  errors.reserve(outcome.errors.size());
  for (const auto& e : outcome.errors) errors.push_back({view_of(e.location), view_of(e.message)});
  kq_outcome c{};
  c.struct_size = sizeof(kq_outcome);
  c.kind = outcome.kind;
  c.message_id = view_of(outcome.message_id);
  c.record_ids = ids.data();
  c.record_count = ids.size();
  c.errors = errors.data();
  c.error_count = errors.size();
  c.reason = view_of(outcome.reason);

  AckReply reply;
  kq_ack_sink sink{&reply};
  const kq_inbound cin = to_c(in);
  if (plugin_->vtable().on_acknowledge(instance_, &cin, &c, &sink) != KQ_OK) {
    reply = AckReply{};
    // Even after a commit: the sender retries and gets the duplicate reply, which is safe.
    reply.http_status = 500;
    reply.content_type = "application/problem+json";
    reply.body = R"({"type":"about:blank","title":"The adapter failed to build its reply","status":)" +
                 std::to_string(reply.http_status) + "}";
  }
  return reply;
}

}  // namespace kq::plugin_host
