// parse_search: percent-decoding, the supported parameters, and every way a query is refused.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "gateway/core/dates.hpp"
#include "gateway/fhir/search.hpp"

namespace kq::fhir {
namespace {

// Milliseconds of a UTC wall time, computed independently of the parser under test.
std::int64_t utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  return ((core::days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60'000LL + s * 1000LL + ms;
}

SearchRequest ok(std::string_view type, std::string_view query) {
  SearchParse parsed = parse_search(type, query);
  EXPECT_FALSE(parsed.error) << query << ": " << (parsed.error ? parsed.error->message : "");
  return parsed.request.value_or(SearchRequest{});
}

SearchError refused(std::string_view type, std::string_view query) {
  SearchParse parsed = parse_search(type, query);
  EXPECT_FALSE(parsed.request) << query;
  return parsed.error.value_or(SearchError{});
}

TEST(FhirSearch, EmptyQueryGivesTheDefaults) {
  const SearchRequest r = ok("Observation", "");
  EXPECT_EQ(r.resource_type, "Observation");
  EXPECT_EQ(r.count, 100);
  EXPECT_FALSE(r.updated_from_ms || r.updated_until_ms || r.identifier || r.patient_id || r.cursor);
}

TEST(FhirSearch, PercentEncodedIdentifierIsDecodedIntoSystemAndValue) {
  const SearchRequest r = ok("Patient", "identifier=urn%3Aoid%3A2.16.156.10011.1.3%7C11010519491231002X");
  ASSERT_TRUE(r.identifier);
  EXPECT_EQ(r.identifier->system, "urn:oid:2.16.156.10011.1.3");
  EXPECT_EQ(r.identifier->value, "11010519491231002X");
  // Unencoded '|' and ':' arrive too, from hand-written URLs.
  EXPECT_EQ(ok("Patient", "identifier=urn:oid:2.16.156.10011.1.3|X1").identifier,
            (IdentifierToken{"urn:oid:2.16.156.10011.1.3", "X1"}));
  EXPECT_EQ(ok("Patient", "identifier=%7CX1").identifier, (IdentifierToken{"", "X1"}));
  EXPECT_EQ(ok("Patient", "identifier=X1").identifier, (IdentifierToken{std::nullopt, "X1"}));
  EXPECT_EQ(ok("Patient", R"(identifier=sys|A\|B\,C)").identifier, (IdentifierToken{"sys", "A|B,C"}));
  EXPECT_EQ(ok("Patient", "identifier=sys%7C%E5%BC%A0+1").identifier, (IdentifierToken{"sys", "张 1"}));
}

TEST(FhirSearch, IdentifierFormsThatAreNotSupportedAreRefusedWithoutEchoingTheValue) {
  SearchError e = refused("Patient", "identifier=sys%7CA1,sys%7CB2");
  EXPECT_EQ(e.param, "identifier");
  EXPECT_EQ(e.issue_code, "not-supported");
  EXPECT_EQ(e.message.find("A1"), std::string::npos);
  EXPECT_EQ(refused("Patient", "identifier=sys%7C").param, "identifier");
  EXPECT_EQ(refused("Patient", "identifier=a&identifier=b").message, "is given more than once");
}

TEST(FhirSearch, ParametersOfTheWrongTypeUnknownOnesAndModifiersNameTheParameter) {
  SearchError e = refused("Observation", "identifier=x");
  EXPECT_EQ(e.param, "identifier");
  EXPECT_EQ(e.issue_code, "not-supported");
  EXPECT_NE(e.message.find("patient"), std::string::npos) << e.message;  // lists what is supported
  EXPECT_EQ(refused("Patient", "patient=p-1").param, "patient");
  EXPECT_EQ(refused("Patient", "name=%E7%8E%8B").param, "name");
  EXPECT_EQ(refused("Patient", "identifier:exact=x").param, "identifier:exact");
  EXPECT_EQ(refused("Condition", "_sort=-_lastUpdated").param, "_sort");
  EXPECT_EQ(refused("Condition", "patient=").message, "has no value");
}

TEST(FhirSearch, PatientIsAReferenceOrABareId) {
  EXPECT_EQ(ok("Observation", "patient=Patient%2F0190a3c2-7d41-7b0e").patient_id, "0190a3c2-7d41-7b0e");
  EXPECT_EQ(ok("Consent", "patient=p-1").patient_id, "p-1");
  EXPECT_EQ(refused("Encounter", "patient=Group/7").param, "patient");
  EXPECT_EQ(refused("Encounter", "patient=p_1").param, "patient");
}

TEST(FhirSearch, CountIsOneToAThousand) {
  EXPECT_EQ(ok("Encounter", "_count=1").count, 1);
  EXPECT_EQ(ok("Encounter", "_count=1000").count, 1000);
  for (const char* q : {"_count=0", "_count=1001", "_count=ten", "_count=5.0", "_count=-1", "_count=1&_count=2"}) {
    EXPECT_EQ(refused("Encounter", q).param, "_count") << q;
  }
}

TEST(FhirSearch, CursorIsOpaqueAndFormatMustBeJson) {
  EXPECT_EQ(ok("Encounter", "_cursor=c%2F12%3D%3D").cursor, "c/12==");
  EXPECT_EQ(ok("Encounter", "_format=application%2Ffhir%2Bjson").count, 100);
  EXPECT_EQ(refused("Encounter", "_format=xml").param, "_format");
}

TEST(FhirSearch, MalformedPercentEncodingAndUnknownTypesAreRefused) {
  SearchError e = refused("Patient", "identifier=%ZZ");
  EXPECT_EQ(e.issue_code, "invalid");
  EXPECT_NE(e.message.find("percent"), std::string::npos);
  EXPECT_EQ(refused("Procedure", "").issue_code, "not-found");
}

TEST(FhirSearch, LastUpdatedDateMeansTheWholeDayInBeijing) {
  const SearchRequest r = ok("Observation", "_lastUpdated=2024-03-05");
  EXPECT_EQ(r.updated_from_ms, utc(2024, 3, 4, 16));
  EXPECT_EQ(r.updated_until_ms, utc(2024, 3, 5, 16));
  const SearchRequest month = ok("Observation", "_lastUpdated=2024-02");
  EXPECT_EQ(month.updated_from_ms, utc(2024, 1, 31, 16));
  EXPECT_EQ(month.updated_until_ms, utc(2024, 2, 29, 16));  // a leap year
  const SearchRequest year = ok("Observation", "_lastUpdated=2024");
  EXPECT_EQ(year.updated_until_ms, utc(2024, 12, 31, 16));
}

TEST(FhirSearch, LastUpdatedPrefixesBoundTheRangeAndRepeatsNarrowIt) {
  const SearchRequest r = ok("Observation", "_lastUpdated=ge2024-03-05&_lastUpdated=lt2024-03-07");
  EXPECT_EQ(r.updated_from_ms, utc(2024, 3, 4, 16));
  EXPECT_EQ(r.updated_until_ms, utc(2024, 3, 6, 16));
  EXPECT_EQ(ok("Observation", "_lastUpdated=gt2024-03-05").updated_from_ms, utc(2024, 3, 5, 16));
  EXPECT_EQ(ok("Observation", "_lastUpdated=le2024-03-05").updated_until_ms, utc(2024, 3, 5, 16));
  EXPECT_EQ(ok("Observation", "_lastUpdated=lt2024-03-05").updated_until_ms, utc(2024, 3, 4, 16));
  const SearchRequest narrowed =
      ok("Observation", "_lastUpdated=ge2024-01-01&_lastUpdated=ge2024-02-01&_lastUpdated=le2024-12-31");
  EXPECT_EQ(narrowed.updated_from_ms, utc(2024, 1, 31, 16));
  EXPECT_EQ(narrowed.updated_until_ms, utc(2024, 12, 31, 16));
}

TEST(FhirSearch, LastUpdatedDateTimesKeepTheirZoneAndPrecision) {
  const SearchRequest z = ok("Consent", "_lastUpdated=2024-03-05T08:30:00Z");
  EXPECT_EQ(z.updated_from_ms, utc(2024, 3, 5, 8, 30));
  EXPECT_EQ(z.updated_until_ms, utc(2024, 3, 5, 8, 30, 1));
  // '+' in a query string is a space, so a client must encode it as %2B.
  const SearchRequest india = ok("Consent", "_lastUpdated=ge2024-03-05T08:30:00.5%2B05:30");
  EXPECT_EQ(india.updated_from_ms, utc(2024, 3, 5, 3, 0, 0, 500));
  const SearchRequest local = ok("Consent", "_lastUpdated=gt2024-03-05T08:30");  // no zone: +08:00
  EXPECT_EQ(local.updated_from_ms, utc(2024, 3, 5, 0, 31));
  const SearchRequest ms = ok("Consent", "_lastUpdated=2024-03-05T00:00:00.123-01:00");
  EXPECT_EQ(ms.updated_from_ms, utc(2024, 3, 5, 1, 0, 0, 123));
  EXPECT_EQ(ms.updated_until_ms, utc(2024, 3, 5, 1, 0, 0, 124));
}

TEST(FhirSearch, LastUpdatedValuesThatAreNotDatesOrUseOtherPrefixesAreRefused) {
  for (const char* q : {"_lastUpdated=2024-02-30", "_lastUpdated=2024-13", "_lastUpdated=20240305",
                        "_lastUpdated=2024-03-05T25:00", "_lastUpdated=ne2024-03-05", "_lastUpdated=sa2024",
                        "_lastUpdated=2024-03-05T08:30:00+15:00", "_lastUpdated=ge"}) {
    const SearchError e = refused("Observation", q);
    EXPECT_EQ(e.param, "_lastUpdated") << q;
    EXPECT_FALSE(e.message.empty());
  }
}

}  // namespace
}  // namespace kq::fhir

namespace kq::fhir {
namespace {

// The query part of a search_url, for parsing it again.
std::string query_of(const std::string& url) { return url.substr(url.find('?') + 1); }

TEST(FhirSearchUrl, ParsingTheUrlAgainGivesTheSameRequest) {
  for (const auto& [type, query] : std::vector<std::pair<std::string, std::string>>{
           {"Patient", "identifier=urn:oid:2.16.156.10011.1.3%7C11010519491231002X&_count=20"},
           {"Patient", R"(identifier=a\|b\,c\\d|v 1\,2&_lastUpdated=gt2024-03-05T08:30:00.5%2B05:30)"},
           {"Patient", "identifier=%7Conly-value"},
           {"Patient", "identifier=%E5%BC%A0"},
           {"Observation", "patient=p-1&_lastUpdated=ge2024-03-01&_lastUpdated=lt2024-04"},
           {"Consent", ""}}) {
    const SearchParse first = parse_search(type, query);
    ASSERT_TRUE(first.request) << query << ": " << (first.error ? first.error->message : "");
    const std::string url = search_url("https://gw.example/fhir", *first.request, std::nullopt);
    const SearchParse again = parse_search(type, query_of(url));
    ASSERT_TRUE(again.request) << url << ": " << (again.error ? again.error->message : "");
    EXPECT_EQ(*again.request, *first.request) << url;
  }
}

TEST(FhirSearchUrl, CanonicalFormWithTheCursorEncoded) {
  SearchRequest r;
  r.resource_type = "Observation";
  r.patient_id = "p-1";
  r.updated_from_ms = 1'709'568'000'000;  // 2024-03-04T16:00:00Z
  r.count = 50;
  EXPECT_EQ(search_url("https://gw.example/fhir", r, std::string("c+1/2=")),
            "https://gw.example/fhir/Observation?_lastUpdated=ge2024-03-04T16:00:00.000Z&patient=Patient/p-1"
            "&_count=50&_cursor=c%2B1/2%3D");
  EXPECT_EQ(parse_search("Observation", query_of(search_url("https://x", r, std::string("c+1/2=")))).request->cursor,
            "c+1/2=");
}

}  // namespace
}  // namespace kq::fhir
