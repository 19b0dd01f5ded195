/*
 * Kangqiao plugin ABI — the only header a plugin needs.
 *
 * A plugin is a shared library that exports exactly one symbol, `kq_plugin_entry`. The gateway
 * (the "host") dlopen()s it with RTLD_NOW | RTLD_LOCAL, calls the entry with its host API table,
 * and the plugin fills in a `kq_plugin_info` describing itself: ABI versions, name, version, the
 * configuration fields it accepts (as data) and a table of hooks.
 *
 * Division of labour: the host owns every socket, file, timer, parser and transaction. A plugin
 * owns protocol logic only: it asks the host for transports while it is being configured,
 * receives payloads through `on_decode`, has the host parse them (1.2) and looks inside through
 * paths compiled once, hands documents on for mapping, and turns the host's commit outcome into
 * an acknowledgement through `on_acknowledge`.
 *
 * Rules for every item in this file:
 *  - Plain C. No C++ types, exceptions or allocator mixing cross the boundary.
 *  - Every struct starts with `uint32_t struct_size` and is append-only: fields are only ever
 *    added at the end, with a minor version bump. A reader checks `struct_size` (KQ_HAS_FIELD)
 *    before it touches a field that a later minor version added.
 *  - ARRAYS of such structs are walked with the element size their writer declared
 *    (`field_spec_size`, `detail_size`), never with the reader's own sizeof: a later minor may
 *    have grown the element (KQ_ELEMENT).
 *  - ERRORS: a hook returns KQ_OK, or calls `set_error` with one sentence and returns KQ_ERROR.
 *    What the host does then is said at each hook. Sink functions return KQ_ERROR for arguments
 *    they cannot take. A sink is valid only during the hook it was passed to: keeping the pointer
 *    and using it later is undefined behaviour, like any dangling pointer.
 *  - OWNERSHIP: says who frees what. `kq_str` values handed to a hook are borrowed and valid only
 *    until the hook returns unless stated; copy what you keep. Strings a plugin hands to the host
 *    are copied by the host before the call returns.
 *  - THREADING: says on which thread a hook runs and what may run concurrently.
 *
 * Plugins run in the gateway's process and are trusted code: a plugin can crash the gateway.
 * See docs/plugin-abi.md for the full contract, the compatibility table and a walk-through.
 */
#ifndef KANGQIAO_PLUGIN_H
#define KANGQIAO_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version of this header. Major: incompatible change (a host refuses any other major).
 * Minor: fields or functions appended. A plugin states two minors (kq_plugin_info): the lowest
 * host minor it works with (`abi_minor`, what every host compares) and the minor of the header it
 * was compiled with (`sdk_minor`, since 1.2). Compatibility table: docs/plugin-abi.md. */
#define KQ_PLUGIN_ABI_MAJOR 1
#define KQ_PLUGIN_ABI_MINOR 5

#define KQ_PLUGIN_ENTRY_SYMBOL "kq_plugin_entry"

#if defined(__GNUC__)
#define KQ_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define KQ_PLUGIN_EXPORT
#endif

/* KQ_HAS_FIELD: true when the struct `ptr` (of type `type`, which starts with struct_size) is
 * large enough to hold `field`; use it before reading a field that a later minor version appended.
 * KQ_ELEMENT: element `index` of an array whose writer declared `element_size` bytes per element. */
#ifdef __cplusplus
#define KQ_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(static_cast<type*>(nullptr)->field))
#define KQ_ELEMENT(type, array, element_size, index)                \
  (reinterpret_cast<const type*>(reinterpret_cast<const char*>(array) + \
                                 static_cast<size_t>(element_size) * static_cast<size_t>(index)))
#else
#define KQ_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))
#define KQ_ELEMENT(type, array, element_size, index) \
  ((const type*)((const char*)(array) + (size_t)(element_size) * (size_t)(index)))
#endif

/* A borrowed byte string: not NUL-terminated unless stated; may contain any bytes. */
typedef struct kq_str {
  const char* data;
  size_t size;
} kq_str;

