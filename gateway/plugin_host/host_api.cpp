// The host API table (kq_host_api) handed to every plugin: config reads, transports, the decode
// and acknowledgement sinks. Each function checks that it is called when the header says it may
// be, and never throws: nothing may unwind through a C function pointer.
#include <algorithm>
#include <cctype>
#include <cstddef>

#include "gateway/config/schema.hpp"
#include "gateway/log/log.hpp"
#include "gateway/plugin_host/host_calls.hpp"
#include "gateway/version.hpp"

namespace kq::plugin_host {

namespace {

thread_local HookCall* t_current = nullptr;

void api_log(kq_host_instance* h, kq_log_level level, const char* event, const char* message) {
  const std::string adapter = h != nullptr ? HostAccess::self(h).name() : std::string();
  const auto lvl = static_cast<log::Level>(std::clamp(static_cast<int>(level), 0, 3));
  log::write(lvl, event != nullptr ? event : "plugin_log",
             {{"adapter", adapter}, {"message", message != nullptr ? message : ""}});
}

void api_set_error(kq_host_instance* h, const char* message) {
  if (h == nullptr) return;
  if (HookCall* call = current_call(&HostAccess::self(h))) {
    call->error = message != nullptr ? message : "";
  } else {
    api_log(h, KQ_LOG_WARN, "plugin_error", message);  // outside any hook: nobody to tell but the log
  }
}

// The getters check the declared type first: Block throws on a type mismatch.
bool has_type(const kq_config_view* v, const char* name, std::initializer_list<config::FieldType> types) {
  if (v == nullptr || name == nullptr || !v->block->has(name)) return false;
  const auto type = v->block->type_of(name);
  return type && std::find(types.begin(), types.end(), *type) != types.end();
}

kq_str keep(const kq_config_view* v, std::string value) {
  auto* view = const_cast<kq_config_view*>(v);  // the view is the host's own scratch space
  view->strings.push_back(std::move(value));
  return view_of(view->strings.back());
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

}  // namespace

// The call in progress if it is `create` of the instance; otherwise records why not.
HookCall* configuring(kq_host_instance* h, const char* function) {
  if (h == nullptr) return nullptr;
  HookCall* call = current_call(&HostAccess::self(h));
  if (call != nullptr && call->configuring) return call;
  if (call != nullptr) call->error = std::string(function) + " may only be called from create";
  return nullptr;
}

namespace {

kq_status api_add_http_route(kq_host_instance* h, const char* method, const char* path) {
  HookCall* call = configuring(h, "add_http_route");
  if (call == nullptr) return KQ_ERROR;
  if (method == nullptr || path == nullptr || path[0] != '/') {
    call->error = "add_http_route needs a method and an absolute path";
    return KQ_ERROR;
  }
  HostAccess::routes(HostAccess::self(h)).push_back(HttpRoute{method, path});
  return KQ_OK;
}

kq_status api_add_schedule(kq_host_instance* h, const char* name, int64_t interval_ms) {
  HookCall* call = configuring(h, "add_schedule");
  if (call == nullptr) return KQ_ERROR;
  if (name == nullptr || interval_ms < 10) {
    call->error = "add_schedule needs a name and an interval of at least 10 ms";
    return KQ_ERROR;
  }
  HostAccess::schedules(HostAccess::self(h)).push_back(Schedule{name, std::chrono::milliseconds(interval_ms), nullptr});
  return KQ_OK;
}

kq_status api_add_file_drop(kq_host_instance* h, const char* name, const char* directory, int64_t settle_ms,
                            const char* principal) {
  HookCall* call = configuring(h, "add_file_drop");
  if (call == nullptr) return KQ_ERROR;
  if (name == nullptr || name[0] == '\0' || directory == nullptr || directory[0] != '/' || settle_ms < 0) {
    call->error = "add_file_drop needs a name, an absolute directory and a settle time of 0 or more";
    return KQ_ERROR;
  }
  for (const FileDrop& d : HostAccess::file_drops(HostAccess::self(h))) {
    if (d.directory == directory) {
      call->error = std::string("add_file_drop: ") + directory + " is already a drop folder of this adapter";
      return KQ_ERROR;
    }
  }
  HostAccess::file_drops(HostAccess::self(h))
      .push_back(FileDrop{name, directory, std::chrono::milliseconds(settle_ms), principal != nullptr ? principal : ""});
  return KQ_OK;
}

kq_status api_add_roster_drop(kq_host_instance* h, const char* name, const char* directory, int64_t settle_ms,
                              const char* principal, int64_t rows_per_chunk) {
  if (rows_per_chunk < 1 || rows_per_chunk > 1000000) {
    if (HookCall* call = configuring(h, "add_roster_drop")) {
      call->error = call->host_refusal =
          "add_roster_drop: rows_per_chunk must be 1 to 1000000, not " + std::to_string(rows_per_chunk);
    }
    return KQ_ERROR;
  }
  if (api_add_file_drop(h, name, directory, settle_ms, principal) != KQ_OK) return KQ_ERROR;
  HostAccess::file_drops(HostAccess::self(h)).back().rows_per_chunk = static_cast<std::size_t>(rows_per_chunk);
  return KQ_OK;
}

// An element name as a roster's record element: letters (any script), digits, '_', '-' and '.',
// not starting with a digit, '-' or '.'; no prefix (records are matched by their local name).
bool plain_element_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9') || name[0] == '-' || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || std::isalnum(u) != 0 || c == '_' || c == '-' || c == '.';
  });
}

