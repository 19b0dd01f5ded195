#include "gateway/config/loader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>
#include <tuple>

#include "gateway/config/consent_settings.hpp"
#include "gateway/config/gateway_schema.hpp"
#include "gateway/config/schema.hpp"
#include "gateway/config/values.hpp"

namespace kq::config {

namespace {

namespace fs = std::filesystem;

// Checks across sections and items that a per-field schema cannot express: unique names,
// references by name, "one of these two keys".
class Builder {
 public:
  Builder(GatewayConfig& config, std::vector<ConfigError>& errors) : config_(config), errors_(errors) {}

  void build(const Block& top) {
    config_.node_name = top.get_string("node_name");
    config_.data_dir = top.get_string("data_dir");
    config_.log_level = top.get_object("log").get_string("level");
    config_.log_repeat_window = top.get_object("log").get_duration("repeat_window");
    const Block& threads = top.get_object("threads");
    config_.io_threads = static_cast<std::uint32_t>(threads.get_int("io"));
    config_.blocking_threads = static_cast<std::uint32_t>(threads.get_int("blocking"));
    config_.shutdown_grace = top.get_duration("shutdown_grace");
    for (const Block& b : top.get_object_list("listeners")) listener(b);
    store(top.get_object("store"));
    config_.plugin_directory = top.get_object("plugins").get_string("directory");
    config_.mappings_directory = top.get_object("mappings").get_string("directory");
    config_.mappings_lineage = top.get_object("mappings").get_bool("lineage");
    for (const Block& b : top.get_object_list("adapters")) adapter(b);
    // Principals name purposes declared under consent:, and statutory flows name principals'
    // organisations: purposes first, then principals, then the flows.
    const Block& consent = top.get_object("consent");
    read_consent_settings(consent, config_.consent, errors_);
    for (const Block& b : top.get_object_list("principals")) principal(b);
    read_statutory_flows(consent, config_.principals, config_.consent, errors_);
    audit(top.get_object("audit"));
  }

 private:
  void error(SourceLocation where, std::string message) { errors_.push_back({std::move(where), std::move(message)}); }

  // Records `name` in `seen`; on a repeat reports it at the repeat and returns false.
  bool unique(std::map<std::string, SourceLocation>& seen, const Block& b, const std::string& what) {
    if (!b.has("name")) return false;
    const std::string& name = b.get_string("name");
    auto [it, inserted] = seen.emplace(name, b.location("name"));
    if (!inserted) {
      error(b.location("name"),
            "duplicate " + what + " name '" + name + "' (first at line " + std::to_string(it->second.line) + ")");
    }
    return inserted;
  }

  void listener(const Block& b) {
    ListenerConfig l;
    l.name = b.get_string("name");
    l.address = b.get_string("address");
    l.port = static_cast<std::uint16_t>(b.get_int("port"));
    l.protocol = b.get_string("protocol");
    l.serve_health = b.get_bool("serve_health") && l.protocol == "http";
    l.where = b.where();
    const Block& limits = b.get_object("limits");
    l.limits.max_body_bytes = static_cast<std::uint64_t>(limits.get_bytes("max_body_bytes"));
    l.limits.max_header_bytes = static_cast<std::uint32_t>(limits.get_bytes("max_header_bytes"));
    l.limits.read_timeout = limits.get_duration("read_timeout");
    l.limits.idle_timeout = limits.get_duration("idle_timeout");
    l.limits.handshake_timeout = limits.get_duration("handshake_timeout");
    l.limits.max_connections = static_cast<std::uint32_t>(limits.get_int("max_connections"));
    l.limits.max_connections_per_peer = static_cast<std::uint32_t>(limits.get_int("max_connections_per_peer"));
    if (b.has("tls")) {
      const Block& t = b.get_object("tls");
      TlsConfig tls;
      tls.certificate = t.get_string("certificate");
      tls.private_key = t.get_string("private_key");
      tls.client_ca = t.get_string("client_ca");
      tls.require_client_certificate = t.get_bool("require_client_certificate");
      tls.min_version = t.get_string("min_version");
      tls.crl = t.get_string("crl");
      if (tls.require_client_certificate && !t.present("client_ca")) {
        error(t.location("require_client_certificate"), "require_client_certificate needs client_ca");
      }
      if (t.present("crl") && !t.present("client_ca")) {
        error(t.location("crl"), "crl needs client_ca: revocation is checked for client certificates only");
      }
      l.tls = std::move(tls);
    }
    l.pull_api = b.get_bool("pull_api");
    if (l.pull_api && (l.protocol != "http" || !l.tls || !l.tls->require_client_certificate)) {
      // Records leave the gateway only to a caller that proved who it is.
      error(b.location("pull_api"),
            "pull_api needs an http listener with tls, client_ca and require_client_certificate: true");
    }
    if (unique(listener_names_, b, "listener") && b.has("port") && l.port != 0) {
      const std::string endpoint = l.address + ":" + std::to_string(l.port);
      auto [it, inserted] = endpoints_.emplace(endpoint, l.name);
      if (!inserted) {
        error(b.location("port"), "listener '" + l.name + "' uses " + endpoint + ", as does listener '" + it->second +
                                      "' (line " + std::to_string(listener_names_.at(it->second).line) + ")");
      }
    }
    config_.listeners.push_back(std::move(l));
  }