typedef enum kq_status {
  KQ_OK = 0,
  KQ_ERROR = 1 /* the reason goes through kq_host_api.set_error before returning */
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
typedef struct kq_path kq_path;                   /* 1.2: a compiled path; valid until destroy */
typedef struct kq_document kq_document;           /* 1.2: a parsed payload; see parse_document */

/* ---------------------------------------------------------------------------------------------
 * Errors in the sender's terms (1.2). The kind lets a plugin answer in its protocol's own
 * vocabulary (HL7 table 0357 in ERR-3, an HTTP status) without reading the reason's text.
 * ------------------------------------------------------------------------------------------- */
typedef enum kq_error_kind {
  KQ_ERROR_UNSPECIFIED = 0,   /* the sender's content is wrong in a way not listed below */
  KQ_ERROR_REQUIRED = 1,      /* a required value is missing (HL7 0357: 101) */
  KQ_ERROR_DATA_TYPE = 2,     /* a value has the wrong form or range: date, number, check digit (102) */
  KQ_ERROR_CODE_UNKNOWN = 3,  /* a coded value is not in its table or value set (103) */
  KQ_ERROR_TOO_LONG = 4,      /* a value is longer than allowed (104) */
  KQ_ERROR_STRUCTURE = 5,     /* the envelope or a segment is malformed or out of place (100) */
  KQ_ERROR_UNSUPPORTED = 6,   /* the message or document type is not accepted here (200) */
  KQ_ERROR_UNSUPPORTED_EVENT = 7, /* the trigger event is not accepted here (201) */
  KQ_ERROR_UNKNOWN_KEY = 8,   /* the message refers to something the gateway does not know (204) */
  KQ_ERROR_DUPLICATE_KEY = 9, /* the message key was already used for other content (205) */
  KQ_ERROR_NOT_PERMITTED = 10, /* the sender may not send this (organisation, role) */
  KQ_ERROR_INTERNAL = 11      /* the gateway or the plugin failed; not the sender's fault (207) */
} kq_error_kind;

/* OWNERSHIP: whoever passes it keeps it; the receiver copies what it keeps. */
typedef struct kq_error_detail {
  uint32_t struct_size;
  kq_error_kind kind;
  kq_str location; /* in the sender's terms: "PID-19", "/name/0/family", "row 12, column 班级";
                      empty for the message as a whole */
  kq_str reason;   /* one sentence */
  /* ---- ABI 1.3 ---- */
  size_t document; /* which emitted document it is about: its number, 1 for the first emitted,
                      in emit order; 0 for the message as a whole (what a zeroed field means) */
} kq_error_detail;

/* A payload in a source format (1.2). */
typedef struct kq_source {
  uint32_t struct_size;
  kq_str format;  /* "hl7v2", "xml", "json", "csv", "xlsx", "fixed"; for emit_source also
                     "canonical+json" (records in the canonical model, one object or an array) */
  kq_str charset; /* empty: the format's own rule (MSH-18, the XML declaration, else UTF-8);
                     "UTF-8", "GB18030" or "GBK": what the channel is known to send */
  kq_str body;
} kq_source;

/* ---------------------------------------------------------------------------------------------
 * Inbound payloads and commit outcomes.
 * ------------------------------------------------------------------------------------------- */
typedef enum kq_transport {
  KQ_TRANSPORT_HTTP = 1,     /* a request on a route the plugin registered */
  KQ_TRANSPORT_SCHEDULE = 2, /* a schedule the plugin registered fired; payload is empty */
  KQ_TRANSPORT_MLLP = 3,     /* since 1.1: one MLLP frame (without VT/FS/CR) */
  KQ_TRANSPORT_FILE = 4      /* since 1.3: a file taken from a drop folder (add_file_drop) */
} kq_transport;

/* kq_inbound.flags (1.2) */
#define KQ_INBOUND_REPLAY 1u /* a stored message run again (`kangqiao reprocess`): on_acknowledge
                                is not called, nobody waits for a reply */

/* Everything the host knows about one payload; the store keeps all of it with the raw bytes, so
 * a message can be run again exactly as it arrived.
 * OWNERSHIP: host-owned, borrowed for the duration of the hook call. */
typedef struct kq_inbound {
  uint32_t struct_size;
  kq_transport transport;
  kq_str channel;            /* route path, schedule name or MLLP listener name */
  kq_str method;             /* HTTP method, empty otherwise */
  kq_str content_type;       /* as sent, parameters included */
  kq_str payload;            /* raw bytes as received */
  kq_str peer_address;       /* "ip:port", empty for schedules */
  kq_str peer_organisation;  /* from the client certificate's principal; empty when anonymous */
  kq_str peer_principal;     /* principal name from config; empty when anonymous */
  kq_str idempotency_key;    /* HTTP Idempotency-Key header, empty when absent */
  int64_t received_at_ms;    /* UTC milliseconds since the epoch */
  /* ---- ABI 1.2 ---- */
  kq_str listener;           /* the listener's name from config */
  kq_str charset;            /* the charset parameter of content_type, empty when none */
  uint32_t flags;            /* KQ_INBOUND_* */
} kq_inbound;

typedef enum kq_outcome_kind {
  KQ_OUTCOME_COMMITTED = 0,      /* raw message and records are durably committed */
  KQ_OUTCOME_DUPLICATE = 1,      /* identical resend of a committed message: nothing new stored */
  KQ_OUTCOME_CONTENT_ERROR = 2,  /* decoded but invalid: kept raw as a dead letter with errors */
  KQ_OUTCOME_REJECTED = 3,       /* refused in on_decode (or on_decode failed): kept raw, rejected */
  KQ_OUTCOME_CONFLICT = 4,       /* same message key as a committed message, different content */
  KQ_OUTCOME_TRANSIENT = 5,      /* nothing committed (store unavailable, shutting down): retry */
  KQ_OUTCOME_NOTHING_TO_DO = 6   /* 1.4: on_decode called nothing_to_do; nothing was stored. Only
                                    a plugin that calls nothing_to_do ever sees this kind. */
} kq_outcome_kind;

/* How the documents of one message are accepted (1.3; set_document_mode). */
typedef enum kq_document_mode {
  /* Default: the message is one unit. An error in any document makes the whole message a dead
   * letter and nothing of it is stored as records. */
  KQ_DOCUMENTS_TOGETHER = 0,
  /* A batch: every emitted document is mapped and validated on its own, and a document with
   * errors does not keep the others out. One transaction still holds the raw payload, the
   * accepted documents' records, the dedupe key, the sequence numbers and the audit entry; the
   * rejected documents' errors are kept with the payload as its dead letter. The outcome is
   * COMMITTED when at least one document was accepted, CONTENT_ERROR when none was (or when an
   * error names no document, i.e. is about the batch as a whole). */
  KQ_DOCUMENTS_INDEPENDENT = 1
} kq_document_mode;

typedef enum kq_document_status {
  KQ_DOCUMENT_ACCEPTED = 0, /* its records are committed */
  KQ_DOCUMENT_REJECTED = 1  /* it had errors (kq_outcome.details with its number); nothing of it
                               was stored but the raw payload it is part of */
} kq_document_status;

/* What became of one emitted document (1.3). OWNERSHIP: host-owned, borrowed for on_acknowledge. */
typedef struct kq_document_result {
  uint32_t struct_size;
  kq_document_status status;
  size_t number;       /* 1 for the first document emitted, in emit order */
  size_t record_count; /* records stored from it (0 when rejected); provenance records excluded */
  size_t error_count;  /* its errors among kq_outcome.details (those with this `document`) */
} kq_document_result;

/* kq_sequence_result.flags (1.3) */
#define KQ_SEQUENCE_FIRST 1u    /* no number was known for this stream before this message */
#define KQ_SEQUENCE_REPLAYED 2u /* this number came before, with other content (replay_of) */
#define KQ_SEQUENCE_LATE 4u     /* lower than the highest number seen, and not seen before: it
                                   fills (part of) a gap reported earlier */

/* A sequence number the plugin reported (report_sequence) as the host found it against the
 * numbers it keeps per adapter, sender organisation and stream (1.3).
 * OWNERSHIP: host-owned, borrowed for on_acknowledge. */
typedef struct kq_sequence_result {
  uint32_t struct_size;
  uint32_t flags;      /* KQ_SEQUENCE_* */
  kq_str stream;       /* as reported, e.g. a terminal id */
  int64_t number;      /* as reported */
  int64_t previous;    /* the highest number seen on the stream before this message; 0 if none */
  int64_t gap_first;   /* numbers previous+1 .. number-1 never arrived: gap_first..gap_last; */
  int64_t gap_last;    /* both 0 when there is no gap */
  kq_str replay_of;    /* REPLAYED: the message that carried the number first */
} kq_sequence_result;

/* kq_outcome_note.kind (1.4) */
typedef enum kq_note_kind {
  KQ_NOTE_MISMATCH = 1,   /* the sender sent a value the gateway computes itself (a score, a
                             grade, a myopia flag), and the two disagree: the record keeps the
                             computed value, the raw message the sent one */
  KQ_NOTE_NOT_DERIVED = 2 /* a value the gateway derives could not be derived (a table does not
                             cover the age, an input is missing); the record is stored without it */
} kq_note_kind;

/* A data-quality note about a stored record (1.4): nothing that kept it out, but what a receipt
 * should tell the sender. OWNERSHIP: host-owned, borrowed for on_acknowledge. */
typedef struct kq_outcome_note {
  uint32_t struct_size;
  kq_note_kind kind;
  size_t document;  /* the emitted document the record came from (INDEPENDENT); 0 otherwise */
  kq_str location;  /* where in the sender's terms, when the mapping recorded it ("row 3"); else empty */
  kq_str field;     /* the record kind and the place in it: "fitness_test.items[2].score" */
  kq_str reason;    /* one sentence */
  kq_str sent;      /* MISMATCH: the value as sent, and as computed; empty otherwise */
  kq_str computed;
  kq_str rule;      /* the rule set that computed it: "cspfs-2014@1.0.0" */
} kq_outcome_note;

/* The 1.0 error shape, kept for plugins built before 1.2. Never grows. */
typedef struct kq_field_error {
  kq_str location;
  kq_str message;
} kq_field_error;

/* OWNERSHIP: host-owned, borrowed for the duration of on_acknowledge. */
typedef struct kq_outcome {
  uint32_t struct_size;
  kq_outcome_kind kind;
  kq_str message_id;              /* id of the stored raw message (empty for TRANSIENT) */
  const kq_str* record_ids;       /* ids of the records the message produced */
  size_t record_count;
  const kq_field_error* errors;   /* CONTENT_ERROR: the errors, 1.0 shape (details has them all) */
  size_t error_count;
  kq_str reason;                  /* one-line summary for REJECTED, CONFLICT and TRANSIENT */
  /* ---- ABI 1.2 ---- */
  const kq_error_detail* details; /* the same errors with their kind: every content error, the
                                     rejection, the conflict; walk with detail_size */
  size_t detail_count;
  size_t detail_size;
  void* state;                    /* what on_decode handed to set_state, or NULL */
  /* ---- ABI 1.3 ---- */
  kq_document_mode document_mode;       /* what on_decode set (TOGETHER unless it said otherwise) */
  const kq_document_result* documents;  /* INDEPENDENT: one per emitted document, in emit order
                                           (also for DUPLICATE, as the original was accepted);
                                           walk with document_result_size */
  size_t document_count;
  size_t document_result_size;
  const kq_sequence_result* sequences;  /* one per report_sequence call (COMMITTED, CONTENT_ERROR,
                                           and DUPLICATE with the original's findings); walk with
                                           sequence_result_size */
  size_t sequence_count;
  size_t sequence_result_size;
  /* ---- ABI 1.4 ---- */
  const kq_outcome_note* notes;  /* COMMITTED and DUPLICATE: data-quality notes on the records
                                    (derived values, docs/derived-values.md); walk with note_size */
  size_t note_count;
  size_t note_size;
} kq_outcome;

/* ---------------------------------------------------------------------------------------------
 * Since 1.3: an HTTPS source the host fetches for the plugin (add_https_source, https_get).
 * ------------------------------------------------------------------------------------------- */
typedef struct kq_https_source {
  uint32_t struct_size;
  const char* name;               /* what https_get names; unique within the adapter */
  const char* url;                /* https://host[:port]/path[?query]; logs never show the query */
  const char* ca_file;            /* PEM bundle the server must chain to; NULL or "": the system's */
  const char* client_certificate; /* PEM chain for mutual TLS; NULL or "": none */
  const char* client_private_key; /* PEM key of that certificate */
  int64_t connect_timeout_ms;     /* resolve, connect, TLS handshake; 0: 10 s */
  int64_t read_timeout_ms;        /* request sent and whole response read; 0: 60 s */
  int64_t max_bytes;              /* a larger body fails the fetch; 0: 64 MiB */
  uint32_t max_attempts;          /* tries on connection errors, 5xx and 429; 0: 4 */
  int64_t retry_backoff_ms;       /* wait before the second try, doubled each time; 0: 1 s */
} kq_https_source;

typedef struct kq_https_response {
  uint32_t struct_size;
  int http_status;        /* 200, 204, or 304 (not modified) */
  int not_modified;       /* non-zero: unchanged since the body last committed; `body` is empty */
  kq_str body;            /* valid until on_decode returns */
  kq_str content_type;
  uint32_t attempts;      /* how many tries it took */
} kq_https_response;

/* ---------------------------------------------------------------------------------------------
 * Since 1.5: a roster drop that reads CSV, XLSX and XML rosters (add_roster_drop_with).
 * ------------------------------------------------------------------------------------------- */
typedef struct kq_roster_drop {
  uint32_t struct_size;
  const char* name;           /* the channel on_decode sees */
  const char* directory;      /* absolute; incoming/, work/, done/, failed/ are made in it */
  int64_t settle_ms;          /* a file unchanged this long is taken */
  const char* principal;      /* the config principal the files speak for (its organisation: the registry) */
  int64_t rows_per_chunk;     /* records per chunk, 1 to 1,000,000 */
  const char* sheet;          /* XLSX: the sheet by its tab name; NULL or "": the first visible sheet */
  const char* record_element; /* XML: the element of one student, by local name; NULL or "": "student" */
} kq_roster_drop;

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

  /* From any hook that is about to return KQ_ERROR, on the hook's own thread: the reason, in one
   * sentence. (Called from another thread it only reaches the log; hosts before 1.2 honour it in
   * create only.) */
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
   * format for the mapping engine ("hl7v2", "xml", "csv", "xlsx", "json", "fixed"), read with
   * the format's own charset rule. The body is copied. (1.2: emit_source says the charset.) */
  kq_status (*emit_document)(kq_decode_sink* sink, const char* format, kq_str body);
  /* The message's dedupe key (e.g. MSH-3|MSH-4|MSH-10, an Idempotency-Key). The host scopes it
   * to the adapter and the sender's organisation, so two senders never share a key. A resend
   * with the same key and the same bytes gets DUPLICATE; the same key with other bytes CONFLICT. */
  void (*set_message_key)(kq_decode_sink* sink, kq_str key);
  /* A content error in the sender's terms. Any error makes the outcome CONTENT_ERROR.
   * (1.2: add_error also says what kind of error it is.) */
  void (*add_field_error)(kq_decode_sink* sink, kq_str location, kq_str message);
  /* The message cannot be accepted at all (unknown type, bad envelope): outcome REJECTED.
   * (1.2: reject_with also says where and what kind.) */
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

  /* ---- ABI 1.2 ---- */

  /* During create only: compile a path of a source format once, to read documents with
   * document_value ("MSH-10", "PID-3[*].1", "/hl7:ClinicalDocument/hl7:id/@extension",
   * "/hospital/creditCode"; the syntax is the mapping language's, docs/mapping-language.md).
   * NULL when the format is unknown or the path does not compile; the reason is then what
   * create reports if it fails. OWNERSHIP: host-owned, valid until destroy; paths are read-only
   * and may be used from concurrent hooks. */
  const kq_path* (*compile_path)(kq_host_instance* host, const char* format, const char* path);

  /* During on_decode only: parse a payload with the gateway's parser for source->format, so the
   * plugin can look inside it and hand the same parse to the mapping engine (emit_parsed): the
   * payload is parsed once per message. On failure returns KQ_ERROR and fills *error (strings
   * valid until on_decode returns) with where and why.
   * OWNERSHIP: the document belongs to the message and stays valid until on_acknowledge has
   * returned (or, for a replay, until on_decode has). THREADING: one hook at a time uses it. */
  kq_status (*parse_document)(kq_decode_sink* sink, const kq_source* source,
                              const kq_document** document_out, kq_error_detail* error);

  /* While the document is valid: the n-th (from 0) value `path` selects in it, decoded to UTF-8
   * with escapes resolved, and where it is. Returns 0 when there is no n-th value; an empty value
   * that is present (HL7 "") returns 1 with size 0. The strings are valid as long as the
   * document. `location` may be NULL. */
  int (*document_value)(const kq_document* document, const kq_path* path, size_t n, kq_str* text,
                        kq_str* location);

  /* During on_decode only: hand a parsed document to the mapping engine (no second parse). */
  kq_status (*emit_parsed)(kq_decode_sink* sink, const kq_document* document);
  /* During on_decode only: hand an unparsed payload on, with its format and charset. */
  kq_status (*emit_source)(kq_decode_sink* sink, const kq_source* source);

  /* During on_decode only: a content error with its kind (outcome CONTENT_ERROR), and a
   * rejection with its place and kind (outcome REJECTED). Both copy the strings. */
  kq_status (*add_error)(kq_decode_sink* sink, const kq_error_detail* error);
  kq_status (*reject_with)(kq_decode_sink* sink, const kq_error_detail* error);

  /* During on_decode only: state for on_acknowledge of the same message (what was read from the
   * envelope, say), so nothing is parsed twice. It arrives as kq_outcome.state. The host calls
   * `release(state)` exactly once: after on_acknowledge returned, or, when on_acknowledge is not
   * going to be called (a replay, a shutdown), after on_decode. A second call replaces the state
   * and releases the first. `release` may be NULL. OWNERSHIP: the plugin's. */
  kq_status (*set_state)(kq_decode_sink* sink, void* state, void (*release)(void* state));

  /* ---- ABI 1.3: batches ---- */

  /* During on_decode only: how the documents of this message are accepted (kq_document_mode).
   * Call it before or after emitting; the last call counts. Errors about one document are added
   * with add_error and kq_error_detail.document set to its number. */
  kq_status (*set_document_mode)(kq_decode_sink* sink, kq_document_mode mode);
  /* During on_decode only: the message carries `number` of the sender's numbered `stream` (a
   * terminal id and its batch sequence number, say). In the transaction that stores the message
   * the host compares it with the numbers it keeps for the adapter, the sender's organisation and
   * the stream, records it, and reports in kq_outcome.sequences the gap before it and whether it
   * was replayed. Not recorded for a REJECTED message (the sender will send it again). `number`
   * must be positive; `stream` at most 128 bytes. */
  kq_status (*report_sequence)(kq_decode_sink* sink, kq_str stream, int64_t number);
  /* During create only: a drop folder the host serves (`directory`, absolute). The host makes
   * incoming/, work/, done/ and failed/ in it. A file written into incoming/ is taken once its
   * size and modification time have not changed for `settle_ms` (names starting with '.' or
   * ending in ".part" are never taken: write under such a name, then rename), by an atomic rename
   * into work/; on_decode gets transport FILE, channel = `name`, the file's bytes as payload, and
   * the organisation and principal of the config principal named `principal` (a folder has no
   * certificate: whoever may write into it speaks for that principal; NULL or "": anonymous; the
   * principal must hold one of the adapter's roles). After on_acknowledge the file moves to done/
   * (COMMITTED or DUPLICATE) or failed/ (anything else), with the bytes on_acknowledge wrote
   * beside it as "<file>.receipt"; after TRANSIENT it stays in work/ and is tried again. Files
   * left in work/ by a stopped gateway are taken first at start: give such messages a key (a
   * content hash) so that running one again is a DUPLICATE. */
  kq_status (*add_file_drop)(kq_host_instance* host, const char* name, const char* directory, int64_t settle_ms,
                             const char* principal);

  /* ---- ABI 1.3: calendar schedules and outbound HTTPS ---- */

  /* During create only: a schedule on the calendar. `cron` has five fields (minute hour
   * day-of-month month day-of-week, with lists, ranges and steps) or is a macro such as @daily;
   * it is read in `time_zone` (an IANA name; NULL or "": Asia/Shanghai). on_decode is called with
   * transport SCHEDULE and channel = name. Runs never overlap; a run missed while the gateway was
   * down runs once when it starts. KQ_ERROR with the reason for a bad expression or zone. The
   * accepted syntax: docs/plugin-abi.md, "Calendar schedules". */
  kq_status (*add_calendar_schedule)(kq_host_instance* host, const char* name, const char* cron,
                                     const char* time_zone);
  /* During create only: an HTTPS source for https_get. The host checks the URL and loads the
   * CA and the client certificate now: KQ_ERROR with the setting and the reason. Strings are
   * copied. */
  kq_status (*add_https_source)(kq_host_instance* host, const kq_https_source* source);
  /* During on_decode only (it blocks: use it from a schedule run): GET the source, with retries.
   * The request is conditional on the validators (ETag, Last-Modified) of the last body whose
   * message committed, so an unchanged document comes back as not_modified without a body.
   * On failure KQ_ERROR and *error (strings valid until on_decode returns) says why; the URL's
   * query is never shown. */
  kq_status (*https_get)(kq_decode_sink* sink, const char* source_name, kq_https_response* response,
                         kq_error_detail* error);

  /* ---- ABI 1.4: nothing to do, companion files, streamed roster syncs ---- */

  /* During on_decode only: this payload asks for nothing (a schedule run whose https_get came
   * back not_modified, a poll that found nothing new). The host stores nothing — no raw message,
   * no dead letter, no audit entry —, logs `reason` and counts the run, and calls on_acknowledge
   * with KQ_OUTCOME_NOTHING_TO_DO. Documents, errors and keys of the call are dropped; a
   * rejection (reject, reject_with) still wins over it. */
  kq_status (*nothing_to_do)(kq_decode_sink* sink, kq_str reason);
  /* During on_acknowledge only: a file to go with the reply. A drop folder writes it beside the
   * receipt as "<file><suffix>" (".rejects.csv", say); other transports ignore it. `suffix`
   * starts with '.', has at most 32 bytes and no '/'; the bytes are copied. */
  kq_status (*ack_attach)(kq_ack_sink* sink, const char* suffix, kq_str bytes);

  /* During create only: a drop folder, as add_file_drop, whose files are CSV rosters synced in
   * chunks (docs/adapters/student_registry.md). The host reads a file `rows_per_chunk` rows at a
   * time (a quoted field may hold a line break), repeats the header row at the head of every
   * chunk, and calls on_decode once per chunk with that text as payload (transport FILE, channel
   * `name`); the plugin hands it on as one "csv" document (emit_document / emit_source). The host
   * then maps the rows one by one, compares each student with what the registry listed before,
   * and writes only new, changed and transferred students, with the run's progress, in the
   * chunk's transaction. After the last chunk the students not listed any more get the status
   * left (转出) or graduated (毕业). A run cut short resumes after its last committed chunk. The
   * receipt beside the file in done/ is the host's sync report; on_acknowledge's bytes are not
   * used. `rows_per_chunk` must be 1 to 1,000,000. */
  kq_status (*add_roster_drop)(kq_host_instance* host, const char* name, const char* directory, int64_t settle_ms,
                               const char* principal, int64_t rows_per_chunk);

  /* ---- ABI 1.5: rosters as XLSX and XML ---- */

  /* During create only: a roster drop as add_roster_drop, whose files are read by their name:
   * .csv and .txt as CSV (as add_roster_drop), .xlsx as one sheet of an Excel workbook, .xml as
   * XML with one `record_element` per student. Any other name goes to failed/ with a receipt
   * that lists the kinds read. The chunk's content_type and charset say what on_decode holds:
   *   "text/csv" (no charset)        a CSV file's rows, in the file's own charset: emit "csv"
   *                                  with the charset the plugin knows the registry writes;
   *   "text/csv; charset=UTF-8"      an XLSX sheet's rows rendered as CSV records in UTF-8 (the
   *                                  header row first): emit "csv" with charset UTF-8;
   *   "application/xml; charset=UTF-8"  a small XML document <roster> holding the records:
   *                                  emit "xml" with charset UTF-8.
   * A chunk emitted in another format is refused. A record's line in the report is the line of
   * the file (CSV, XML) or the sheet row (XLSX). KQ_ERROR with the reason for a bad argument. */
  kq_status (*add_roster_drop_with)(kq_host_instance* host, const kq_roster_drop* drop);
} kq_host_api;

