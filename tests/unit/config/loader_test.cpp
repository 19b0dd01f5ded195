// Loading whole gateway configurations: values, defaults, paths, and every error with its place.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gateway/config/loader.hpp"
#include "gateway/config/schema.hpp"

namespace kq::config {
namespace {

const std::string kFixtures = KQ_SOURCE_DIR "/tests/fixtures/config";

// The errors a load throws, as "file:line:col: message" lines; fails the test if none.
std::vector<std::string> errors_of(const std::function<void()>& load) {
  try {
    load();
  } catch (const ConfigErrors& e) {
    std::vector<std::string> out;
    for (const ConfigError& error : e.errors()) out.push_back(error.str());
    return out;
  }
  ADD_FAILURE() << "expected ConfigErrors";
  return {};
}

std::vector<std::string> errors_of_text(const std::string& yaml) {
  return errors_of([&] { load_gateway_config_from_string(yaml, "gw.yaml"); });
}

std::string cwd_path(const std::string& relative) {
  return (std::filesystem::current_path() / relative).lexically_normal().string();
}

TEST(Loader, FullConfigLoadsEveryValueAsWritten) {
  const GatewayConfig c = load_gateway_config(kFixtures + "/full.yaml");
  EXPECT_EQ(c.file, kFixtures + "/full.yaml");
  EXPECT_EQ(c.node_name, "kangqiao-test");
  EXPECT_EQ(c.data_dir, KQ_SOURCE_DIR "/tests/fixtures/var");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.io_threads, 3u);
  EXPECT_EQ(c.blocking_threads, 6u);
  EXPECT_EQ(c.shutdown_grace, std::chrono::seconds(15));

  ASSERT_EQ(c.listeners.size(), 2u);
  const ListenerConfig& admin = c.listeners[0];
  EXPECT_EQ(admin.name, "admin");
  EXPECT_EQ(admin.address, "127.0.0.1");
  EXPECT_EQ(admin.port, 8080);
  EXPECT_TRUE(admin.serve_health);
  EXPECT_FALSE(admin.tls.has_value());
  EXPECT_EQ(admin.where.str(), kFixtures + "/full.yaml:8:5");
  const ListenerConfig& ingest = c.listeners[1];
  EXPECT_EQ(ingest.name, "ingest");
  EXPECT_EQ(ingest.address, "0.0.0.0");
  EXPECT_EQ(ingest.port, 8443);
  EXPECT_FALSE(ingest.serve_health);
  EXPECT_EQ(ingest.limits.max_body_bytes, 32u * 1024 * 1024);
  EXPECT_EQ(ingest.limits.max_header_bytes, 8u * 1024);
  EXPECT_EQ(ingest.limits.read_timeout, std::chrono::seconds(20));
  EXPECT_EQ(ingest.limits.idle_timeout, std::chrono::minutes(2));
  EXPECT_EQ(ingest.limits.max_connections, 256u);
  ASSERT_TRUE(ingest.tls.has_value());
  EXPECT_EQ(ingest.tls->certificate, kFixtures + "/tls/server-cert.placeholder");
  EXPECT_EQ(ingest.tls->private_key, kFixtures + "/tls/server-key.placeholder");
  EXPECT_EQ(ingest.tls->client_ca, kFixtures + "/tls/ca.placeholder");
  EXPECT_TRUE(ingest.tls->require_client_certificate);
  EXPECT_EQ(ingest.tls->min_version, "1.3");

  EXPECT_EQ(c.store.backend, "sqlite");
  EXPECT_EQ(c.store.path, KQ_SOURCE_DIR "/tests/fixtures/var/gateway.db");
  EXPECT_EQ(c.store.group_commit_max_batch, 500u);
  EXPECT_EQ(c.store.group_commit_max_delay, std::chrono::milliseconds(5));
  EXPECT_EQ(c.store.busy_timeout, std::chrono::seconds(3));
  EXPECT_EQ(c.store.reader_connections, 8u);
  EXPECT_EQ(c.store.cache_bytes, 32u * 1024 * 1024);
  EXPECT_EQ(c.plugin_directory, KQ_SOURCE_DIR "/tests/fixtures/plugins");
  EXPECT_EQ(c.mappings_directory, "/opt/kangqiao/mappings");
  EXPECT_FALSE(c.mappings_lineage);

