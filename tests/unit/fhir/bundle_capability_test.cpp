// The searchset Bundle, the OperationOutcome and the CapabilityStatement.
#include <gtest/gtest.h>

#include "tests/unit/fhir/fhir_samples.hpp"
#include "tests/unit/fhir/json_paths.hpp"

namespace kq::fhir::testing {
namespace {

TEST(FhirBundle, SearchsetHasFullUrlsMatchModeAndLinksButNoTotal) {
  SearchPage page;
  page.resources = {fhir_of(core::testing::sample_observation()), fhir_of(core::testing::sample_fitness_test())};
  page.base_url = kBase;
  page.self_url = std::string(kBase) + "/Observation?patient=p-1";
  page.next_url = std::string(kBase) + "/Observation?patient=p-1&_cursor=abc";
  const boost::json::value b = searchset_bundle(std::move(page));
  EXPECT_EQ(text(b, "/resourceType"), "Bundle");
  EXPECT_EQ(text(b, "/type"), "searchset");
  EXPECT_FALSE(has(b, "/total"));
  EXPECT_EQ(text(b, "/link/0/relation"), "self");
  EXPECT_EQ(text(b, "/link/1/relation"), "next");
  EXPECT_EQ(text(b, "/link/1/url"), "https://gw.example:8443/fhir/Observation?patient=p-1&_cursor=abc");
  EXPECT_EQ(text(b, "/entry/0/fullUrl"), "https://gw.example:8443/fhir/Observation/obs-1");
  EXPECT_EQ(text(b, "/entry/1/fullUrl"), "https://gw.example:8443/fhir/Observation/fit-1");
  EXPECT_EQ(text(b, "/entry/1/resource/code/coding/0/code"), "fitness-test");
  EXPECT_EQ(text(b, "/entry/0/search/mode"), "match");
}

TEST(FhirBundle, LastPageHasNoNextLinkAndAnEmptyPageNoEntries) {
  SearchPage page;
  page.base_url = kBase;
  page.self_url = std::string(kBase) + "/Consent";
  const boost::json::value b = searchset_bundle(std::move(page));
  EXPECT_EQ(text(b, "/link"), R"([{"relation":"self","url":"https://gw.example:8443/fhir/Consent"}])");
  EXPECT_FALSE(has(b, "/entry"));  // FHIR JSON never holds an empty array
}

TEST(FhirOutcome, SearchErrorBecomesAnIssueNamingTheParameter) {
  const SearchParse parsed = parse_search("Patient", "name=x");
  ASSERT_TRUE(parsed.error);
  const boost::json::value o = operation_outcome(*parsed.error);
  EXPECT_EQ(text(o, "/resourceType"), "OperationOutcome");
  EXPECT_EQ(text(o, "/issue/0/severity"), "error");
  EXPECT_EQ(text(o, "/issue/0/code"), "not-supported");
  EXPECT_EQ(text(o, "/issue/0/expression"), R"(["name"])");
  EXPECT_EQ(text(o, "/issue/0/diagnostics").rfind("name: unknown or unsupported", 0), 0u);
  EXPECT_FALSE(has(operation_outcome("fatal", "exception", "store unavailable"), "/issue/0/expression"));
}

TEST(FhirCapability, InstanceOfR4WithFiveReadableSearchableTypesAndExport) {
  const boost::json::value c = capability_statement(kBase, "0.1.0");
  EXPECT_EQ(text(c, "/resourceType"), "CapabilityStatement");
  EXPECT_EQ(text(c, "/status"), "active");
  EXPECT_EQ(text(c, "/kind"), "instance");
  EXPECT_EQ(text(c, "/fhirVersion"), "4.0.1");
  EXPECT_EQ(text(c, "/date"), kCapabilityDate);
  EXPECT_EQ(text(c, "/software/version"), "0.1.0");
  EXPECT_EQ(text(c, "/implementation/url"), kBase);
  EXPECT_EQ(text(c, "/format/0"), "json");
  EXPECT_EQ(text(c, "/rest/0/mode"), "server");
  EXPECT_EQ(text(c, "/rest/0/security/service/0/coding/0/code"), "Certificates");
  EXPECT_NE(text(c, "/rest/0/security/description").find("Mutual TLS"), std::string::npos);
  EXPECT_EQ(text(c, "/rest/0/operation/0/name"), "export");

  const boost::json::array& resources = find(c, "/rest/0/resource")->as_array();
  ASSERT_EQ(resources.size(), 5u);
  std::string types;
  for (const boost::json::value& r : resources) {
    types += text(r, "/type") + " ";
    std::string params;
    for (const boost::json::value& p : r.at("searchParam").as_array()) params += text(p, "/name") + " ";
    if (text(r, "/type") == "Patient") {
      EXPECT_EQ(params, "_lastUpdated identifier _count ");
    } else {
      EXPECT_EQ(params, "_lastUpdated patient _count ") << text(r, "/type");
    }
    EXPECT_EQ(text(r, "/interaction"), R"([{"code":"read"},{"code":"search-type"}])");
  }
  EXPECT_EQ(types, "Patient Observation Encounter Condition Consent ");
}

TEST(FhirSamples, EverySampleIsBuiltWithItsResourceType) {
  const std::vector<Sample> samples = every_sample();
  EXPECT_EQ(samples.size(), 12u);
  for (const Sample& s : samples) {
    const std::string type = text(boost::json::value(s.resource), "/resourceType");
    EXPECT_EQ(s.name.rfind(type, 0), 0u) << s.name << " is a " << type;
  }
}

}  // namespace
}  // namespace kq::fhir::testing
