// Header-only C++ wrapper over the C plugin ABI (kangqiao/plugin.h).
//
// A plugin author writes one class derived from kangqiao::Adapter per transport it serves, a
// table of config fields and one line:
//
//   constexpr kq_field_spec kFields[] = {
//       kangqiao::Field::string("path").defaults("/v1/records").describe("URL path of the route."),
//   };
//   constexpr kangqiao::PluginInfo kInfo{.name = "my_plugin", .version = "1.0.0",
//                                        .description = "What it does", .fields = kFields};
//   KQ_DEFINE_PLUGIN(kInfo, MyAdapter)
//
// A plugin with one class per transport names the enum field that chooses, and each class says
// which value it serves (`static constexpr std::string_view variant = "mllp";`):
//
//   constexpr kangqiao::PluginInfo kInfo{..., .variant_field = "transport"};
//   KQ_DEFINE_PLUGIN(kInfo, HisMllp, HisHttps)
//
// The wrapper turns exceptions into KQ_ERROR with their message, so nothing C++ crosses the ABI,
// and works on every host of major 1: functions a host's minor lacks throw PluginError with a
// clear reason instead of being called. It compiles into the plugin; the host never sees it.
#pragma once

#include <kangqiao/plugin.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kangqiao {

inline std::string_view view(kq_str s) { return s.data != nullptr ? std::string_view{s.data, s.size} : std::string_view{}; }
inline kq_str str(std::string_view s) { return kq_str{s.data(), s.size()}; }

// The host API table, kept by the entry point for the process lifetime.
inline const kq_host_api*& host_api() {
  static const kq_host_api* api = nullptr;
  return api;
}

// True when the host offers functions of ABI 1.`minor` (checked before calling any of them).
inline bool host_has(std::uint32_t minor) { return host_api() != nullptr && host_api()->abi_minor >= minor; }

// Thrown from an Adapter constructor (or anywhere in a hook) to fail with a clear reason.
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
// The 1.3 functions are checked by the table's size, so a plugin built with this header works
// on any host that has them, whichever minor number it reports.
inline void require_1_3(bool present, const char* what) {
  if (!present) throw PluginError(std::string(what) + " need a gateway with plugin ABI 1.3; this gateway offers 1." +
                                  std::to_string(host_api()->abi_minor));
}
inline void require_host(std::uint32_t minor, const char* what) {
  if (!host_has(minor)) {
    throw PluginError(std::string(what) + " needs a gateway with plugin ABI 1." + std::to_string(minor) +
                      "; this gateway offers 1." + std::to_string(host_api()->abi_minor));
  }
}
}  // namespace detail

// ---- Config fields as data, written readably -------------------------------------------------
//
//   Field::enumeration("transport", kTransports).defaults("mllp").describe("...")
//   Field::integer("batch").range(1, 1000).required().describe("...")
struct Field {
  kq_field_spec spec;

  static constexpr Field of(const char* name, kq_field_type type) {
    return Field{kq_field_spec{sizeof(kq_field_spec), name, type, 0, nullptr, nullptr, 0, 0, 0, nullptr}};
  }
  static constexpr Field string(const char* name) { return of(name, KQ_FIELD_STRING); }
  static constexpr Field integer(const char* name) { return of(name, KQ_FIELD_INT); }
  static constexpr Field boolean(const char* name) { return of(name, KQ_FIELD_BOOL); }
  static constexpr Field duration(const char* name) { return of(name, KQ_FIELD_DURATION); }
  static constexpr Field bytes(const char* name) { return of(name, KQ_FIELD_BYTES); }
  static constexpr Field path(const char* name) { return of(name, KQ_FIELD_PATH); }
  static constexpr Field string_list(const char* name) { return of(name, KQ_FIELD_STRING_LIST); }
  // `values` is a NULL-terminated static array.
  static constexpr Field enumeration(const char* name, const char* const* values) {
    Field f = of(name, KQ_FIELD_ENUM);
    f.spec.enum_values = values;
    return f;
  }