  ASSERT_EQ(c.adapters.size(), 2u);
  EXPECT_EQ(c.adapters[0].name, "demo-echo");
  EXPECT_EQ(c.adapters[0].plugin, "example_echo");
  EXPECT_EQ(c.adapters[0].on_error, AdapterConfig::OnError::skip);
  EXPECT_EQ(c.adapters[0].listener, "ingest");
  EXPECT_EQ(c.adapters[0].block["greeting"].Scalar(), "hello");
  EXPECT_EQ(c.adapters[0].where.str(), kFixtures + "/full.yaml:33:5");
  EXPECT_EQ(c.adapters[0].block_where.str(), kFixtures + "/full.yaml:38:7");
  EXPECT_EQ(c.adapters[1].on_error, AdapterConfig::OnError::stop);
  EXPECT_EQ(c.adapters[1].listener, "");
  EXPECT_TRUE(c.adapters[1].block.IsNull());
  EXPECT_EQ(c.adapters[1].block_where.str(), kFixtures + "/full.yaml:41:5");

  ASSERT_EQ(c.principals.size(), 3u);
  EXPECT_EQ(c.principals[0].name, "demo-hospital");
  EXPECT_EQ(c.principals[0].organisation, "12110000MB0000000X");
  EXPECT_EQ(c.principals[0].roles, (std::vector<std::string>{"his.push", "records.read"}));
  EXPECT_EQ(c.principals[0].fingerprint_sha256, "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789");
  EXPECT_EQ(c.principals[0].subject, "");
  EXPECT_EQ(c.principals[1].subject, "CN=province,O=Provincial Platform");
  EXPECT_EQ(c.principals[1].fingerprint_sha256, "");
  EXPECT_EQ(c.principals[1].organisation, "");
  EXPECT_TRUE(c.principals[1].roles.empty());

