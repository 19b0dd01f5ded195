// The consent settings: principals' purposes and jurisdiction, local purposes of use, statutory
// flows — what loads, and every mistake reported at its file:line:col with the reason.
#include <gtest/gtest.h>

#include "gateway/config/consent_settings.hpp"
#include "gateway/config/loader.hpp"

namespace kq::config {
namespace {

std::vector<std::string> errors_of(const std::string& yaml) {
  try {
    load_gateway_config_from_string(yaml, "gw.yaml");
  } catch (const ConfigErrors& e) {
    std::vector<std::string> out;
    for (const ConfigError& error : e.errors()) out.push_back(error.str());
    return out;
  }
  ADD_FAILURE() << "expected ConfigErrors";
  return {};
}

const std::string kHead = "data_dir: .\nlisteners: [{name: a, port: 0}]\n";

TEST(ConsentSettings, RegionCodesHavePrefixSemantics) {
  EXPECT_EQ(region_prefix("110000"), "11");
  EXPECT_EQ(region_prefix("110100"), "1101");
  EXPECT_EQ(region_prefix("110108"), "110108");
  EXPECT_EQ(region_prefix("000000"), std::nullopt);
  EXPECT_EQ(region_prefix("11010"), std::nullopt);
  EXPECT_EQ(region_prefix("11010x"), std::nullopt);
  EXPECT_EQ(region_prefix(""), std::nullopt);
}

TEST(ConsentSettings, AMinimalPullingPrincipalLoads) {
  const GatewayConfig c = load_gateway_config_from_string(kHead + R"(principals:
  - name: cdc
    organisation: org-cdc
    roles: [records.pull]
    subject: "CN=cdc"
    purposes: [PUBHLTH, HRESCH]
    jurisdiction: { regions: ["110000"] }
)",
                                                          "gw.yaml");
  ASSERT_EQ(c.principals.size(), 1u);
  EXPECT_EQ(c.principals[0].purposes, (std::vector<std::string>{"PUBHLTH", "HRESCH"}));
  EXPECT_EQ(c.principals[0].jurisdiction.regions, (std::vector<std::string>{"110000"}));
  EXPECT_TRUE(c.principals[0].jurisdiction.organisations.empty());
  EXPECT_TRUE(c.consent.statutory.empty());
  EXPECT_EQ(c.consent.default_decision, "deny");
}

TEST(ConsentSettings, UnknownPurposesAndBadRegionsAreLocated) {
  EXPECT_EQ(errors_of(kHead + R"(principals:
  - name: cdc
    subject: "CN=cdc"
    purposes: [PUBHLT, MARKETING]
    jurisdiction: { organisations: [""], regions: [110000, "11"] }
)"),
            (std::vector<std::string>{
                "gw.yaml:6:16: principal 'cdc': unknown purpose of use 'PUBHLT'; did you mean 'PUBHLTH'?",
                "gw.yaml:6:24: principal 'cdc': unknown purpose of use 'MARKETING'; use an HL7 v3 PurposeOfUse "
                "code (TREAT, PUBHLTH, HRESCH, …) or declare it in consent.purposes",
                "gw.yaml:7:37: an organisation id is empty",
                "gw.yaml:7:60: region '11' is not a GB/T 2260 code: six digits, e.g. 110000 (a province), 110100 "
                "(a city), 110108 (a county); quote it so that YAML keeps it as text",
            }));
}

TEST(ConsentSettings, LocalPurposesAreCheckedAndUsable) {
  EXPECT_EQ(errors_of(kHead + R"(principals:
  - { name: school, subject: "CN=s", purposes: [SCHFEEDBACK] }
consent:
  purposes:
    - { code: SCHFEEDBACK }
    - { code: TREAT }
    - { code: SCHFEEDBACK }
    - { code: "has space" }
)"),
            (std::vector<std::string>{
                "gw.yaml:8:15: 'TREAT' is an HL7 v3 purpose of use already; local codes must differ",
                "gw.yaml:9:15: duplicate purpose code 'SCHFEEDBACK' (first at line 7)",
                "gw.yaml:10:15: purpose code 'has space' may hold only ASCII letters, digits, '_', '-' and '.'",
            }));
}

TEST(ConsentSettings, StatutoryFlowsNameAKnownRecipientPurposesAndCategories) {
  EXPECT_EQ(errors_of(kHead + R"(principals:
  - { name: cdc, organisation: org-cdc, subject: "CN=cdc" }
consent:
  statutory:
    - name: stats
      organisation: org-cdx
      purposes: [PUBHLTH]
      categories: [vision, eyesight]
      legal_basis: " "
    - { name: stats, organisation: org-cdc, purposes: [PUBHLTH], categories: [vision], legal_basis: law }
    - { name: bare, organisation: org-cdc }
)"),
            (std::vector<std::string>{
                "gw.yaml:8:21: statutory flow 'stats': no principal acts for organisation 'org-cdx'; the flow could "
                "never apply",
                "gw.yaml:10:28: statutory flow 'stats': unknown data category 'eyesight'; categories are "
                "demographics, enrollment, organization, encounter, health_exam, physical_fitness, vision, "
                "mental_health, laboratory, diagnosis, special_condition, procedure, inpatient_summary, "
                "consent_record, provenance, audit_trail",
                "gw.yaml:11:20: statutory flow 'stats': legal_basis is empty; cite the law or notice",
                "gw.yaml:12:15: duplicate statutory flow name 'stats' (first at line 7)",
                "gw.yaml:13:7: missing required key 'purposes' in consent.statutory[2]",
                "gw.yaml:13:7: missing required key 'categories' in consent.statutory[2]",
                "gw.yaml:13:7: missing required key 'legal_basis' in consent.statutory[2]",
            }));
}

TEST(ConsentSettings, ConsentCannotDefaultToPermit) {
  const std::vector<std::string> errors = errors_of(kHead + "consent: { default: permit }\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("gw.yaml:3:21: ", 0), 0u) << errors[0];
  EXPECT_NE(errors[0].find("deny"), std::string::npos) << errors[0];
}

// The shipped configuration gives its pulling principal purposes and a jurisdiction. Its
// certificate files are generated by `make certs` and may be absent here: "does not exist" is the
// only error tolerated, and then the principals cannot be checked (as in ConfigDocs).
TEST(ConsentSettings, TheShippedConfigurationLoads) {
  try {
    const GatewayConfig c = load_gateway_config(KQ_SOURCE_DIR "/config/kangqiao.yaml");
    bool pulling = false;
    for (const PrincipalConfig& p : c.principals) {
      if (!p.has_role(roles::records_pull)) continue;
      pulling = true;
      EXPECT_FALSE(p.purposes.empty()) << p.name;
      EXPECT_FALSE(p.jurisdiction.empty()) << p.name;
    }
    EXPECT_TRUE(pulling);
  } catch (const ConfigErrors& e) {
    for (const ConfigError& error : e.errors()) {
      EXPECT_NE(error.message.find("does not exist"), std::string::npos) << error.str();
    }
  }
}

}  // namespace
}  // namespace kq::config