/* ---------------------------------------------------------------------------------------------
 * Hooks the plugin implements.
 * ------------------------------------------------------------------------------------------- */
typedef struct kq_plugin_vtable {
  uint32_t struct_size;

  /* Configure one adapter instance from its validated block; ask for transports here.
   * THREADING: main thread, at start-up and on reload (SIGHUP), never concurrently with itself.
   * OWNERSHIP: *instance_out is plugin-owned until destroy.
   * ERRORS: KQ_ERROR stops start-up (or skips the adapter, `on_error: skip`) with the reason
   * given to set_error, at the adapter's config location. */
  kq_status (*create)(kq_host_instance* host, const kq_config_view* config, void** instance_out);

  /* THREADING: main thread, after no hook of this instance is running any more. */
  void (*destroy)(void* instance);

  /* Decode one payload into documents, a message key and errors. Must not block on I/O.
   * THREADING: a worker thread of the host's blocking pool. Calls for different payloads of the
   * same instance may run concurrently: keep instance state read-only after create, or lock.
   * ERRORS: KQ_ERROR means the plugin failed, not the sender: the payload is kept as rejected
   * with kind KQ_ERROR_INTERNAL and the set_error reason, and on_acknowledge is called with
   * REJECTED so the sender still gets an answer in its protocol. */
  kq_status (*on_decode)(void* instance, const kq_inbound* in, kq_decode_sink* out);

  /* Turn the outcome into the reply (HL7 ACK, HTTP status and body). Called exactly once per
   * payload after on_decode, and only after the commit finished (or failed); not for replays.
   * THREADING: as on_decode.
   * ERRORS: KQ_ERROR discards what was written; the host logs the reason and answers HTTP with
   * 500 problem JSON, and closes an MLLP connection without a reply (the sender resends, and the
   * dedupe key makes the resend safe). */
  kq_status (*on_acknowledge)(void* instance, const kq_inbound* in, const kq_outcome* outcome,
                              kq_ack_sink* out);
} kq_plugin_vtable;

