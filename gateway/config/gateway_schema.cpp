#include "gateway/config/gateway_schema.hpp"

namespace kq::config {

namespace {

using T = FieldType;

// Ranges are generous bounds that catch slips (an extra zero, a missing unit), not tuning
// advice. Defaults mirror gateway_config.hpp; loader_test.cpp (OmittedKeysTakeTheDocumentedDefaults)
// keeps the two in step.
constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;
constexpr std::int64_t kGiB = 1024 * kMiB;

std::vector<Field> log_fields() {
  return {
      field("level", T::enumeration, "Least severe level that is written.")
          .by_default("info")
          .one_of({"debug", "info", "warn", "error"}),
      field("repeat_window", T::duration,
            "A warning or error that repeats identically (same event and text fields) is written "
            "once; the repeats within this window are counted and reported in one line with "
            "`repeated` and `window_s`. `0s` writes every line.")
          .by_default("10s")
          .range(0, kHour),
  };
}

std::vector<Field> thread_fields() {
  return {
      field("io", T::integer, "Threads running the network event loop.").by_default("2").range(1, 64),
      field("blocking", T::integer, "Threads for blocking work: store queries, file scans, plugin hooks that may block.")
          .by_default("4")
          .range(1, 64),
  };
}

std::vector<Field> limit_fields() {
  return {
      field("max_body_bytes", T::bytes, "Largest request body accepted; larger requests are refused with 413.")
          .by_default("16MiB")
          .range(1, 4 * kGiB),
      field("max_header_bytes", T::bytes, "Largest request header block accepted.")
          .by_default("16KiB")
          .range(kKiB, kMiB),
      field("read_timeout", T::duration,
            "Time allowed to receive one complete request, or one MLLP frame from its first byte "
            "to its last.")
          .by_default("30s")
          .range(1, kHour),
      field("idle_timeout", T::duration, "A kept-alive connection without traffic for this long is closed.")
          .by_default("5m")
          .range(1, 24 * kHour),
      field("handshake_timeout", T::duration,
            "Time allowed from accepting a connection to a completed TLS handshake (TLS listeners).")
          .by_default("10s")
          .range(1, 10 * kMinute),
      field("max_connections", T::integer,
            "Open connections at most. When full, the oldest connection that has not yet completed "
            "its handshake and sent a whole request (or MLLP frame) is closed to make room; a "
            "newcomer is refused only when every open connection has.")
          .by_default("1024")
          .range(1, 1'000'000),
      field("max_connections_per_peer", T::integer,
            "Open connections at most from one client IP address; more are refused at once.")
          .by_default("256")
          .range(1, 1'000'000),
  };
}

std::vector<Field> tls_fields() {
  return {
      field("certificate", T::path, "PEM server certificate, followed by any intermediates.").required().must_exist(),
      field("private_key", T::path, "PEM private key of the certificate.").required().must_exist(),
      field("client_ca", T::path,
            "PEM bundle of the CAs that client certificates must chain to; omit for no client authentication.")
          .must_exist(),
      field("require_client_certificate", T::boolean,
            "Refuse clients that present no certificate (mutual TLS). Needs `client_ca`.")
          .by_default("false"),
      field("min_version", T::enumeration, "Oldest TLS version accepted. Quote it (`\"1.3\"`) so it stays text.")
          .by_default("1.2")
          .one_of({"1.2", "1.3"}),
      field("crl", T::path,
            "PEM file with one or more certificate revocation lists of the client CAs. Needs `client_ca`. "
            "Every client certificate is then checked against them and refused when revoked, and also "
            "when no CRL of its issuer is in the file or that CRL's nextUpdate has passed (fail closed). "
            "Read at start-up only: a new file takes effect on restart (docs/operations.md).")
          .must_exist(),
  };
}

std::vector<Field> listener_fields() {
  return {
      field("name", T::string, "Unique name; adapters refer to listeners by it.").required(),
      field("address", T::string, "Local address to bind, e.g. `0.0.0.0` or `::` for every interface.")
          .by_default("127.0.0.1"),
      field("port", T::integer, "TCP port; `0` picks a free port (tests).").required().range(0, 65535),
      field("protocol", T::enumeration,
            "`http` (HTTP, or HTTPS with `tls`) or `mllp` (HL7 v2 over MLLP, over TLS with `tls`); "
            "an MLLP listener serves one adapter and no health endpoints.")
          .by_default("http")
          .one_of({"http", "mllp"}),
      field("serve_health", T::boolean, "Serve `/healthz`, `/readyz` and `/metrics` on this listener.")
          .by_default("true"),
      field("pull_api", T::boolean,
            "Serve the pull API and the consent admin API (`/api/v1/…`, `/fhir/…`; docs/pull-api.md). "
            "Needs `tls` with `client_ca` and `require_client_certificate: true`: every caller is a "
            "principal with a client certificate.")
          .by_default("false"),
      field("limits", T::object, "Size and time limits for every connection.").members(limit_fields()),
      field("tls", T::object, "Serve HTTPS; omit for plain HTTP.").members(tls_fields()),
  };
}

std::vector<Field> store_fields() {
  return {
      field("backend", T::enumeration, "Storage engine.").by_default("sqlite").one_of({"sqlite"}),
      field("path", T::string, "Database file; a relative path is taken relative to `data_dir`.")
          .by_default("kangqiao.db"),
      field("group_commit", T::object, "Batching of the single writer.")
          .members({
              field("max_batch", T::integer, "Most messages committed in one transaction.")
                  .by_default("1000")
                  .range(1, 100'000),
              field("max_delay", T::duration, "Longest a message waits for others to share its transaction.")
                  .by_default("2ms")
                  .range(0, kSecond),
          }),
      field("busy_timeout", T::duration, "How long a statement waits for a lock before failing.")
          .by_default("5s")
          .range(0, 10 * kMinute),
      field("reader_connections", T::integer, "Read-only connections for queries (pull API, look-ups).")
          .by_default("4")
          .range(1, 64),
      field("cache_size", T::bytes,
            "Page cache of the writer connection: most of the gateway's resident memory under load. "
            "Larger helps big databases with many indexes; readers keep SQLite's small default.")
          .by_default("16MiB")
          .range(kMiB, 4 * kGiB),
      field("min_free_space", T::bytes,
            "Free space to keep on the store's file system. Below it, messages are refused with a "
            "transient error (HTTP 503, HL7 AE) before the disk is full, `/readyz` answers 503, "
            "and writing resumes by itself once there is room again. `0` turns the reserve off.")
          .by_default("256MiB")
          .range(0, 1024 * kGiB),
      field("integrity_check", T::object, "A full check of the database file in the background.")
          .members({
              field("interval", T::duration,
                    "How often; `0s` never. Start-up never runs it (use `kangqiao store check`).")
                  .by_default("0s")
                  .range(0, 366 * 24 * kHour),
              field("mode", T::enumeration,
                    "`quick` (PRAGMA quick_check: pages and records) or `full` (integrity_check: "
                    "also that every index matches its table; slower).")
                  .by_default("quick")
                  .one_of({"quick", "full"}),
          }),
  };
}

std::vector<Field> adapter_fields() {
  return {
      field("name", T::string, "Unique instance name; appears in logs, metrics and audit entries.").required(),
      field("plugin", T::string, "Name of the plugin, as the plugin declares it.").required(),
      field("on_error", T::enumeration, "If the adapter fails to start: `stop` the gateway or `skip` this adapter.")
          .by_default("stop")
          .one_of({"stop", "skip"}),
      field("listener", T::string,
            "Listener that serves this adapter's HTTP routes or MLLP frames; default: the first listener."),
      field("roles", T::string_list,
            "Roles that may use this adapter: a client's principal needs one of them, or it gets 403 "
            "(HTTP) or a closed connection (MLLP). Required on a listener that requires client "
            "certificates (default deny); elsewhere, absent means anyone the listener lets in."),
      field("mappings", T::string_list,
            "Mappings this adapter may apply: mapping names, or folders of `mappings.directory` "
            "written with a trailing `/` (e.g. `his/`). A document that only other mappings would "
            "take is refused. Default: the folder named after the plugin (`<plugin>/`)."),
      field("dedupe_window", T::duration,
            "How long a sender's message key (MSH-3|MSH-4|MSH-10, an Idempotency-Key) stays taken: a "
            "resend within it is answered as the original, another message with the key is refused "
            "as a conflict; after it the key is free again, because HIS systems recycle control ids. "
            "Keys older than the longest window of any adapter are swept from the store.")
          .by_default("7d")
          .range(kMinute, 3650 * 24 * kHour),
      field("mapping_variables", T::any,
            "Values its mappings read as `$name` (a mapping of names to text), e.g. "
            "`{name_order: pinyin_hanzi}` for a sender with its own conventions."),
      field("config", T::any, "The plugin's own settings, checked against the fields the plugin declares."),
  };
}

std::vector<Field> principal_fields() {
  return {
      field("name", T::string, "Unique name, used in audit entries.").required(),
      field("organisation", T::string,
            "Identifier of the organisation the principal acts for (e.g. its unified social credit code).")
          .by_default(""),
      field("roles", T::string_list, "Roles granted, e.g. `[his.push]`."),
      field("fingerprint_sha256", T::string,
            "SHA-256 fingerprint of the client certificate: 64 hex digits, colons optional, any case."),
      field("subject", T::string,
            "Client certificate subject (RFC 2253), e.g. `CN=hospital-a,O=Demo Hospital`. "
            "Give this or `fingerprint_sha256` (or both)."),
      field("purposes", T::string_list,
            "Purposes of use the principal may name when it pulls records: HL7 v3 PurposeOfUse "
            "codes (`TREAT`, `PUBHLTH`, `HRESCH`, …) or codes declared in `consent.purposes`. "
            "A pull naming another purpose is refused as a whole, so a `records.pull` principal without "
            "purposes can pull nothing."),
      field("jurisdiction", T::object,
            "Whose records the principal may receive; a record outside answers exactly as one "
            "that does not exist. Without one, a `records.pull` principal receives nothing.")
          .members({
              field("organisations", T::string_list,
                    "Organisation ids: records held by these organisations (a record's `org_id`; "
                    "for a person, the assigners of its identifiers)."),
              field("regions", T::string_list,
                    "GB/T 2260 six-digit administrative division codes, each covering what lies "
                    "in it: `110000` all of Beijing, `110100` its city districts, `110108` one "
                    "district. A record lies where its organisation's `admin_code` (or a parent "
                    "organisation's) says; a person where one of its addresses does."),
          }),
  };
}

std::vector<Field> consent_fields() {
  return {
      field("default", T::enumeration,
            "Decision when neither a consent nor a statutory flow applies. Only `deny`: personal "
            "information needs a lawful basis (PIPL art. 13); declare a `statutory` flow instead.")
          .by_default("deny")
          .one_of({"deny"}),
      field("guardian_age", T::integer,
            "Subjects younger than this on the day a consent was granted need a parent's or "
            "guardian's consent, and all their records are sensitive (PIPL art. 28 and 31 say 14; "
            "a deployment may be stricter).")
          .by_default("14")
          .range(14, 18),
      field("purposes", T::object_list,
            "Purposes of use of this deployment, beside the HL7 v3 PurposeOfUse codes, e.g. "
            "`{code: SCHFEEDBACK, display: 体检结果反馈家长}`. Codes are unique and are not HL7 codes.")
          .members({
              field("code", T::string, "1 to 64 ASCII letters, digits, `_`, `-` or `.`.").required(),
              field("display", T::string, "What the purpose means, for people reading consents and audits.")
                  .by_default(""),
          }),
      field("statutory", T::object_list,
            "Flows that rest on a legal duty instead of consent (PIPL art. 13): the records of "
            "these categories go to this organisation for these purposes whatever the subject's "
            "consents say, and every disclosure is audited with the legal basis.")
          .members({
              field("name", T::string, "Unique name, cited in decisions and audit entries.").required(),
              field("organisation", T::string, "The recipient: the `organisation` of a principal.").required(),
              field("purposes", T::string_list, "Purposes of use the duty covers.").required().at_least(1),
              field("categories", T::string_list,
                    "Data categories the duty covers (see docs/consent.md), e.g. `[physical_fitness, vision]`.")
                  .required()
                  .at_least(1),
              field("legal_basis", T::string,
                    "The law, regulation or notice that imposes the duty, as it should appear in audits.")
                  .required(),
          }),
  };
}

std::vector<Field> checkpoint_fields() {
  return {
      field("signing_key", T::path,
            "PEM private key (SM2, or EC P-256) that signs the checkpoints; file mode 0600. Without "
            "it no checkpoints are written, and a rewrite of the whole log or of its tail cannot be "
            "detected. `certs/gen-dev-certs.sh` makes a development key.")
          .must_exist(),
      field("every_entries", T::integer,
            "A checkpoint once this many new entries are written (signed at the end of the "
            "transaction that reaches the count, so a large group commit may pass it).")
          .by_default("1000")
          .range(1, 10'000'000),
      field("every", T::duration, "A checkpoint at least this often while new entries arrive.")
          .by_default("5m")
          .range(kSecond, 24 * kHour),
      field("export_file", T::path,
            "File each new checkpoint is appended to (one JSON line, flushed to disk), besides the "
            "`audit_checkpoint` log line. Keep it, or ship it, off the database's storage: "
            "`kangqiao audit verify --checkpoints FILE` checks the log against it."),
      field("verify_keys", T::string_list,
            "PEM public keys (or certificates) that `kangqiao audit verify --config` accepts for "
            "checkpoint signatures, relative to this file's folder; keep the old ones after a key "
            "rotation. Default: the public half of `signing_key`."),
  };
}

std::vector<Field> audit_fields() {
  return {
      field("enabled", T::boolean,
            "The audit log is always written: `false` is a configuration error (nothing may be disclosed "
            "without its audit entry).")
          .by_default("true"),
      field("retention_days", T::integer,
            "Days audit entries must be kept at least. The gateway itself never removes an entry: the log "
            "is append-only (DELETE is refused), so it grows; archive it with `kangqiao audit export`.")
          .by_default("180")
          .range(1, 36'500),
      field("hash", T::enumeration,
            "Hash of the audit chain: `sm3` (GB/T 32905) or `sha256`. Each entry records the one it was "
            "written with, so a change applies to new entries only. `none` writes entries without a "
            "hash, for measuring what the chain costs; `kangqiao audit verify` then fails on them.")
          .by_default("sm3")
          .one_of({"sm3", "sha256", "none"}),
      field("checkpoints", T::object, "Signed checkpoints of the chain.").members(checkpoint_fields()),
      field("auth_failure_window", T::duration,
            "A refused client certificate (failed TLS handshake, or a certificate no principal maps) is an "
            "audit entry (DICOM 110114 User Authentication). The same listener, peer address and reason "
            "make one entry per window; the failures within it are counted in one more entry at its end. "
            "Read at start-up.")
          .by_default("1m")
          .range(kSecond, kHour),
  };
}

std::vector<Field> build() {
  return {
      field("node_name", T::string, "Name of this gateway in logs, metrics and audit entries.").by_default("kangqiao"),
      field("data_dir", T::path, "Folder for the database and other state.").required(),
      field("log", T::object, "Logging.").members(log_fields()),
      field("threads", T::object, "Thread pools.").members(thread_fields()),
      field("shutdown_grace", T::duration,
            "On SIGTERM, time allowed for in-flight messages to finish. What has not committed by "
            "then fails (its sender gets a transient reply, never a positive one) and the gateway "
            "exits, even while another process holds the store's write lock.")
          .by_default("10s")
          .range(0, kHour),
      field("listeners", T::object_list,
            "HTTP(S) endpoints. Names are unique; so are (address, port) pairs unless the port is 0.")
          .required()
          .at_least(1)
          .members(listener_fields()),
      field("store", T::object, "Message and record store.").members(store_fields()),
      field("plugins", T::object, "Where plugins are loaded from.")
          .members({field("directory", T::path, "Folder of plugin shared libraries; default: the build's plugin folder.")}),
      field("mappings", T::object, "Where mapping files are read from.")
          .members({field("directory", T::path, "Folder of mapping YAML files."),
                    field("lineage", T::boolean,
                          "Keep the source place of every mapped field in each message's provenance "
                          "record. Off: the provenance record still names the mapping version and the "
                          "records, and ingest costs less CPU and disk.")
                        .by_default("true")}),
      field("adapters", T::object_list, "Adapter instances: a plugin plus its settings. Names are unique.")
          .members(adapter_fields()),
      field("principals", T::object_list, "Clients known by their TLS certificate, and what they may do.")
          .members(principal_fields()),
      field("audit", T::object, "Audit log and its hash chain (docs/operations.md).").members(audit_fields()),
      field("consent", T::object,
            "How disclosures are decided: purposes of use, statutory flows, the guardian age "
            "(docs/consent.md).")
          .members(consent_fields()),
  };
}

}  // namespace

const std::vector<Field>& gateway_schema() {
  static const std::vector<Field> schema = build();
  return schema;
}

std::string describe_schema_markdown() { return describe_fields_markdown(gateway_schema(), ""); }

}  // namespace kq::config