  constexpr Field required() const {
    Field f = *this;
    f.spec.required = 1;
    return f;
  }
  // YAML scalar text used when the key is absent ("5s", "64KiB", "true").
  constexpr Field defaults(const char* value) const {
    Field f = *this;
    f.spec.default_value = value;
    return f;
  }
  constexpr Field range(std::int64_t min, std::int64_t max) const {
    Field f = *this;
    f.spec.has_range = 1;
    f.spec.min = min;
    f.spec.max = max;
    return f;
  }
  constexpr Field describe(const char* description) const {
    Field f = *this;
    f.spec.description = description;
    return f;
  }
  constexpr operator kq_field_spec() const { return spec; }  // NOLINT: the point of the builder
};

// What a plugin says about itself (KQ_DEFINE_PLUGIN).
struct PluginInfo {
  const char* name = nullptr;         // unique, snake_case: config `plugin:`
  const char* version = nullptr;      // the plugin's own semver
  const char* description = nullptr;  // one sentence
  std::span<const kq_field_spec> fields{};
  // The lowest host ABI minor the plugin works with. Functions of later minors are guarded by
  // the wrapper (PluginError at the call); raise this when the plugin cannot do without them,
  // so that an older host refuses it at load time, naming both versions.
  std::uint32_t requires_minor = 0;
  // With several adapter classes: the enum field whose value chooses the class.
  const char* variant_field = nullptr;
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

// A path compiled by the host during construction (ABI 1.2); valid until the adapter is destroyed.
class Path {
 public:
  Path() = default;
  explicit Path(const kq_path* handle) : handle_(handle) {}
  const kq_path* handle() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }

 private:
  const kq_path* handle_ = nullptr;
};

