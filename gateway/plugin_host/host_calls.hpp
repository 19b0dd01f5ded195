#pragma once
// Internal to kq_plugin_host: the opaque handles of the C ABI and the context of the hook call in
// progress, shared by the host API functions (host_api.cpp, documents.cpp) and the adapter's
// calls into the plugin (adapter.cpp).
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "gateway/outbound/https_get.hpp"
#include "gateway/plugin_host/adapter.hpp"

struct kq_host_instance {
  kq::plugin_host::AdapterInstance* self;
};

struct kq_config_view {
  const kq::config::Block* block;
  std::deque<std::string> strings;  // keeps returned kq_str data alive while create runs
};

// Open only while on_decode runs: any call after that is refused.
struct kq_decode_sink {
  kq::plugin_host::DecodeResult* result;
  const kq::plugin_host::Inbound* inbound;
  bool open = true;
};

struct kq_ack_sink {
  kq::plugin_host::AckReply* reply;
};

struct kq_path {
  std::string format;
  std::unique_ptr<kq::formats::Path> path;
};

struct kq_document {
  std::string format;
  std::shared_ptr<const kq::formats::Document> document;
  kq::formats::ParseOptions options;
  std::string bytes;             // what was parsed; empty when it was the inbound payload itself
  bool bytes_are_payload = false;
  kq::plugin_host::MessageDocuments* owner = nullptr;  // where the strings read from it are kept
};

namespace kq::plugin_host {

struct CompiledPath : kq_path {};

struct MessageDocuments {
  std::deque<kq_document> documents;  // stable addresses: plugins hold kq_document pointers
  std::deque<std::string> strings;    // values and locations handed out by document_value
  std::deque<std::string> scratch;    // parse error texts, valid until on_decode returns
  // Bodies fetched with https_get: their validators are remembered once the message commits.
  std::vector<std::pair<std::string, outbound::Validators>> fetched;
};

// The hook call in progress on this thread, so that set_error (which names only the instance)
// reaches the call that is failing, even when hooks of one instance run concurrently.
struct HookCall {
  const AdapterInstance* instance = nullptr;
  std::string error;
  bool configuring = false;  // create: the transports may be asked for
  std::string host_refusal;  // why the host refused a request during create (kept if the plugin rewords it)
};

// Installs a HookCall for the current thread for the lifetime of the scope.
class HookScope {
 public:
  HookScope(const AdapterInstance* instance, bool configuring);
  ~HookScope();
  HookScope(const HookScope&) = delete;
  HookScope& operator=(const HookScope&) = delete;
  HookCall& call() { return call_; }

 private:
  HookCall call_;
  HookCall* previous_;
};

// The call in progress on this thread for `instance`, or nullptr.
HookCall* current_call(const AdapterInstance* instance);
// The instance whose hook runs on this thread, or nullptr.
const AdapterInstance* current_instance();

// Friend access for the API functions.
struct HostAccess {
  static AdapterInstance& self(kq_host_instance* h) { return *h->self; }
  static std::vector<HttpRoute>& routes(AdapterInstance& a) { return a.routes_; }
  static std::vector<Schedule>& schedules(AdapterInstance& a) { return a.schedules_; }
  static auto& https_sources(AdapterInstance& a) { return a.https_sources_; }
  static const auto& https_sources(const AdapterInstance& a) { return a.https_sources_; }
  static bool& mllp(AdapterInstance& a) { return a.mllp_; }
  static std::vector<FileDrop>& file_drops(AdapterInstance& a) { return a.file_drops_; }
  static std::vector<std::unique_ptr<CompiledPath>>& paths(AdapterInstance& a) { return a.paths_; }
};

// The 1.2 document functions (documents.cpp).
const kq_path* api_compile_path(kq_host_instance* host, const char* format, const char* path);
kq_status api_parse_document(kq_decode_sink* sink, const kq_source* source, const kq_document** out,
                             kq_error_detail* error);
int api_document_value(const kq_document* document, const kq_path* path, size_t n, kq_str* text,
                       kq_str* location);
kq_status api_emit_parsed(kq_decode_sink* sink, const kq_document* document);

// The 1.3 schedule and outbound HTTPS functions (https_sources.cpp).
kq_status api_add_calendar_schedule(kq_host_instance* host, const char* name, const char* cron,
                                    const char* time_zone);
kq_status api_add_https_source(kq_host_instance* host, const kq_https_source* source);
kq_status api_https_get(kq_decode_sink* sink, const char* source_name, kq_https_response* response,
                        kq_error_detail* error);
// After the outcome of a message is known: remembers the validators of what it fetched when it
// committed (or was a duplicate of a commit).
void settle_fetches(const AdapterInstance& adapter, const Outcome& outcome, DecodeResult& decoded);
// The configuring call of `host`, or nullptr with the reason recorded (host_api.cpp).
HookCall* configuring(kq_host_instance* host, const char* function);

// A copy of a borrowed string; empty for a null pointer.
inline std::string to_string(kq_str s) { return s.data != nullptr ? std::string(s.data, s.size) : std::string(); }
inline kq_str view_of(const std::string& s) { return kq_str{s.data(), s.size()}; }

}  // namespace kq::plugin_host
