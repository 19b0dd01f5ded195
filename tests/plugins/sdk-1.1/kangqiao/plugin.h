/*
 * Kangqiao plugin ABI — the only header a plugin needs.
 *
 * A plugin is a shared library that exports exactly one symbol, `kq_plugin_entry`. The gateway
 * (the "host") dlopen()s it with RTLD_NOW | RTLD_LOCAL, calls the entry with its host API table,
 * and the plugin fills in a `kq_plugin_info` describing itself: ABI version, name, version, the
 * configuration fields it accepts (as data) and a table of hooks.
 *
 * Division of labour: the host owns every socket, file, timer and transaction. A plugin owns
 * protocol logic only: it asks the host for transports while it is being configured, receives
 * payloads through `on_decode`, returns decoded documents, and turns the host's commit outcome
 * into an acknowledgement through `on_acknowledge`.
 *
 * Rules for every item in this file:
 *  - Plain C. No C++ types, exceptions or allocator mixing cross the boundary.
 *  - Every table starts with `uint32_t struct_size` and is append-only: fields are only ever added
 *    at the end, with a minor version bump. A reader checks `struct_size` (KQ_HAS_FIELD) before it
 *    touches a field that a newer minor version added.
 *  - OWNERSHIP: says who frees what. `kq_str` values handed to a hook are borrowed and valid only
 *    until the hook returns; copy what you keep. Strings a plugin hands to the host are copied by
 *    the host before the call returns.
 *  - THREADING: says on which thread a hook runs and what may run concurrently.
 *
 * Plugins run in the gateway's process and are trusted code: a plugin can crash the gateway.
 * See docs/plugin-abi.md for the full contract and a walk-through.
 */
#ifndef KANGQIAO_PLUGIN_H
#define KANGQIAO_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version. Major: incompatible change (the host refuses any other major). Minor: fields or
 * functions appended (the host accepts plugins built for the same or an older minor). */
#define KQ_PLUGIN_ABI_MAJOR 1
#define KQ_PLUGIN_ABI_MINOR 1

#define KQ_PLUGIN_ENTRY_SYMBOL "kq_plugin_entry"

#if defined(__GNUC__)
#define KQ_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define KQ_PLUGIN_EXPORT
#endif

/* True when the table `ptr` (of type `type`, which starts with struct_size) is large enough to
 * hold `field`: use it before reading a field that a later minor version appended. */
#define KQ_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* A borrowed byte string: not NUL-terminated unless stated; may contain any bytes. */
typedef struct kq_str {
  const char* data;
  size_t size;
} kq_str;

typedef enum kq_status {
  KQ_OK = 0,
  KQ_ERROR = 1 /* details go through kq_host_api.set_error before returning */
} kq_status;

typedef enum kq_log_level {
  KQ_LOG_DEBUG = 0,
  KQ_LOG_INFO = 1,
  KQ_LOG_WARN = 2,
  KQ_LOG_ERROR = 3
} kq_log_level;

/* ---------------------------------------------------------------------------------------------
 * Configuration fields, declared as data. The host validates the adapter's `config:` block
 * against these before the plugin sees it: unknown keys, missing required keys, wrong types and
 * out-of-range values are reported by the host with file:line:col.
 * ------------------------------------------------------------------------------------------- */
typedef enum kq_field_type {
  KQ_FIELD_STRING = 0,
  KQ_FIELD_INT = 1,         /* 64-bit signed; min/max apply when has_range */
  KQ_FIELD_BOOL = 2,
  KQ_FIELD_DURATION = 3,    /* "250ms", "5s", "2m", "1h"; read as milliseconds */
  KQ_FIELD_BYTES = 4,       /* "512", "64KiB", "16MiB"; read as bytes */
  KQ_FIELD_PATH = 5,        /* resolved against the config file's folder */
  KQ_FIELD_ENUM = 6,        /* one of enum_values */
  KQ_FIELD_STRING_LIST = 7
} kq_field_type;

/* OWNERSHIP: static data of the plugin; must stay valid while the library is loaded. */
typedef struct kq_field_spec {
  uint32_t struct_size;
  const char* name;               /* YAML key, snake_case */
  kq_field_type type;
  int32_t required;               /* non-zero: the key must be present */
  const char* default_value;      /* YAML scalar text used when absent; NULL: no default */
  const char* description;        /* one sentence, shown by `kangqiao plugins` and in docs */
  int32_t has_range;              /* non-zero: min/max apply (INT, DURATION in ms, BYTES) */
  int64_t min;
  int64_t max;
  const char* const* enum_values; /* NULL-terminated list for KQ_FIELD_ENUM, else NULL */
} kq_field_spec;

/* ---------------------------------------------------------------------------------------------
 * Opaque host handles. The plugin never frees them.
 * ------------------------------------------------------------------------------------------- */