  EXPECT_TRUE(c.audit.enabled);
  EXPECT_EQ(c.audit.retention_days, 365u);
  EXPECT_TRUE(c.principals[1].purposes.empty());
  EXPECT_TRUE(c.principals[1].jurisdiction.empty());
  const PrincipalConfig& cdc = c.principals[2];
  EXPECT_TRUE(cdc.has_role(roles::records_pull));
  EXPECT_FALSE(cdc.has_role(roles::admin));
  EXPECT_EQ(cdc.purposes, (std::vector<std::string>{"PUBHLTH", "SCHFEEDBACK"}));
  EXPECT_EQ(cdc.jurisdiction.organisations, (std::vector<std::string>{"12110000MB0000000X"}));
  EXPECT_EQ(cdc.jurisdiction.regions, (std::vector<std::string>{"110108", "110100"}));
  EXPECT_EQ(c.consent.default_decision, "deny");
  EXPECT_EQ(c.consent.guardian_age, 16u);
  ASSERT_EQ(c.consent.purposes.size(), 1u);
  EXPECT_EQ(c.consent.purposes[0].code, "SCHFEEDBACK");
  EXPECT_EQ(c.consent.purposes[0].display, "体检结果反馈家长");
  EXPECT_TRUE(c.consent.knows_purpose("SCHFEEDBACK"));
  EXPECT_TRUE(c.consent.knows_purpose("TREAT"));
  EXPECT_FALSE(c.consent.knows_purpose("MARKETING"));
  ASSERT_EQ(c.consent.statutory.size(), 1u);
  const StatutoryFlowConfig& flow = c.consent.statutory[0];
  EXPECT_EQ(flow.name, "student-fitness-statistics");
  EXPECT_EQ(flow.organisation, "12110108MB0000003X");
  EXPECT_EQ(flow.purposes, (std::vector<std::string>{"PUBHLTH"}));
  EXPECT_EQ(flow.categories, (std::vector<std::string>{"physical_fitness", "vision"}));
  EXPECT_EQ(flow.legal_basis, "国家学生体质健康标准 (2014) reporting");
}

// The schema's defaults must be the struct's defaults: the docs show the former, code that
// builds a GatewayConfig by hand (tests) gets the latter.
TEST(Loader, OmittedKeysTakeTheDocumentedDefaults) {
  const GatewayConfig c = load_gateway_config(kFixtures + "/minimal.yaml");
  const GatewayConfig d;
  EXPECT_EQ(c.node_name, d.node_name);
  EXPECT_EQ(c.log_level, d.log_level);
  EXPECT_EQ(c.log_repeat_window, d.log_repeat_window);
  EXPECT_EQ(c.io_threads, d.io_threads);
  EXPECT_EQ(c.blocking_threads, d.blocking_threads);
  EXPECT_EQ(c.shutdown_grace, d.shutdown_grace);
  ASSERT_EQ(c.listeners.size(), 1u);
  const ListenerConfig& l = c.listeners[0];
  const ListenerConfig dl;
  EXPECT_EQ(l.address, dl.address);
  EXPECT_EQ(l.port, 0);
  EXPECT_EQ(l.serve_health, dl.serve_health);
  EXPECT_FALSE(l.tls.has_value());
  EXPECT_EQ(l.limits.max_body_bytes, dl.limits.max_body_bytes);
  EXPECT_EQ(l.limits.max_header_bytes, dl.limits.max_header_bytes);
  EXPECT_EQ(l.limits.read_timeout, dl.limits.read_timeout);
  EXPECT_EQ(l.limits.idle_timeout, dl.limits.idle_timeout);
  EXPECT_EQ(l.limits.max_connections, dl.limits.max_connections);
  EXPECT_EQ(l.limits.handshake_timeout, dl.limits.handshake_timeout);
  EXPECT_EQ(l.limits.max_connections_per_peer, dl.limits.max_connections_per_peer);
  const StoreConfig ds;
  EXPECT_EQ(c.store.backend, ds.backend);
  EXPECT_EQ(c.store.group_commit_max_batch, ds.group_commit_max_batch);
  EXPECT_EQ(c.store.group_commit_max_delay, ds.group_commit_max_delay);
  EXPECT_EQ(c.store.busy_timeout, ds.busy_timeout);
  EXPECT_EQ(c.store.reader_connections, ds.reader_connections);
  EXPECT_EQ(c.store.cache_bytes, ds.cache_bytes);
  EXPECT_EQ(c.store.min_free_bytes, ds.min_free_bytes);
  EXPECT_EQ(c.store.integrity_check_interval, ds.integrity_check_interval);
  EXPECT_EQ(c.store.integrity_check_full, ds.integrity_check_full);
  EXPECT_EQ(c.plugin_directory, "");
  EXPECT_EQ(c.mappings_directory, "");
  EXPECT_TRUE(c.mappings_lineage);
  EXPECT_TRUE(c.adapters.empty());
  EXPECT_TRUE(c.principals.empty());
  EXPECT_EQ(c.audit.enabled, d.audit.enabled);
  EXPECT_EQ(c.audit.retention_days, d.audit.retention_days);
  EXPECT_EQ(c.consent.default_decision, d.consent.default_decision);
  EXPECT_EQ(c.consent.guardian_age, d.consent.guardian_age);
  TlsConfig dt;
  const GatewayConfig t = load_gateway_config_from_string(
      "data_dir: .\nlisteners:\n  - name: a\n    port: 1\n    tls:\n      certificate: " + kFixtures +
          "/tls/server-cert.placeholder\n      private_key: " + kFixtures + "/tls/server-key.placeholder\n",
      "gw.yaml");
  ASSERT_TRUE(t.listeners[0].tls.has_value());
  EXPECT_EQ(t.listeners[0].tls->client_ca, dt.client_ca);
  EXPECT_EQ(t.listeners[0].tls->require_client_certificate, dt.require_client_certificate);
  EXPECT_EQ(t.listeners[0].tls->min_version, dt.min_version);
  EXPECT_EQ(t.listeners[0].tls->crl, dt.crl);
  EXPECT_EQ(t.audit.auth_failure_window, d.audit.auth_failure_window);
}

// A key that was accepted and ignored would let an operator believe the audit log is off.
TEST(Loader, TheAuditLogCannotBeTurnedOff) {
  const std::string head = "data_dir: .\nlisteners:\n  - name: a\n    port: 1\n";
  EXPECT_EQ(errors_of_text(head + "audit:\n  enabled: false\n"),
            (std::vector<std::string>{
                "gw.yaml:6:12: the audit log cannot be turned off: every ingest, disclosure and consent decision "
                "is an audit entry, and nothing is disclosed unless its entry is written (remove the key, or set "
                "it to true)"}));
  EXPECT_TRUE(load_gateway_config_from_string(head + "audit:\n  enabled: true\n", "gw.yaml").audit.enabled);
}

// A CRL is checked for client certificates only: without client_ca it would silently do nothing.
TEST(Loader, CrlNeedsClientCaAndResolvesLikeTheOtherTlsFiles) {
  const std::string tls_head = "data_dir: .\nlisteners:\n  - name: a\n    port: 1\n    tls:\n      certificate: " +
                               kFixtures + "/tls/server-cert.placeholder\n      private_key: " + kFixtures +
                               "/tls/server-key.placeholder\n";
  EXPECT_EQ(errors_of_text(tls_head + "      crl: " + kFixtures + "/tls/ca.placeholder\n"),
            (std::vector<std::string>{
                "gw.yaml:8:12: crl needs client_ca: revocation is checked for client certificates only"}));
  EXPECT_EQ(errors_of_text(tls_head + "      client_ca: " + kFixtures + "/tls/ca.placeholder\n      crl: no.pem\n"),
            (std::vector<std::string>{"gw.yaml:9:12: 'no.pem' does not exist (looked for " + cwd_path("no.pem") + ")"}));

  const std::string folder = ::testing::TempDir() + "kq-crl-config";
  std::filesystem::create_directories(folder + "/tls");
  for (const char* name : {"server.crt", "server.key", "ca.crt", "crl.pem"}) {
    std::ofstream(folder + "/tls/" + name) << "placeholder\n";
  }
  std::ofstream(folder + "/gw.yaml") << "data_dir: .\nlisteners:\n  - name: a\n    port: 1\n    tls:\n"
                                        "      certificate: tls/server.crt\n      private_key: tls/server.key\n"
                                        "      client_ca: tls/ca.crt\n      crl: tls/crl.pem\n"
                                        "audit: { auth_failure_window: 5s }\n";
  const GatewayConfig c = load_gateway_config(folder + "/gw.yaml");
  EXPECT_EQ(c.listeners[0].tls->crl, std::filesystem::path(folder + "/tls/crl.pem").lexically_normal().string());
  EXPECT_EQ(c.audit.auth_failure_window, std::chrono::seconds(5));
  EXPECT_EQ(errors_of_text("data_dir: .\nlisteners: [{name: a, port: 0}]\naudit: { auth_failure_window: 0s }\n"),
            (std::vector<std::string>{"gw.yaml:3:31: 'auth_failure_window' must be between 1s and 1h, found 0s"}));
}

TEST(Loader, RelativePathsResolveAgainstTheConfigFolder) {
  const GatewayConfig c = load_gateway_config(kFixtures + "/minimal.yaml");
  EXPECT_EQ(c.data_dir, kFixtures + "/state");
  EXPECT_EQ(c.store.path, kFixtures + "/state/kangqiao.db");

  const GatewayConfig s = load_gateway_config_from_string(
      "data_dir: ../var\nlisteners: [{name: a, port: 0}]\nstore: { path: /data/kq.db }\nplugins: { directory: p }\n",
      "deploy/site/gw.yaml");
  EXPECT_EQ(s.file, cwd_path("deploy/site/gw.yaml"));
  EXPECT_EQ(s.data_dir, cwd_path("deploy/var"));
  EXPECT_EQ(s.store.path, "/data/kq.db");
  EXPECT_EQ(s.plugin_directory, cwd_path("deploy/site/p"));
}

TEST(Loader, EnvironmentVariablesAreExpandedBeforeValidation) {
  ::setenv("KQ_CONFIG_TEST_PORT", "9090", 1);
  ::setenv("KQ_CONFIG_TEST_GRACE", "30s", 1);
  ::unsetenv("KQ_CONFIG_TEST_UNSET");
  const GatewayConfig c = load_gateway_config_from_string(R"(node_name: ${KQ_CONFIG_TEST_UNSET:-node-a}
data_dir: ${KQ_CONFIG_TEST_UNSET:-var}
shutdown_grace: ${KQ_CONFIG_TEST_GRACE}
listeners:
  - name: a
    port: "${KQ_CONFIG_TEST_PORT}"
principals:
  - name: p
    subject: "CN=$${literal}"
)",
                                                          "gw.yaml");
  EXPECT_EQ(c.node_name, "node-a");
  EXPECT_EQ(c.data_dir, cwd_path("var"));
  EXPECT_EQ(c.shutdown_grace, std::chrono::seconds(30));
  EXPECT_EQ(c.listeners[0].port, 9090);
  EXPECT_EQ(c.principals[0].subject, "CN=${literal}");