// A roster drop of ABI 1.5 (Host::add_roster_drop): what kq_roster_drop holds, as C++ values.
struct RosterDrop {
  std::string name = "roster";
  std::string directory;
  std::int64_t settle_ms = 5000;
  std::string principal;
  std::int64_t rows_per_chunk = 5000;
  std::string sheet;           // XLSX: the tab name; "": the first visible sheet
  std::string record_element;  // XML: the element of one student; "": student
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
  // A drop folder (ABI 1.3): files written into <directory>/incoming arrive with transport FILE;
  // `principal` names the config principal the folder speaks for.
  void add_file_drop(const char* name, const std::string& directory, std::int64_t settle_ms,
                     const std::string& principal) const {
    detail::require_host(3, "a file drop");
    if (host_api()->add_file_drop(handle_, name, directory.c_str(), settle_ms, principal.c_str()) != KQ_OK) {
      throw PluginError("the host refused the file drop " + directory);
    }
  }
  // A roster drop (ABI 1.4): CSV files written into <directory>/incoming are synced in chunks of
  // `rows_per_chunk` rows, each chunk a payload with the header row repeated at its head.
  void add_roster_drop(const char* name, const std::string& directory, std::int64_t settle_ms,
                       const std::string& principal, std::int64_t rows_per_chunk) const {
    detail::require_host(4, "a roster drop");
    if (host_api()->add_roster_drop(handle_, name, directory.c_str(), settle_ms, principal.c_str(), rows_per_chunk) !=
        KQ_OK) {
      throw PluginError("the host refused the roster drop " + directory);
    }
  }
  // A roster drop of CSV, XLSX and XML files, each read by its name (ABI 1.5). The chunk's
  // charset() is UTF-8 for XLSX and XML, empty for CSV (the registry's own charset applies).
  void add_roster_drop(const RosterDrop& drop) const {
    detail::require_host(5, "a roster drop of XLSX and XML files");
    const kq_roster_drop raw{sizeof(kq_roster_drop), drop.name.c_str(), drop.directory.c_str(), drop.settle_ms,
                             drop.principal.c_str(), drop.rows_per_chunk, drop.sheet.c_str(),
                             drop.record_element.c_str()};
    if (host_api()->add_roster_drop_with(handle_, &raw) != KQ_OK) {
      throw PluginError("the host refused the roster drop " + drop.directory);
    }
  }
  void add_mllp_route() const {
    detail::require_host(1, "MLLP");
    if (host_api()->add_mllp_route(handle_) != KQ_OK) {
      throw PluginError("cannot serve MLLP: the adapter's listener must have protocol: mllp");
    }
  }
  // A path of a source format, compiled once (ABI 1.2): "MSH-10", "/hospital/creditCode".
  Path compile_path(const char* format, const char* path) const {
    detail::require_host(2, "compile_path");
    const kq_path* compiled = host_api()->compile_path(handle_, format, path);
    if (compiled == nullptr) {
      throw PluginError(std::string("cannot compile the ") + format + " path '" + path + "'");
    }
    return Path(compiled);
  }
  // ABI 1.3: a schedule on the calendar, e.g. ("nightly", "30 2 * * *"); zone empty: Asia/Shanghai.
  void add_calendar_schedule(const char* name, const char* cron, const char* time_zone = "") const {
    detail::require_1_3(KQ_HAS_FIELD(host_api(), kq_host_api, add_calendar_schedule), "calendar schedules");
    if (host_api()->add_calendar_schedule(handle_, name, cron, time_zone) != KQ_OK) {
      throw PluginError(std::string("cannot add schedule ") + name);
    }
  }
  // ABI 1.3: an HTTPS source for DecodeSink::https_get (set struct_size; zeros take defaults).
  void add_https_source(const kq_https_source& source) const {
    detail::require_1_3(KQ_HAS_FIELD(host_api(), kq_host_api, add_https_source), "outbound HTTPS");
    if (host_api()->add_https_source(handle_, &source) != KQ_OK) {
      throw PluginError(std::string("cannot use https source ") + (source.name != nullptr ? source.name : ""));
    }
  }
  // The same, from an adapter's config fields of the conventional names: url, ca_file,
  // client_certificate, client_private_key, connect_timeout, read_timeout, max_bytes,
  // max_attempts, retry_backoff (absent ones: the host's defaults, or `fallback`'s). The host
  // copies the strings.
  void add_https_source(const char* name, const Config& config, kq_https_source fallback = {}) const {
    const std::string url = config.string("url").value_or("");
    const std::string ca = config.string("ca_file").value_or("");
    const std::string cert = config.string("client_certificate").value_or("");
    const std::string key = config.string("client_private_key").value_or("");
    kq_https_source source = fallback;
    source.struct_size = sizeof source;
    source.name = name;
    source.url = url.c_str();
    source.ca_file = ca.c_str();
    source.client_certificate = cert.c_str();
    source.client_private_key = key.c_str();
    source.connect_timeout_ms = config.integer("connect_timeout").value_or(source.connect_timeout_ms);
    source.read_timeout_ms = config.integer("read_timeout").value_or(source.read_timeout_ms);
    source.max_bytes = config.integer("max_bytes").value_or(source.max_bytes);
    source.max_attempts = static_cast<std::uint32_t>(config.integer("max_attempts").value_or(source.max_attempts));
    source.retry_backoff_ms = config.integer("retry_backoff").value_or(source.retry_backoff_ms);
    add_https_source(source);
  }
  kq_host_instance* handle() const { return handle_; }

 private:
  kq_host_instance* handle_;
};

// "required", "data-type", …: the names the gateway writes into dead letters and logs, so a
// plugin's replies and the operator's tools speak one vocabulary.
inline std::string_view error_kind_name(kq_error_kind kind) {
  switch (kind) {
    case KQ_ERROR_UNSPECIFIED: return "unspecified";
    case KQ_ERROR_REQUIRED: return "required";
    case KQ_ERROR_DATA_TYPE: return "data-type";
    case KQ_ERROR_CODE_UNKNOWN: return "code-unknown";
    case KQ_ERROR_TOO_LONG: return "too-long";
    case KQ_ERROR_STRUCTURE: return "structure";
    case KQ_ERROR_UNSUPPORTED: return "unsupported";
    case KQ_ERROR_UNSUPPORTED_EVENT: return "unsupported-event";
    case KQ_ERROR_UNKNOWN_KEY: return "unknown-key";
    case KQ_ERROR_DUPLICATE_KEY: return "duplicate-key";
    case KQ_ERROR_NOT_PERMITTED: return "not-permitted";
    case KQ_ERROR_INTERNAL: return "internal";
  }
  return "unspecified";
}

