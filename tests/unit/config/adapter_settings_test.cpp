// The host's own adapter settings: the mappings an adapter may apply, the variables its mappings
// read, and default deny on listeners that require client certificates.
#include <gtest/gtest.h>

#include "gateway/config/loader.hpp"

namespace kq::config {
namespace {

const char* kListeners = R"(
data_dir: /tmp/kq
listeners:
  - name: plain
    port: 0
  - name: mtls
    port: 0
    tls:
      certificate: /etc/hostname
      private_key: /etc/hostname
      client_ca: /etc/hostname
      require_client_certificate: true
adapters:
)";

std::vector<std::string> errors_of(const std::string& adapters) {
  try {
    load_gateway_config_from_string(std::string(kListeners) + adapters, "gw.yaml");
  } catch (const ConfigErrors& e) {
    std::vector<std::string> out;
    for (const ConfigError& error : e.errors()) out.push_back(error.str());
    return out;
  }
  return {};
}

TEST(AdapterSettings, MappingsDefaultToThePluginsFolderAndVariablesAreRead) {
  const GatewayConfig c = load_gateway_config_from_string(std::string(kListeners) + R"(
  - name: a
    plugin: his
    listener: plain
  - name: b
    plugin: his
    listener: plain
    mappings: [his/, school-vision]
    mapping_variables: {name_order: pinyin_hanzi, region: "110108"}
)", "gw.yaml");
  ASSERT_EQ(c.adapters.size(), 2u);
  EXPECT_EQ(c.adapters[0].mappings, (std::vector<std::string>{"his/"}));
  EXPECT_FALSE(c.adapters[0].mappings_given);
  EXPECT_EQ(c.adapters[1].mappings, (std::vector<std::string>{"his/", "school-vision"}));
  EXPECT_TRUE(c.adapters[1].mappings_given);
  EXPECT_EQ(c.adapters[1].mapping_variables.at("name_order"), "pinyin_hanzi");
  EXPECT_EQ(c.adapters[1].mapping_variables.at("region"), "110108");
}

TEST(AdapterSettings, BadVariablesAreLocated) {
  const auto errors = errors_of(R"(
  - name: a
    plugin: his
    listener: plain
    mapping_variables: {Name-Order: x, ok: [1, 2]}
)");
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0], "gw.yaml:18:25: mapping_variables: 'Name-Order' is not a variable name (lower-case letters, digits, _)");
  EXPECT_EQ(errors[1], "gw.yaml:18:44: mapping_variables.ok: expected text");
}

TEST(AdapterSettings, AnAdapterOnAListenerThatRequiresCertificatesNamesItsRoles) {
  const auto errors = errors_of(R"(
  - name: push
    plugin: his
    listener: mtls
  - name: open
    plugin: his
    listener: plain
  - name: allowed
    plugin: his
    listener: mtls
    roles: [his.push]
)");
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find("gw.yaml:15:5: adapter 'push' is served on listener 'mtls', which requires client "
                           "certificates, but says no `roles:`"),
            std::string::npos)
      << errors[0];
}

}  // namespace
}  // namespace kq::config