kq_status api_add_roster_drop_with(kq_host_instance* h, const kq_roster_drop* drop) {
  HookCall* call = configuring(h, "add_roster_drop_with");
  if (call == nullptr) return KQ_ERROR;
  if (drop == nullptr || drop->struct_size < offsetof(kq_roster_drop, record_element) + sizeof(drop->record_element)) {
    call->error = "add_roster_drop_with needs a kq_roster_drop with its struct_size set";
    return KQ_ERROR;
  }
  const std::string element = drop->record_element != nullptr ? drop->record_element : "";
  if (!element.empty() && !plain_element_name(element)) {
    call->error = call->host_refusal = "add_roster_drop_with: record_element '" + element +
                                       "' is not an XML element name without a prefix (such as student or 学生)";
    return KQ_ERROR;
  }
  if (api_add_roster_drop(h, drop->name, drop->directory, drop->settle_ms, drop->principal, drop->rows_per_chunk) !=
      KQ_OK) {
    return KQ_ERROR;
  }
  FileDrop& added = HostAccess::file_drops(HostAccess::self(h)).back();
  added.roster_kind_by_name = true;
  added.roster_sheet = drop->sheet != nullptr ? drop->sheet : "";
  added.roster_record_element = element.empty() ? "student" : element;
  return KQ_OK;
}

kq_status api_add_mllp_route(kq_host_instance* h) {
  if (configuring(h, "add_mllp_route") == nullptr) return KQ_ERROR;
  HostAccess::mllp(HostAccess::self(h)) = true;
  return KQ_OK;
}

bool open(const kq_decode_sink* s) { return s != nullptr && s->open; }

// Formats the mapping engine knows, plus canonical records; anything else cannot be mapped.
bool known_document_format(const std::string& format) {
  return format == "canonical+json" || formats::find_format(format) != nullptr;
}

kq_status api_emit_document(kq_decode_sink* s, const char* format, kq_str body) {
  if (!open(s) || format == nullptr) return KQ_ERROR;
  DecodedDocument d;
  d.format = format;
  d.body = to_string(body);
  s->result->documents.push_back(std::move(d));
  return KQ_OK;
}

kq_status api_emit_source(kq_decode_sink* s, const kq_source* source) {
  if (!open(s) || source == nullptr) return KQ_ERROR;
  DecodedDocument d;
  d.format = to_string(source->format);
  if (!known_document_format(d.format)) return KQ_ERROR;
  d.charset = to_string(source->charset);
  const std::string& payload = s->inbound->payload;
  d.body_is_payload = source->body.data == payload.data() && source->body.size == payload.size();
  if (!d.body_is_payload) d.body = to_string(source->body);
  s->result->documents.push_back(std::move(d));
  return KQ_OK;
}

void api_set_message_key(kq_decode_sink* s, kq_str key) {
  if (open(s)) s->result->message_key = to_string(key);
}