// One error in the sender's terms.
struct ErrorDetail {
  kq_error_kind kind = KQ_ERROR_UNSPECIFIED;
  std::string location;
  std::string reason;
  std::size_t document = 0;  // 1.3: the document's number (emit order, from 1); 0: the message
};

// What became of one emitted document of a batch (ABI 1.3, KQ_DOCUMENTS_INDEPENDENT).
struct DocumentResult {
  std::size_t number = 0;  // emit order, from 1
  bool accepted = false;
  std::size_t records = 0;
  std::size_t errors = 0;
};

// A reported sequence number as the host found it (ABI 1.3).
// A data-quality note about a stored record (ABI 1.4, kq_outcome_note).
struct Note {
  bool mismatch = false;    // true: a sent value disagrees with the computed one; false: not derived
  std::size_t document = 0;  // the emitted document (INDEPENDENT); 0 otherwise
  std::string location;      // "row 3", or empty
  std::string field;         // "fitness_test.items[2].score"
  std::string reason;
  std::string sent;
  std::string computed;
  std::string rule;
};

struct SequenceResult {
  std::string stream;
  std::int64_t number = 0;
  std::int64_t previous = 0;   // highest number seen before; 0 when none
  std::int64_t gap_first = 0;  // numbers gap_first..gap_last never arrived; 0 and 0: no gap
  std::int64_t gap_last = 0;
  bool first = false;          // the stream's first number
  bool replayed = false;       // came before with other content: replay_of
  bool late = false;           // below the highest, not seen before: fills an earlier gap
  std::string replay_of;
};

// A payload the host parsed (ABI 1.2). Valid as the header says: until on_acknowledge returned.
class Document {
 public:
  explicit Document(const kq_document* handle) : handle_(handle) {}
  const kq_document* handle() const { return handle_; }

  // The n-th value the path selects, or nothing. Views stay valid as long as the document.
  std::optional<std::string_view> value(const Path& path, std::size_t n = 0) const {
    kq_str text{};
    if (!host_api()->document_value(handle_, path.handle(), n, &text, nullptr)) return std::nullopt;
    return view(text);
  }
  // The first value, or "" when there is none.
  std::string_view text(const Path& path) const { return value(path).value_or(std::string_view{}); }
  // Where the n-th value is, in the sender's terms ("/hospital/creditCode").
  std::string_view location(const Path& path, std::size_t n = 0) const {
    kq_str text{};
    kq_str where{};
    if (!host_api()->document_value(handle_, path.handle(), n, &text, &where)) return {};
    return view(where);
  }

 private:
  const kq_document* handle_;
};

// What a parse failure says (ABI 1.2).
// What https_get brought back (ABI 1.3); the views are valid until on_decode returns.
struct HttpsFetch {
  int http_status = 0;
  bool not_modified = false;  // unchanged since the last body whose message committed
  std::string_view body;
  std::string_view content_type;
  unsigned attempts = 0;
};

class ParseFailure : public std::runtime_error {
 public:
  explicit ParseFailure(ErrorDetail detail)
      : std::runtime_error(detail.location.empty() ? detail.reason : detail.location + ": " + detail.reason),
        detail_(std::move(detail)) {}
  const ErrorDetail& detail() const { return detail_; }

 private:
  ErrorDetail detail_;
};