  void audit(const Block& b) {
    AuditConfig& a = config_.audit;
    a.enabled = b.get_bool("enabled");
    if (!a.enabled) {
      // Accepting it and auditing anyway would mislead the operator; honouring it would disclose
      // records with no trace of who received them.
      error(b.location("enabled"),
            "the audit log cannot be turned off: every ingest, disclosure and consent decision is an audit "
            "entry, and nothing is disclosed unless its entry is written (remove the key, or set it to true)");
    }
    a.retention_days = static_cast<std::uint32_t>(b.get_int("retention_days"));
    a.hash = b.get_string("hash");
    const Block& c = b.get_object("checkpoints");
    a.signing_key = c.get_string("signing_key");
    a.checkpoint_every_entries = static_cast<std::uint32_t>(c.get_int("every_entries"));
    a.checkpoint_every = c.get_duration("every");
    a.checkpoint_export_file = c.get_string("export_file");
    a.auth_failure_window = b.get_duration("auth_failure_window");
    const fs::path folder = fs::path(config_.file).parent_path();
    for (const std::string& key : c.get_string_list("verify_keys")) {
      a.verify_keys.push_back(fs::path(key).is_absolute() ? key : (folder / key).lexically_normal().string());
    }
    a.where = b.where();
  }

  void store(const Block& b) {
    StoreConfig& s = config_.store;
    s.backend = b.get_string("backend");
    const std::string& path = b.get_string("path");
    if (path.empty()) {
      error(b.location("path"), "expected a file name, found an empty value");
    } else if (fs::path(path).is_absolute() || config_.data_dir.empty()) {
      s.path = fs::path(path).lexically_normal().string();
    } else {
      s.path = (fs::path(config_.data_dir) / path).lexically_normal().string();
    }
    const Block& group = b.get_object("group_commit");
    s.group_commit_max_batch = static_cast<std::uint32_t>(group.get_int("max_batch"));
    s.group_commit_max_delay = group.get_duration("max_delay");
    s.busy_timeout = b.get_duration("busy_timeout");
    s.reader_connections = static_cast<std::uint32_t>(b.get_int("reader_connections"));
    s.cache_bytes = static_cast<std::uint64_t>(b.get_bytes("cache_size"));
    s.min_free_bytes = static_cast<std::uint64_t>(b.get_bytes("min_free_space"));
    const Block& check = b.get_object("integrity_check");
    s.integrity_check_interval = check.get_duration("interval");
    s.integrity_check_full = check.get_string("mode") == "full";
    s.where = b.where();
  }

  void adapter(const Block& b) {
    AdapterConfig a;
    a.name = b.get_string("name");
    a.plugin = b.get_string("plugin");
    a.on_error = b.get_string("on_error") == "skip" ? AdapterConfig::OnError::skip : AdapterConfig::OnError::stop;
    a.listener = b.get_string("listener");
    a.roles = b.get_string_list("roles");
    a.block = b.get_node("config");
    a.where = b.where();
    a.block_where = b.location("config");
    a.mappings_given = b.written("mappings");
    a.mappings_where = a.mappings_given ? b.location("mappings") : b.where();
    a.mappings = a.mappings_given ? b.get_string_list("mappings") : std::vector<std::string>{a.plugin + "/"};
    a.mapping_variables_where = b.written("mapping_variables") ? b.location("mapping_variables") : b.where();
    mapping_variables(b, a);
    a.dedupe_window = b.get_duration("dedupe_window");
    unique(adapter_names_, b, "adapter");
    if (b.has("listener") && !listener_names_.count(a.listener)) {
      std::vector<std::string> names;
      for (const ListenerConfig& l : config_.listeners) names.push_back(l.name);
      std::string message = "adapter '" + a.name + "' refers to unknown listener '" + a.listener + "'";
      if (std::optional<std::string> near = nearest_name(a.listener, names)) {
        message += "; did you mean '" + *near + "'?";
      } else if (!names.empty()) {
        message += "; listeners are ";
        for (std::size_t i = 0; i < names.size(); ++i) message += (i == 0 ? "" : ", ") + names[i];
      }
      error(b.location("listener"), std::move(message));
    }
    const ListenerConfig* served = nullptr;
    for (const ListenerConfig& l : config_.listeners) {
      if (a.listener.empty() ? served == nullptr : l.name == a.listener) served = &l;
    }
    if (served != nullptr && served->tls && served->tls->require_client_certificate && a.roles.empty()) {
      // Default deny: a trusted certificate proves who the client is, not what it may do. (On a
      // listener where a certificate is optional, no roles is the operator's way to say "anyone".)
      error(b.where(), "adapter '" + a.name + "' is served on listener '" + served->name +
                           "', which requires client certificates, but says no `roles:`; name the roles "
                           "that may use it (e.g. roles: [his.push]), so that a certificate for "
                           "another purpose (a pull-only platform, say) cannot send through it");
    }
    config_.adapters.push_back(std::move(a));
  }