core::FieldError from_c(const kq_error_detail& e) {
  const auto kind = static_cast<std::uint32_t>(e.kind) <= core::kLastErrorKind ? static_cast<core::ErrorKind>(e.kind)
                                                                                 : core::ErrorKind::unspecified;
  core::FieldError out{to_string(e.location), to_string(e.reason), kind};
  // A plugin built before 1.3 passes a smaller struct: no document number, about the message.
  if (KQ_HAS_FIELD(&e, kq_error_detail, document)) out.document = e.document;
  return out;
}

void api_add_field_error(kq_decode_sink* s, kq_str location, kq_str message) {
  if (open(s)) s->result->errors.push_back(core::FieldError{to_string(location), to_string(message)});
}

kq_status api_add_error(kq_decode_sink* s, const kq_error_detail* error) {
  if (!open(s) || error == nullptr) return KQ_ERROR;
  s->result->errors.push_back(from_c(*error));
  return KQ_OK;
}

void api_reject(kq_decode_sink* s, kq_str reason) {
  if (open(s)) s->result->rejection = core::FieldError{"", to_string(reason)};
}

kq_status api_reject_with(kq_decode_sink* s, const kq_error_detail* error) {
  if (!open(s) || error == nullptr) return KQ_ERROR;
  s->result->rejection = from_c(*error);
  return KQ_OK;
}

kq_status api_set_state(kq_decode_sink* s, void* state, void (*release)(void*)) {
  if (!open(s)) return KQ_ERROR;
  s->result->state = PluginState(state, release);  // a state set before is released here
  return KQ_OK;
}

kq_status api_set_document_mode(kq_decode_sink* s, kq_document_mode mode) {
  if (!open(s) || (mode != KQ_DOCUMENTS_TOGETHER && mode != KQ_DOCUMENTS_INDEPENDENT)) return KQ_ERROR;
  s->result->document_mode = mode;
  return KQ_OK;
}

// Long enough for any terminal or channel id; bounded because it is stored with every message.
constexpr std::size_t kMaxStreamName = 128;

kq_status api_report_sequence(kq_decode_sink* s, kq_str stream, int64_t number) {
  if (!open(s) || number <= 0 || stream.size == 0 || stream.size > kMaxStreamName || stream.data == nullptr) {
    return KQ_ERROR;
  }
  s->result->sequences.push_back(SequenceReport{to_string(stream), number});
  return KQ_OK;
}

kq_status api_nothing_to_do(kq_decode_sink* s, kq_str reason) {
  if (!open(s)) return KQ_ERROR;
  s->result->nothing_to_do = to_string(reason);
  return KQ_OK;
}

// A companion file's suffix becomes part of a file name in the drop folder: short, and never a path.
constexpr std::size_t kMaxAttachmentSuffix = 32;

kq_status api_ack_attach(kq_ack_sink* s, const char* suffix, kq_str bytes) {
  if (s == nullptr || suffix == nullptr || (bytes.data == nullptr && bytes.size != 0)) return KQ_ERROR;
  const std::string_view text(suffix);
  if (text.size() < 2 || text.size() > kMaxAttachmentSuffix || text.front() != '.' ||
      text.find('/') != std::string_view::npos || text.find('\\') != std::string_view::npos || text == "..") {
    return KQ_ERROR;
  }
  for (const auto& [existing, unused] : s->reply->attachments) {
    if (existing == text) return KQ_ERROR;
  }
  s->reply->attachments.emplace_back(std::string(text), to_string(bytes));
  return KQ_OK;
}

void api_ack_write(kq_ack_sink* s, kq_str bytes) {
  if (s != nullptr && bytes.data != nullptr) s->reply->body.append(bytes.data, bytes.size);
}

void api_ack_set_status(kq_ack_sink* s, int status) {
  if (s != nullptr && status >= 100 && status <= 599) s->reply->http_status = status;
}

void api_ack_set_content_type(kq_ack_sink* s, kq_str type) {
  if (s != nullptr) s->reply->content_type = to_string(type);
}