namespace detail {
inline kq_error_detail c_detail(kq_error_kind kind, std::string_view location, std::string_view reason,
                                std::size_t document = 0) {
  return kq_error_detail{sizeof(kq_error_detail), kind, str(location), str(reason), document};
}
inline void check(kq_status status, const char* what) {
  if (status != KQ_OK) throw PluginError(std::string("the host refused ") + what);
}
// Deletes the state object the plugin kept for on_acknowledge.
struct StateBase {
  virtual ~StateBase() = default;
};
template <class T>
struct StateBox final : StateBase {
  explicit StateBox(std::unique_ptr<T> v) : value(std::move(v)) {}
  std::unique_ptr<T> value;
};
inline void release_state(void* state) { delete static_cast<StateBase*>(state); }
}  // namespace detail

class DecodeSink {
 public:
  explicit DecodeSink(kq_decode_sink* sink) : sink_(sink) {}

  // Hands a document on unparsed: "canonical+json", or a source format read with its own rule.
  void emit(const char* format, std::string_view body) const {
    detail::check(host_api()->emit_document(sink_, format, str(body)), "the document");
  }
  // A source payload with the charset the channel is known to send (ABI 1.2).
  void emit(std::string_view format, std::string_view body, std::string_view charset) const {
    detail::require_host(2, "emit with a charset");
    const kq_source source{sizeof(kq_source), str(format), str(charset), str(body)};
    detail::check(host_api()->emit_source(sink_, &source), "the document");
  }
  // A document parsed with parse(): the mapping engine uses this parse (ABI 1.2).
  void emit(const Document& document) const {
    detail::check(host_api()->emit_parsed(sink_, document.handle()), "the parsed document");
  }
  // Parses a payload with the gateway's parser (ABI 1.2). Throws ParseFailure with its place.
  Document parse(std::string_view format, std::string_view body, std::string_view charset = {}) const {
    detail::require_host(2, "parse");
    const kq_source source{sizeof(kq_source), str(format), str(charset), str(body)};
    const kq_document* document = nullptr;
    kq_error_detail error{sizeof(kq_error_detail), KQ_ERROR_STRUCTURE, {}, {}, 0};
    if (host_api()->parse_document(sink_, &source, &document, &error) != KQ_OK || document == nullptr) {
      throw ParseFailure({error.kind, std::string(view(error.location)), std::string(view(error.reason))});
    }
    return Document(document);
  }
  // GETs an HTTPS source added in create (ABI 1.3). Blocks: call it from a schedule run.
  // Throws ParseFailure with the source's name as location and the reason (URL without query).
  HttpsFetch https_get(const char* source_name) const {
    detail::require_1_3(KQ_HAS_FIELD(host_api(), kq_host_api, https_get), "outbound HTTPS");
    kq_https_response r{};
    r.struct_size = sizeof r;
    kq_error_detail error{sizeof(kq_error_detail), KQ_ERROR_UNSPECIFIED, {}, {}, 0};
    if (host_api()->https_get(sink_, source_name, &r, &error) != KQ_OK) {
      throw ParseFailure({error.kind, std::string(view(error.location)), std::string(view(error.reason))});
    }
    return HttpsFetch{r.http_status, r.not_modified != 0, view(r.body), view(r.content_type), r.attempts};
  }
  void set_message_key(std::string_view key) const { host_api()->set_message_key(sink_, str(key)); }

  // A content error: the message is kept as a dead letter and answered with its errors.
  void error(kq_error_kind kind, std::string_view location, std::string_view reason) const {
    if (host_has(2)) {
      const kq_error_detail d = detail::c_detail(kind, location, reason);
      detail::check(host_api()->add_error(sink_, &d), "the error");
    } else {
      host_api()->add_field_error(sink_, str(location), str(reason));
    }
  }
  // The message cannot be accepted at all: kept as rejected and answered so.
  void reject(kq_error_kind kind, std::string_view location, std::string_view reason) const {
    if (host_has(2)) {
      const kq_error_detail d = detail::c_detail(kind, location, reason);
      detail::check(host_api()->reject_with(sink_, &d), "the rejection");
    } else {
      host_api()->reject(sink_, str(location.empty() ? std::string(reason) : std::string(location) + ": " +
                                                                                  std::string(reason)));
    }
  }
  void reject(const ErrorDetail& d) const { reject(d.kind, d.location, d.reason); }