typedef struct kq_host_instance kq_host_instance; /* one adapter instance; valid until destroy */
typedef struct kq_config_view kq_config_view;     /* the validated config block; valid during create */
typedef struct kq_decode_sink kq_decode_sink;     /* where on_decode puts its results */
typedef struct kq_ack_sink kq_ack_sink;           /* where on_acknowledge writes the reply */

/* ---------------------------------------------------------------------------------------------
 * Inbound payloads and commit outcomes.
 * ------------------------------------------------------------------------------------------- */
typedef enum kq_transport {
  KQ_TRANSPORT_HTTP = 1,     /* a request on a route the plugin registered */
  KQ_TRANSPORT_SCHEDULE = 2, /* a schedule the plugin registered fired; payload is empty */
  KQ_TRANSPORT_MLLP = 3      /* since 1.1: one MLLP frame (without VT/FS/CR) */
} kq_transport;

/* OWNERSHIP: host-owned, borrowed for the duration of the hook call. */
typedef struct kq_inbound {
  uint32_t struct_size;
  kq_transport transport;
  kq_str channel;            /* route path, schedule name or MLLP listener name */
  kq_str method;             /* HTTP method, empty otherwise */
  kq_str content_type;
  kq_str payload;            /* raw bytes as received */
  kq_str peer_address;       /* "ip:port", empty for schedules */
  kq_str peer_organisation;  /* from the client certificate's principal; empty when anonymous */
  kq_str peer_principal;     /* principal name from config; empty when anonymous */
  kq_str idempotency_key;    /* HTTP Idempotency-Key header, empty when absent */
  int64_t received_at_ms;    /* UTC milliseconds since the epoch */
} kq_inbound;

typedef enum kq_outcome_kind {
  KQ_OUTCOME_COMMITTED = 0,      /* raw message and records are durably committed */
  KQ_OUTCOME_DUPLICATE = 1,      /* identical resend of a committed message: nothing new stored */
  KQ_OUTCOME_CONTENT_ERROR = 2,  /* decoded but invalid: kept raw as a dead letter with errors */
  KQ_OUTCOME_REJECTED = 3,       /* the plugin rejected it in on_decode: kept raw, status rejected */
  KQ_OUTCOME_CONFLICT = 4,       /* same message key as a committed message, different content */
  KQ_OUTCOME_TRANSIENT = 5       /* nothing committed (store unavailable, shutting down): retry */
} kq_outcome_kind;

typedef struct kq_field_error {
  kq_str location; /* in the sender's terms: "PID-19", "/name/0/family", "row 12, column 班级" */
  kq_str message;
} kq_field_error;

/* OWNERSHIP: host-owned, borrowed for the duration of on_acknowledge. */
typedef struct kq_outcome {
  uint32_t struct_size;
  kq_outcome_kind kind;
  kq_str message_id;              /* id of the stored raw message (empty for TRANSIENT) */
  const kq_str* record_ids;       /* ids of the records the message produced */
  size_t record_count;
  const kq_field_error* errors;   /* CONTENT_ERROR / REJECTED details */
  size_t error_count;
  kq_str reason;                  /* one-line summary for REJECTED, CONFLICT and TRANSIENT */
} kq_outcome;

/* ---------------------------------------------------------------------------------------------
 * The host API: what a plugin may ask of the gateway. Each function says when it may be called.
 * ------------------------------------------------------------------------------------------- */