const kq_host_api kHostApi{
    .struct_size = sizeof(kq_host_api),
    .abi_major = KQ_PLUGIN_ABI_MAJOR,
    .abi_minor = KQ_PLUGIN_ABI_MINOR,
    .host_version = kq::kVersion,
    .log = &api_log,
    .set_error = &api_set_error,
    .config_get_string = &api_get_string,
    .config_get_int = &api_get_int,
    .config_get_bool = &api_get_bool,
    .config_list_size = &api_list_size,
    .config_list_item = &api_list_item,
    .add_http_route = &api_add_http_route,
    .add_schedule = &api_add_schedule,
    .emit_document = &api_emit_document,
    .set_message_key = &api_set_message_key,
    .add_field_error = &api_add_field_error,
    .reject = &api_reject,
    .ack_write = &api_ack_write,
    .ack_set_status = &api_ack_set_status,
    .ack_set_content_type = &api_ack_set_content_type,
    .add_mllp_route = &api_add_mllp_route,
    .compile_path = &api_compile_path,
    .parse_document = &api_parse_document,
    .document_value = &api_document_value,
    .emit_parsed = &api_emit_parsed,
    .emit_source = &api_emit_source,
    .add_error = &api_add_error,
    .reject_with = &api_reject_with,
    .set_state = &api_set_state,
    .set_document_mode = &api_set_document_mode,
    .report_sequence = &api_report_sequence,
    .add_file_drop = &api_add_file_drop,
    .add_calendar_schedule = &api_add_calendar_schedule,
    .add_https_source = &api_add_https_source,
    .https_get = &api_https_get,
    .nothing_to_do = &api_nothing_to_do,
    .ack_attach = &api_ack_attach,
    .add_roster_drop = &api_add_roster_drop,
    .add_roster_drop_with = &api_add_roster_drop_with,
};

// The C enums mirror core's; a change to either must show here, not in a plugin's replies.
constexpr bool same_kind(kq_error_kind c, core::ErrorKind k) { return static_cast<int>(c) == static_cast<int>(k); }
static_assert(same_kind(KQ_ERROR_UNSPECIFIED, core::ErrorKind::unspecified) &&
              same_kind(KQ_ERROR_REQUIRED, core::ErrorKind::required) &&
              same_kind(KQ_ERROR_DATA_TYPE, core::ErrorKind::data_type) &&
              same_kind(KQ_ERROR_CODE_UNKNOWN, core::ErrorKind::code_unknown) &&
              same_kind(KQ_ERROR_TOO_LONG, core::ErrorKind::too_long) &&
              same_kind(KQ_ERROR_STRUCTURE, core::ErrorKind::structure) &&
              same_kind(KQ_ERROR_UNSUPPORTED, core::ErrorKind::unsupported) &&
              same_kind(KQ_ERROR_UNSUPPORTED_EVENT, core::ErrorKind::unsupported_event) &&
              same_kind(KQ_ERROR_UNKNOWN_KEY, core::ErrorKind::unknown_key) &&
              same_kind(KQ_ERROR_DUPLICATE_KEY, core::ErrorKind::duplicate_key) &&
              same_kind(KQ_ERROR_NOT_PERMITTED, core::ErrorKind::not_permitted) &&
              same_kind(KQ_ERROR_INTERNAL, core::ErrorKind::internal) &&
              core::kLastErrorKind == static_cast<int>(KQ_ERROR_INTERNAL));
static_assert(static_cast<int>(KQ_TRANSPORT_MLLP) == static_cast<int>(core::Transport::mllp));
static_assert(static_cast<int>(KQ_TRANSPORT_SCHEDULE) == static_cast<int>(core::Transport::schedule));
static_assert(static_cast<int>(KQ_TRANSPORT_FILE) == static_cast<int>(core::Transport::file));

}  // namespace

const kq_host_api* host_api() { return &kHostApi; }

HookScope::HookScope(const AdapterInstance* instance, bool configuring) : previous_(t_current) {
  call_.instance = instance;
  call_.configuring = configuring;
  t_current = &call_;
}

HookScope::~HookScope() { t_current = previous_; }

HookCall* current_call(const AdapterInstance* instance) {
  return t_current != nullptr && t_current->instance == instance ? t_current : nullptr;
}

const AdapterInstance* current_instance() { return t_current != nullptr ? t_current->instance : nullptr; }

}  // namespace kq::plugin_host