  // ABI 1.3, batches: every emitted document is accepted or rejected on its own.
  void independent_documents() const {
    detail::require_host(3, "accepting documents independently");
    detail::check(host_api()->set_document_mode(sink_, KQ_DOCUMENTS_INDEPENDENT), "the document mode");
  }
  // A content error about one emitted document (its number, from 1, in emit order; ABI 1.3).
  void document_error(std::size_t document, kq_error_kind kind, std::string_view location,
                      std::string_view reason) const {
    detail::require_host(3, "an error about one document");
    const kq_error_detail d = detail::c_detail(kind, location, reason, document);
    detail::check(host_api()->add_error(sink_, &d), "the document error");
  }
  // The message carries `number` of the sender's numbered `stream` (ABI 1.3): the host reports
  // gaps and replays in Outcome::sequences().
  void report_sequence(std::string_view stream, std::int64_t number) const {
    detail::require_host(3, "reporting a sequence number");
    detail::check(host_api()->report_sequence(sink_, str(stream), number), "the sequence number");
  }

  // This payload asks for nothing (ABI 1.4): no message is stored; acknowledge() gets
  // KQ_OUTCOME_NOTHING_TO_DO. For a schedule run whose fetch came back not modified, say.
  void nothing_to_do(std::string_view reason) const {
    detail::require_host(4, "saying there is nothing to do");
    detail::check(host_api()->nothing_to_do(sink_, str(reason)), "nothing to do");
  }

  // State for acknowledge() of the same message (ABI 1.2): read back with Outcome::state<T>().
  template <class T>
  T& keep(std::unique_ptr<T> state) const {
    detail::require_host(2, "keeping state for the acknowledgement");
    T& ref = *state;
    auto* box = new detail::StateBox<T>(std::move(state));
    if (host_api()->set_state(sink_, static_cast<detail::StateBase*>(box), &detail::release_state) != KQ_OK) {
      delete box;
      throw PluginError("the host refused the acknowledgement state");
    }
    return ref;
  }

 private:
  kq_decode_sink* sink_;
};

class AckSink {
 public:
  explicit AckSink(kq_ack_sink* sink) : sink_(sink) {}
  void write(std::string_view bytes) const { host_api()->ack_write(sink_, str(bytes)); }
  void status(int http_status) const { host_api()->ack_set_status(sink_, http_status); }
  void content_type(std::string_view type) const { host_api()->ack_set_content_type(sink_, str(type)); }
  // A file to go with the reply (ABI 1.4): a drop folder writes it beside the receipt as
  // "<file><suffix>". False when the host is older or refuses the suffix.
  bool attach(const char* suffix, std::string_view bytes) const {
    if (!host_has(4)) return false;
    return host_api()->ack_attach(sink_, suffix, str(bytes)) == KQ_OK;
  }

 private:
  kq_ack_sink* sink_;
};

// Read-only C++ view of kq_inbound; fields a host's minor lacks read as empty.
struct Inbound {
  const kq_inbound* raw;
  kq_transport transport() const { return raw->transport; }
  std::string_view payload() const { return view(raw->payload); }
  std::string_view channel() const { return view(raw->channel); }
  std::string_view method() const { return view(raw->method); }
  std::string_view content_type() const { return view(raw->content_type); }
  std::string_view peer_address() const { return view(raw->peer_address); }
  std::string_view organisation() const { return view(raw->peer_organisation); }
  std::string_view principal() const { return view(raw->peer_principal); }
  std::string_view idempotency_key() const { return view(raw->idempotency_key); }
  std::int64_t received_at_ms() const { return raw->received_at_ms; }
  std::string_view listener() const { return KQ_HAS_FIELD(raw, kq_inbound, listener) ? view(raw->listener) : ""; }
  std::string_view charset() const { return KQ_HAS_FIELD(raw, kq_inbound, charset) ? view(raw->charset) : ""; }
  bool replay() const { return KQ_HAS_FIELD(raw, kq_inbound, flags) && (raw->flags & KQ_INBOUND_REPLAY) != 0; }
};