  // An expanded value is validated like a written one, and located at the scalar.
  ::setenv("KQ_CONFIG_TEST_PORT", "http", 1);
  EXPECT_EQ(errors_of_text("data_dir: .\nlisteners:\n  - name: a\n    port: ${KQ_CONFIG_TEST_PORT}\n    tls: "
                           "${KQ_CONFIG_TEST_UNSET}\n"),
            (std::vector<std::string>{
                "gw.yaml:4:11: expected an integer, found 'http'",
                "gw.yaml:5:10: environment variable 'KQ_CONFIG_TEST_UNSET' is not set; set it or write "
                "${KQ_CONFIG_TEST_UNSET:-default}",
                "gw.yaml:5:10: expected a mapping, found '${KQ_CONFIG_TEST_UNSET}'",
            }));
  ::unsetenv("KQ_CONFIG_TEST_PORT");
  ::unsetenv("KQ_CONFIG_TEST_GRACE");
}

TEST(Loader, YamlSyntaxErrorIsLocated) {
  const std::string file = kFixtures + "/syntax_error.yaml";
  EXPECT_EQ(errors_of([&] { load_gateway_config(file); }),
            (std::vector<std::string>{file + ":6:9: YAML syntax error: end of sequence flow not found"}));
  EXPECT_EQ(errors_of_text("a: b\n  c: d\n"), (std::vector<std::string>{"gw.yaml:2:4: YAML syntax error: illegal map value"}));
}