/* What the entry point fills in. OWNERSHIP: every pointer is static plugin data. */
typedef struct kq_plugin_info {
  uint32_t struct_size;
  uint32_t abi_major;          /* KQ_PLUGIN_ABI_MAJOR */
  uint32_t abi_minor;          /* the LOWEST host minor the plugin works with: a host with an
                                  older minor refuses it. (Plugins built before 1.2 set their
                                  header's minor here.) */
  const char* name;            /* unique plugin name, snake_case: used in config `plugin:` */
  const char* version;         /* the plugin's own semver */
  const char* description;     /* one sentence */
  const kq_field_spec* fields; /* config fields, field_spec_size bytes apart */
  size_t field_count;
  const kq_plugin_vtable* vtable;
  /* ---- ABI 1.2 ---- */
  uint32_t sdk_minor;          /* KQ_PLUGIN_ABI_MINOR of the header it was compiled with */
  uint32_t field_spec_size;    /* sizeof(kq_field_spec) as compiled: the stride of `fields`
                                  (before 1.2 the host takes fields[0].struct_size) */
} kq_plugin_info;

/* The single exported symbol. The host passes its API table (valid for the process lifetime;
 * keep the pointer) and gets back the plugin's static description. The host reads only as much of
 * it as `struct_size` says, then checks the ABI version: the major must equal the host's, and the
 * host's minor must be at least the plugin's `abi_minor`; anything else is refused with both
 * versions named. A plugin that can work with older hosts checks host->abi_minor before it calls
 * a function a later minor added (the C++ wrapper does), or returns NULL to refuse the host.
 * THREADING: main thread, once per process.
 * OWNERSHIP: the returned table is static plugin data. */
typedef const kq_plugin_info* (*kq_plugin_entry_fn)(const kq_host_api* host);

KQ_PLUGIN_EXPORT const kq_plugin_info* kq_plugin_entry(const kq_host_api* host);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KANGQIAO_PLUGIN_H */