struct Outcome {
  const kq_outcome* raw;
  kq_outcome_kind kind() const { return raw->kind; }
  std::string_view message_id() const { return view(raw->message_id); }
  std::span<const kq_str> record_ids() const { return {raw->record_ids, raw->record_count}; }
  std::string_view reason() const { return view(raw->reason); }

  // Every error with its kind; from a host before 1.2, the 1.0 errors with kind UNSPECIFIED.
  std::vector<ErrorDetail> errors() const {
    std::vector<ErrorDetail> out;
    if (KQ_HAS_FIELD(raw, kq_outcome, detail_size) && raw->details != nullptr) {
      for (std::size_t i = 0; i < raw->detail_count; ++i) {
        const kq_error_detail* d = KQ_ELEMENT(kq_error_detail, raw->details, raw->detail_size, i);
        out.push_back({d->kind, std::string(view(d->location)), std::string(view(d->reason)),
                       raw->detail_size >= offsetof(kq_error_detail, document) + sizeof(d->document) ? d->document : 0});
      }
      return out;
    }
    for (std::size_t i = 0; i < raw->error_count; ++i) {
      out.push_back({KQ_ERROR_UNSPECIFIED, std::string(view(raw->errors[i].location)),
                     std::string(view(raw->errors[i].message))});
    }
    return out;
  }
  // ABI 1.3: how the documents were accepted, and what became of each (INDEPENDENT only).
  bool independent() const {
    return KQ_HAS_FIELD(raw, kq_outcome, document_mode) && raw->document_mode == KQ_DOCUMENTS_INDEPENDENT;
  }
  std::vector<DocumentResult> documents() const {
    std::vector<DocumentResult> out;
    if (!KQ_HAS_FIELD(raw, kq_outcome, document_result_size) || raw->documents == nullptr) return out;
    for (std::size_t i = 0; i < raw->document_count; ++i) {
      const kq_document_result* d = KQ_ELEMENT(kq_document_result, raw->documents, raw->document_result_size, i);
      out.push_back({d->number, d->status == KQ_DOCUMENT_ACCEPTED, d->record_count, d->error_count});
    }
    return out;
  }
  std::vector<SequenceResult> sequences() const {
    std::vector<SequenceResult> out;
    if (!KQ_HAS_FIELD(raw, kq_outcome, sequence_result_size) || raw->sequences == nullptr) return out;
    for (std::size_t i = 0; i < raw->sequence_count; ++i) {
      const kq_sequence_result* q = KQ_ELEMENT(kq_sequence_result, raw->sequences, raw->sequence_result_size, i);
      out.push_back({std::string(view(q->stream)), q->number, q->previous, q->gap_first, q->gap_last,
                     (q->flags & KQ_SEQUENCE_FIRST) != 0, (q->flags & KQ_SEQUENCE_REPLAYED) != 0,
                     (q->flags & KQ_SEQUENCE_LATE) != 0, std::string(view(q->replay_of))});
    }
    return out;
  }
  // ABI 1.4: data-quality notes on the stored records (derived values that disagree or are missing).
  std::vector<Note> notes() const {
    std::vector<Note> out;
    if (!KQ_HAS_FIELD(raw, kq_outcome, note_size) || raw->notes == nullptr) return out;
    for (std::size_t i = 0; i < raw->note_count; ++i) {
      const kq_outcome_note* n = KQ_ELEMENT(kq_outcome_note, raw->notes, raw->note_size, i);
      out.push_back({n->kind == KQ_NOTE_MISMATCH, n->document, std::string(view(n->location)),
                     std::string(view(n->field)), std::string(view(n->reason)), std::string(view(n->sent)),
                     std::string(view(n->computed)), std::string(view(n->rule))});
    }
    return out;
  }
  // What decode() kept for this message, or nullptr.
  template <class T>
  T* state() const {
    if (!KQ_HAS_FIELD(raw, kq_outcome, state) || raw->state == nullptr) return nullptr;
    auto* box = dynamic_cast<detail::StateBox<T>*>(static_cast<detail::StateBase*>(raw->state));
    return box != nullptr ? box->value.get() : nullptr;
  }
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

// The host handle of each instance, for set_error from decode and acknowledge.
struct Instance {
  kq_host_instance* host;
  std::unique_ptr<Adapter> adapter;
};

template <class T>
concept HasVariant = requires { T::variant; };

// Constructs the class whose `variant` equals the chosen value, or the only class.
template <class... Adapters>
std::unique_ptr<Adapter> make_adapter(const PluginInfo& info, const Host& host, const Config& config) {
  if constexpr (sizeof...(Adapters) == 1) {
    return std::make_unique<Adapters...>(host, config);
  } else {
    static_assert((HasVariant<Adapters> && ...), "with several adapter classes, each says its `variant`");
    const std::string chosen = config.string(info.variant_field).value_or("");
    std::unique_ptr<Adapter> made;
    ((made == nullptr && chosen == Adapters::variant ? (made = std::make_unique<Adapters>(host, config), 0) : 0), ...);
    if (made == nullptr) {
      std::string known;
      ((known += (known.empty() ? "" : ", ") + std::string(Adapters::variant)), ...);
      throw PluginError(std::string(info.variant_field) + ": '" + chosen + "' is not one of " + known);
    }
    return made;
  }
}

template <const PluginInfo& Info, class... Adapters>
struct Hooks {
  static kq_status create(kq_host_instance* host, const kq_config_view* config, void** out) {
    try {
      Host h(host);
      Config c(config);
      *out = new Instance{host, make_adapter<Adapters...>(Info, h, c)};
      return KQ_OK;
    } catch (const std::exception& e) {
      return fail(host, e.what());
    } catch (...) {
      return fail(host, "unknown error while configuring");
    }
  }
  static void destroy(void* instance) { delete static_cast<Instance*>(instance); }
  static kq_status decode(void* instance, const kq_inbound* in, kq_decode_sink* sink) {
    auto* self = static_cast<Instance*>(instance);
    try {
      DecodeSink s(sink);
      self->adapter->decode(Inbound{in}, s);
      return KQ_OK;
    } catch (const std::exception& e) {
      return fail(self->host, e.what());
    } catch (...) {
      return fail(self->host, "the plugin failed while decoding");
    }
  }
  static kq_status acknowledge(void* instance, const kq_inbound* in, const kq_outcome* outcome,
                               kq_ack_sink* sink) {
    auto* self = static_cast<Instance*>(instance);
    try {
      AckSink s(sink);
      self->adapter->acknowledge(Inbound{in}, Outcome{outcome}, s);
      return KQ_OK;
    } catch (const std::exception& e) {
      return fail(self->host, e.what());
    } catch (...) {
      return fail(self->host, "the plugin failed while acknowledging");
    }
  }
  static const kq_plugin_vtable* vtable() {
    static const kq_plugin_vtable table{sizeof(kq_plugin_vtable), &create, &destroy, &decode, &acknowledge};
    return &table;
  }
  static const kq_plugin_info* info() {
    static const kq_plugin_info table{sizeof(kq_plugin_info), KQ_PLUGIN_ABI_MAJOR, Info.requires_minor,
                                      Info.name, Info.version, Info.description, Info.fields.data(),
                                      Info.fields.size(), vtable(), KQ_PLUGIN_ABI_MINOR,
                                      sizeof(kq_field_spec)};
    return &table;
  }
};

}  // namespace detail
}  // namespace kangqiao

// Defines the plugin's entry point. INFO is a constexpr kangqiao::PluginInfo with static storage;
// then one adapter class, or one per value of INFO.variant_field.
#define KQ_DEFINE_PLUGIN(INFO, ...)                                                            \
  extern "C" KQ_PLUGIN_EXPORT const kq_plugin_info* kq_plugin_entry(const kq_host_api* host) { \
    ::kangqiao::host_api() = host;                                                            \
    return ::kangqiao::detail::Hooks<INFO, __VA_ARGS__>::info();                              \
  }