TEST(Loader, ReportsEveryErrorTogetherInFileOrder) {
  const std::string f = kFixtures + "/many_errors.yaml";
  const std::vector<std::string> expected{
      f + ":3:15: expected one of debug, info, warn, error; found 'verbose'",
      f + ":4:16: 'io' must be between 1 and 64, found 0",
      f + ":4:29: expected an integer, found 'four'",
      f + ":5:17: expected a duration such as 250ms, 5s, 2m or 1h, found '30'; add a unit, e.g. '30ms' or '30s'",
      f + ":7:5: missing required key 'port' in listeners[0]",
      f + ":8:5: unknown key 'prot'; did you mean 'port'?",
      f + ":9:11: duplicate listener name 'admin' (first at line 7)",
      f + ":10:11: 'port' must be between 0 and 65535, found 70000",
      f + ":11:31: ambiguous size unit 'MB' in '16MB'; use KiB, MiB, GiB or TiB (powers of 1024)",
      f + ":11:51: expected a duration such as 250ms, 5s, 2m or 1h, found 'fast'",
      f + ":13:20: 'tls/missing.crt' does not exist (looked for " + kFixtures + "/tls/missing.crt)",
      f + ":15:35: require_client_certificate needs client_ca",
      f + ":17:30: 'max_batch' must be between 1 and 100000, found 0",
      f + ":21:15: adapter 'echo' refers to unknown listener 'admn'; did you mean 'admin'?",
      f + ":22:11: duplicate adapter name 'echo' (first at line 19)",
      f + ":24:15: expected one of stop, skip; found 'ignore'",
      f + ":26:5: principal 'nobody' needs fingerprint_sha256 or subject",
      f + ":29:25: fingerprint_sha256 must have 64 hex digits, found 4",
  };
  EXPECT_EQ(errors_of([&] { load_gateway_config(f); }), expected);
}