  // `mapping_variables: {name: text, …}`: names as mappings write them after `$`.
  void mapping_variables(const Block& b, AdapterConfig& a) {
    if (!b.written("mapping_variables")) return;
    const YAML::Node node = b.get_node("mapping_variables");
    if (!node.IsMap()) {
      error(b.location("mapping_variables"), "mapping_variables: expected a mapping of names to text");
      return;
    }
    for (const auto& item : node) {
      const std::string name = item.first.as<std::string>("");
      const SourceLocation where = location_of(item.first, b.where().file);
      const bool good_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      }) && !(name[0] >= '0' && name[0] <= '9');
      if (!good_name) {
        error(where, "mapping_variables: '" + name + "' is not a variable name (lower-case letters, digits, _)");
      } else if (!item.second.IsScalar()) {
        error(location_of(item.second, b.where().file), "mapping_variables." + name + ": expected text");
      } else {
        a.mapping_variables[name] = item.second.Scalar();
      }
    }
  }

  void principal(const Block& b) {
    PrincipalConfig p;
    p.name = b.get_string("name");
    p.organisation = b.get_string("organisation");
    p.roles = b.get_string_list("roles");
    p.subject = b.get_string("subject");
    p.where = b.where();
    read_principal_access(b, config_.consent, p, errors_);
    unique(principal_names_, b, "principal");
    if (b.has("fingerprint_sha256")) {
      p.fingerprint_sha256 = fingerprint(b.get_string("fingerprint_sha256"), b.location("fingerprint_sha256"));
      if (!p.fingerprint_sha256.empty()) {
        auto [it, inserted] = fingerprints_.emplace(p.fingerprint_sha256, p.name);
        if (!inserted) {
          error(b.location("fingerprint_sha256"), "fingerprint already used by principal '" + it->second + "'");
        }
      }
    }
    if (!b.present("fingerprint_sha256") && !b.present("subject")) {
      error(b.where(), "principal '" + p.name + "' needs fingerprint_sha256 or subject");
    }
    config_.principals.push_back(std::move(p));
  }

  // Accepts "AB:CD:..." as printed by `openssl x509 -fingerprint` as well as bare hex, and
  // normalises to upper-case hex without colons so comparisons are plain string equality.
  std::string fingerprint(const std::string& text, const SourceLocation& where) {
    std::string hex;
    for (char c : text) {
      if (c == ':') continue;
      if (!std::isxdigit(static_cast<unsigned char>(c))) {
        error(where, "fingerprint_sha256 may contain only hex digits and colons, found " + quote_found(text));
        return "";
      }
      hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (hex.size() != 64) {
      error(where, "fingerprint_sha256 must have 64 hex digits, found " + std::to_string(hex.size()));
      return "";
    }
    return hex;
  }

  GatewayConfig& config_;
  std::vector<ConfigError>& errors_;
  std::map<std::string, SourceLocation> listener_names_, adapter_names_, principal_names_;
  std::map<std::string, std::string> endpoints_, fingerprints_;
};

[[noreturn]] void fail(std::vector<ConfigError> errors) {
  // Report in file order, the way a reader walks the file to fix it.
  std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
  });
  throw ConfigErrors(std::move(errors));
}

}  // namespace

GatewayConfig load_gateway_config_from_string(const std::string& text, const std::string& file,
                                              const EnvLookup& env) {
  std::vector<ConfigError> errors;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    SourceLocation where{file, 0, 0};
    if (e.mark.line >= 0) where = {file, e.mark.line + 1, e.mark.column + 1};
    fail({{where, "YAML syntax error: " + e.msg}});
  }
  if (!root.IsDefined() || root.IsNull()) fail({{{file, 0, 0}, "the configuration is empty"}});

  interpolate_env(root, file, errors, env);

  std::error_code ec;
  const fs::path absolute = fs::absolute(fs::path(file), ec).lexically_normal();
  BlockContext context{file, absolute.parent_path(), ""};
  const SourceLocation top_where = root.IsMap() ? location_of(root, file) : SourceLocation{file, 1, 1};
  const Block top = validate_block(root, gateway_schema(), top_where, context, errors);

  GatewayConfig config;
  config.file = absolute.string();
  Builder(config, errors).build(top);
  if (!errors.empty()) fail(std::move(errors));
  return config;
}

GatewayConfig load_gateway_config(const std::string& path, const EnvLookup& env) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail({{{path, 0, 0}, "is a folder, expected a configuration file"}});
  std::ifstream in(path, std::ios::binary);
  if (!in) fail({{{path, 0, 0}, std::string("cannot open the configuration file: ") + std::strerror(errno)}});
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail({{{path, 0, 0}, "cannot read the configuration file"}});
  return load_gateway_config_from_string(text.str(), path, env);
}

}  // namespace kq::config
