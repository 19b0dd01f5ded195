#pragma once
// The gateway's configuration after loading and validation. Every value here has been checked
// (types, ranges, references); paths are absolute (resolved against the config file's folder).
// The YAML keys and their meaning are documented in docs/configuration.md.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/config/source_location.hpp"

namespace kq::config {

struct TlsConfig {
  std::string certificate;             // PEM server certificate (chain)
  std::string private_key;             // PEM private key
  std::string client_ca;               // PEM CA bundle that client certificates must chain to; empty: no client auth
  bool require_client_certificate = false;
  std::string min_version = "1.2";     // "1.2" | "1.3"
  std::string crl;                     // PEM file of CRLs checked for every client certificate; empty: none
};

struct ListenerLimits {
  std::uint64_t max_body_bytes = 16 * 1024 * 1024;
  std::uint32_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds idle_timeout{300'000};
  std::chrono::milliseconds handshake_timeout{10'000};  // TLS handshake, from accept to done
  std::uint32_t max_connections = 1024;
  std::uint32_t max_connections_per_peer = 256;          // per client IP address
};

struct ListenerConfig {
  std::string name;                    // unique; adapters refer to listeners by name
  std::string protocol = "http";       // "http" (HTTP/HTTPS) | "mllp" (HL7 v2 over MLLP, optionally TLS)
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;              // 0: pick a free port (tests)
  std::optional<TlsConfig> tls;
  ListenerLimits limits;
  bool serve_health = true;            // /healthz, /readyz, /metrics on this listener
  bool pull_api = false;               // the pull API (/api/v1/…, /fhir/…): mutual TLS required
  SourceLocation where;
};

struct StoreConfig {
  std::string backend = "sqlite";      // only "sqlite" today
  std::string path;                    // absolute path of the database file
  std::uint32_t group_commit_max_batch = 1000;
  std::chrono::microseconds group_commit_max_delay{2000};
  std::chrono::milliseconds busy_timeout{5000};
  std::uint32_t reader_connections = 4;
  std::uint64_t cache_bytes = 16ULL << 20;  // the writer connection's page cache
  // Below this much free space on the store's file system, writes are refused (transient).
  std::uint64_t min_free_bytes = 256ULL << 20;
  std::chrono::milliseconds integrity_check_interval{0};  // 0: no background check
  bool integrity_check_full = false;                      // integrity_check instead of quick_check
  SourceLocation where;
};

struct AdapterConfig {
  std::string name;                    // instance name, unique
  std::string plugin;                  // plugin name as the plugin declares it
  enum class OnError { stop, skip } on_error = OnError::stop;
  YAML::Node block;                    // the raw `config:` block, validated later against the plugin's fields
  std::string listener;                // listener that serves this adapter's HTTP routes ("" = first one)
  std::vector<std::string> roles;      // a principal needs one of these; empty = anyone the listener lets in
  // Mappings the adapter may apply: names, or folders of mappings.directory ending in '/'.
  // Absent in the file: the folder named after the plugin ("his/").
  std::vector<std::string> mappings;
  bool mappings_given = false;  // written in the file (then every entry must name something)
  std::chrono::milliseconds dedupe_window{7LL * 24 * 3600 * 1000};  // a message key is held this long
  std::map<std::string, std::string> mapping_variables;  // $name values its mappings read
  SourceLocation where;
  SourceLocation block_where;
  SourceLocation mappings_where;
  SourceLocation mapping_variables_where;
};

// Whose records a principal may receive: a record outside answers as if it did not exist.
struct JurisdictionConfig {
  std::vector<std::string> organisations;  // organisation ids (org_id of records)
  std::vector<std::string> regions;        // GB/T 2260 six-digit codes; "110000" is all of Beijing
  bool empty() const { return organisations.empty() && regions.empty(); }
};

// The roles the gateway's own APIs check. Other role names are free: adapters name theirs
// (e.g. his.push), and consents name recipients as role:<name>.
namespace roles {
inline constexpr std::string_view records_pull = "records.pull";    // the pull API
inline constexpr std::string_view consent_write = "consent.write";  // the consent admin API
inline constexpr std::string_view audit_read = "audit.read";        // reading the audit log
inline constexpr std::string_view admin = "admin";                  // everything else an operator does
}  // namespace roles

struct PrincipalConfig {
  std::string name;
  std::string organisation;            // organisation id (e.g. USCC) the principal acts for
  std::vector<std::string> roles;
  std::string fingerprint_sha256;      // upper-case hex, colons removed; empty when matched by subject
  std::string subject;                 // RFC 2253 subject, e.g. "CN=hospital-a,O=Demo Hospital"
  std::vector<std::string> purposes;   // purposes of use it may name when it pulls
  JurisdictionConfig jurisdiction;
  SourceLocation where;
  bool has_role(std::string_view role) const {
    for (const std::string& r : roles) {
      if (r == role) return true;
    }
    return false;
  }
};

struct AuditConfig {
  bool enabled = true;
  std::uint32_t retention_days = 180;
  std::string hash = "sm3";              // "sm3" | "sha256" | "none" (no chain: measurement only)
  std::string signing_key;               // absolute PEM path; empty: no checkpoints
  std::uint32_t checkpoint_every_entries = 1000;
  std::chrono::milliseconds checkpoint_every{5 * 60 * 1000};
  std::string checkpoint_export_file;    // absolute; empty: the log line only
  std::vector<std::string> verify_keys;  // absolute PEM paths for `kangqiao audit verify`
  // Failed client authentications: one entry per listener, peer address and reason per window.
  std::chrono::milliseconds auth_failure_window{60'000};
  SourceLocation where;
};

// A purpose of use of the deployment's own, beside the HL7 v3 ones (core/purpose_of_use.hpp).
struct LocalPurposeConfig {
  std::string code;
  std::string display;
  SourceLocation where;
};

// A flow that rests on a legal duty rather than consent (PIPL art. 13): records of these
// categories go to this organisation for these purposes, whatever the subject's consents say.
struct StatutoryFlowConfig {
  std::string name;
  std::string organisation;             // the recipient, as principals name it
  std::vector<std::string> purposes;
  std::vector<std::string> categories;  // data category codes (core/data_category.hpp)
  std::string legal_basis;              // the law or notice, cited in every audit entry it permits
  SourceLocation where;
};

struct ConsentConfig {
  std::string default_decision = "deny";   // "deny" only: no consent and no statutory flow means no
  std::uint32_t guardian_age = 14;          // subjects under this age need a guardian's consent
  std::vector<LocalPurposeConfig> purposes;
  std::vector<StatutoryFlowConfig> statutory;
  // A purpose a principal or a flow may name: an HL7 v3 code or one of `purposes`.
  bool knows_purpose(std::string_view code) const;
};

struct GatewayConfig {
  std::string file;                    // absolute path of the file this was loaded from
  std::string node_name = "kangqiao";
  std::string data_dir;                // absolute
  std::string log_level = "info";
  std::chrono::milliseconds log_repeat_window{10'000};  // identical warnings/errors summarised
  std::uint32_t io_threads = 2;
  std::uint32_t blocking_threads = 4;
  std::chrono::milliseconds shutdown_grace{10'000};
  std::vector<ListenerConfig> listeners;
  StoreConfig store;
  std::string plugin_directory;        // absolute; empty: the build's default plugin folder
  std::string mappings_directory;      // absolute; may be empty
  bool mappings_lineage = true;        // field lineage in provenance records
  std::vector<AdapterConfig> adapters;
  std::vector<PrincipalConfig> principals;
  AuditConfig audit;
  ConsentConfig consent;
};

}  // namespace kq::config