TEST(Loader, WhatListsEveryError) {
  try {
    load_gateway_config_from_string("data_dir: .\nlisteners: []\nnode_nam: x\n", "gw.yaml");
    FAIL() << "expected ConfigErrors";
  } catch (const ConfigErrors& e) {
    EXPECT_STREQ(e.what(),
                 "gw.yaml:2:12: 'listeners' needs at least 1 item, found 0\n"
                 "gw.yaml:3:1: unknown key 'node_nam'; did you mean 'node_name'?");
  }
}

TEST(Loader, MissingRequiredTopLevelKeys) {
  EXPECT_EQ(errors_of_text("node_name: x\n"), (std::vector<std::string>{
                                                   "gw.yaml:1:1: missing required key 'data_dir'",
                                                   "gw.yaml:1:1: missing required key 'listeners'",
                                               }));
}

TEST(Loader, ListenerEndpointsMustBeUniqueExceptPortZero) {
  EXPECT_EQ(errors_of_text(R"(data_dir: .
listeners:
  - { name: a, port: 8080 }
  - { name: b, port: 8080, address: 127.0.0.1 }
  - { name: c, port: 8080, address: 10.0.0.1 }
  - { name: d, port: 0 }
  - { name: e, port: 0 }
)"),
            (std::vector<std::string>{
                "gw.yaml:4:22: listener 'b' uses 127.0.0.1:8080, as does listener 'a' (line 3)"}));
}

TEST(Loader, PrincipalFingerprintsAreCheckedAndUnique) {
  const std::string fp(64, 'a');
  EXPECT_EQ(errors_of_text("data_dir: .\nlisteners: [{name: a, port: 0}]\nprincipals:\n"
                           "  - { name: p, fingerprint_sha256: " + fp + " }\n"
                           "  - { name: q, fingerprint_sha256: \"" + fp.substr(0, 62) + "zz\" }\n"
                           "  - { name: p, fingerprint_sha256: " + std::string(64, 'A') + " }\n"),
            (std::vector<std::string>{
                "gw.yaml:5:36: fingerprint_sha256 may contain only hex digits and colons, found '" +
                    fp.substr(0, 40) + "...'",
                "gw.yaml:6:13: duplicate principal name 'p' (first at line 4)",
                "gw.yaml:6:36: fingerprint already used by principal 'p'",
            }));
}

TEST(Loader, UnreadableOrEmptyFiles) {
  const std::string missing = kFixtures + "/does-not-exist.yaml";
  EXPECT_EQ(errors_of([&] { load_gateway_config(missing); }),
            (std::vector<std::string>{missing + ": cannot open the configuration file: No such file or directory"}));
  EXPECT_EQ(errors_of([&] { load_gateway_config(kFixtures); }),
            (std::vector<std::string>{kFixtures + ": is a folder, expected a configuration file"}));
  EXPECT_EQ(errors_of_text("# nothing but a comment\n"),
            (std::vector<std::string>{"gw.yaml: the configuration is empty"}));
  EXPECT_EQ(errors_of_text("- a\n- b\n"), (std::vector<std::string>{"gw.yaml:1:1: expected a mapping, found a list"}));
}

// What the plugin host does after loading: validate each adapter's block against the fields
// the plugin declares, reporting at the block's place in the same file.
TEST(Loader, AdapterBlocksValidateLaterAgainstPluginFields) {
  const GatewayConfig c = load_gateway_config(kFixtures + "/full.yaml");
  const std::vector<Field> plugin{
      field("greeting", FieldType::string, "Text to echo.").required(),
      field("repeat", FieldType::integer, "Times.").by_default("1").range(1, 1),
  };
  std::vector<ConfigError> errors;
  const AdapterConfig& a = c.adapters[0];
  const Block block = validate_block(a.block, plugin, a.block_where, a.block_where.file, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].str(), kFixtures + "/full.yaml:39:15: 'repeat' must be between 1 and 1, found 2");
  EXPECT_EQ(block.get_string("greeting"), "hello");

  errors.clear();
  const AdapterConfig& b = c.adapters[1];
  validate_block(b.block, plugin, b.block_where, b.block_where.file, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].str(), kFixtures + "/full.yaml:41:5: missing required key 'greeting'");
}

}  // namespace
}  // namespace kq::config