typedef struct kq_host_api {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* host_version;  /* the gateway's version, e.g. "0.1.0" */

  /* Any time, any thread. `event` is a short snake_case name; `message` free text. Never pass
   * names or identity numbers: the host masks what it recognises, but do not rely on it. */
  void (*log)(kq_host_instance* host, kq_log_level level, const char* event, const char* message);

  /* From a hook that is about to return KQ_ERROR: the reason, in one sentence. */
  void (*set_error)(kq_host_instance* host, const char* message);

  /* During create only. Return non-zero when the key has a value (given or defaulted). */
  int (*config_get_string)(const kq_config_view* config, const char* name, kq_str* out);
  int (*config_get_int)(const kq_config_view* config, const char* name, int64_t* out);
  int (*config_get_bool)(const kq_config_view* config, const char* name, int* out);
  size_t (*config_list_size)(const kq_config_view* config, const char* name);
  int (*config_list_item)(const kq_config_view* config, const char* name, size_t index,
                          kq_str* out);

  /* During create only: transports. The host serves them and calls on_decode for each payload.
   * `path` is an absolute URL path (exact match), served on the adapter's listener. */
  kq_status (*add_http_route)(kq_host_instance* host, const char* method, const char* path);
  /* A timer that fires every interval_ms (first after one interval); on_decode is called with
   * transport SCHEDULE and channel = name. Runs never overlap for the same schedule. */
  kq_status (*add_schedule)(kq_host_instance* host, const char* name, int64_t interval_ms);

  /* During on_decode only. `format` names the document format: "canonical+json" (records in the
   * canonical model, JSON object or array, committed as they are after validation) or a source
   * format for the mapping engine ("hl7v2", "xml", "csv", "json", "fixed"). The body is copied. */
  kq_status (*emit_document)(kq_decode_sink* sink, const char* format, kq_str body);
  /* The message's dedupe key (e.g. MSH-3|MSH-4|MSH-10): a resend with the same key and the same
   * bytes gets DUPLICATE; the same key with other bytes gets CONFLICT. */
  void (*set_message_key)(kq_decode_sink* sink, kq_str key);
  /* A content error in the sender's terms. Any error makes the outcome CONTENT_ERROR. */
  void (*add_field_error)(kq_decode_sink* sink, kq_str location, kq_str message);
  /* The message cannot be accepted at all (unknown type, bad envelope): outcome REJECTED. */
  void (*reject)(kq_decode_sink* sink, kq_str reason);

  /* During on_acknowledge only: the reply to the sender. */
  void (*ack_write)(kq_ack_sink* sink, kq_str bytes);
  void (*ack_set_status)(kq_ack_sink* sink, int http_status);
  void (*ack_set_content_type)(kq_ack_sink* sink, kq_str content_type);

  /* ---- ABI 1.1 ---- */

  /* During create only: receive every frame that arrives on the adapter's MLLP listener (the
   * adapter config's `listener:`, which must have `protocol: mllp`). on_decode gets transport
   * MLLP with the frame's content; the bytes written in on_acknowledge are sent back framed.
   * Frames of one connection are processed in order, one at a time. */
  kq_status (*add_mllp_route)(kq_host_instance* host);
} kq_host_api;

/* ---------------------------------------------------------------------------------------------
 * Hooks the plugin implements.
 * ------------------------------------------------------------------------------------------- */
typedef struct kq_plugin_vtable {
  uint32_t struct_size;

  /* Configure one adapter instance from its validated block; ask for transports here.
   * THREADING: main thread, at start-up and on reload (SIGHUP), never concurrently with itself.
   * OWNERSHIP: *instance_out is plugin-owned until destroy. On failure call set_error and return
   * KQ_ERROR; the host reports it with the adapter's config location. */
  kq_status (*create)(kq_host_instance* host, const kq_config_view* config, void** instance_out);

  /* THREADING: main thread, after no hook of this instance is running any more. */
  void (*destroy)(void* instance);

  /* Decode one payload into documents, a message key and errors. Must not block on I/O.
   * THREADING: a worker thread of the host's blocking pool. Calls for different payloads of the
   * same instance may run concurrently: keep instance state read-only after create, or lock. */
  kq_status (*on_decode)(void* instance, const kq_inbound* in, kq_decode_sink* out);

  /* Turn the outcome into the reply (HL7 ACK, HTTP status and body). Called exactly once per
   * payload after on_decode, and only after the commit finished (or failed).
   * THREADING: as on_decode. */
  kq_status (*on_acknowledge)(void* instance, const kq_inbound* in, const kq_outcome* outcome,
                              kq_ack_sink* out);
} kq_plugin_vtable;

/* What the entry point fills in. OWNERSHIP: every pointer is static plugin data. */
typedef struct kq_plugin_info {
  uint32_t struct_size;
  uint32_t abi_major;          /* set to KQ_PLUGIN_ABI_MAJOR */
  uint32_t abi_minor;          /* set to KQ_PLUGIN_ABI_MINOR */
  const char* name;            /* unique plugin name, snake_case: used in config `plugin:` */
  const char* version;         /* the plugin's own semver */
  const char* description;     /* one sentence */
  const kq_field_spec* fields; /* config fields */
  size_t field_count;
  const kq_plugin_vtable* vtable;
} kq_plugin_info;

/* The single exported symbol. The host passes its API table (valid for the process lifetime;
 * keep the pointer) and gets back the plugin's static description. The host reads only as much of
 * it as `struct_size` says, then checks the ABI version: the major must equal the host's and the
 * host's minor must be at least the plugin's; anything else is refused with both versions named.
 * A plugin that cannot work with this host (say it needs a host function the host's minor lacks,
 * see host->abi_minor) returns NULL.
 * THREADING: main thread, once per process.
 * OWNERSHIP: the returned table is static plugin data. */
typedef const kq_plugin_info* (*kq_plugin_entry_fn)(const kq_host_api* host);

KQ_PLUGIN_EXPORT const kq_plugin_info* kq_plugin_entry(const kq_host_api* host);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KANGQIAO_PLUGIN_H */
