// Data categories: the table, the classification of records by kind and code, purposes of use.
#include <gtest/gtest.h>

#include <set>

#include "gateway/core/data_category.hpp"
#include "gateway/core/dates.hpp"
#include "gateway/core/disclosure_facts.hpp"
#include "gateway/core/json_codec.hpp"
#include "gateway/core/purpose_of_use.hpp"
#include "sample_records.hpp"

namespace kq::core {
namespace {

using namespace kq::core::testing;
using C = DataCategory;

TEST(DataCategory, TableIsInEnumOrderWithUniqueCodesThatParseBack) {
  const auto table = data_category_table();
  ASSERT_EQ(table.size(), kDataCategoryCount);
  std::set<std::string_view> codes;
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(table[i].category), i);
    EXPECT_TRUE(codes.insert(table[i].code).second) << table[i].code;
    EXPECT_EQ(parse_data_category(table[i].code), table[i].category);
    EXPECT_GE(table[i].level, 1);
    EXPECT_LE(table[i].level, 5);
    // Whatever is sensitive is about a person.
    if (table[i].sensitive) {
      EXPECT_TRUE(table[i].personal) << table[i].code;
    }
  }
  EXPECT_EQ(parse_data_category("Vision"), std::nullopt);  // codes are exact
  EXPECT_EQ(parse_data_category(""), std::nullopt);
}

TEST(DataCategory, HealthDataIsSensitiveAndOnlyOrganisationsAreNotPersonal) {
  for (C c : {C::encounter, C::health_exam, C::physical_fitness, C::vision, C::mental_health, C::laboratory,
              C::diagnosis, C::special_condition, C::procedure, C::inpatient_summary}) {
    EXPECT_TRUE(describe(c).sensitive) << describe(c).code;
  }
  for (C c : {C::demographics, C::enrollment, C::consent_record, C::provenance, C::audit_trail}) {
    EXPECT_FALSE(describe(c).sensitive) << describe(c).code;
    EXPECT_TRUE(describe(c).personal) << describe(c).code;
  }
  EXPECT_FALSE(describe(C::organization).personal);
  EXPECT_EQ(describe(C::special_condition).level, 5);
}

TEST(CategorySet, CoversContainsAndCodes) {
  const CategorySet both{C::diagnosis, C::mental_health};
  EXPECT_TRUE(both.contains(C::diagnosis));
  EXPECT_FALSE(both.contains(C::vision));
  EXPECT_TRUE(both.covers(CategorySet{C::diagnosis}));
  EXPECT_TRUE(both.covers(CategorySet{}));
  EXPECT_FALSE(CategorySet{C::diagnosis}.covers(both));
  EXPECT_EQ(both.codes(), "mental_health,diagnosis");
  EXPECT_TRUE(both.any_sensitive());
  EXPECT_FALSE((CategorySet{C::demographics, C::organization}).any_sensitive());
  EXPECT_FALSE(CategorySet{C::organization}.any_personal());
  EXPECT_TRUE((CategorySet{C::organization, C::provenance}).any_personal());
}

CategorySet of(RecordKind kind, boost::json::object body) { return categories_of(kind, body); }

TEST(CategoriesOf, EveryKindHasItsBaseCategory) {
  EXPECT_EQ(of(RecordKind::person, to_json(sample_person())), CategorySet{C::demographics});
  EXPECT_EQ(of(RecordKind::organization, {}), CategorySet{C::organization});
  EXPECT_EQ(of(RecordKind::enrollment, {}), CategorySet{C::enrollment});
  EXPECT_EQ(of(RecordKind::encounter, {}), CategorySet{C::encounter});
  EXPECT_EQ(of(RecordKind::fitness_test, {}), CategorySet{C::physical_fitness});
  EXPECT_EQ(of(RecordKind::vision_screening, {}), CategorySet{C::vision});
  EXPECT_EQ(of(RecordKind::mental_health_screening, {}), CategorySet{C::mental_health});
  EXPECT_EQ(of(RecordKind::procedure, {}), CategorySet{C::procedure});
  EXPECT_EQ(of(RecordKind::inpatient_summary, {}), CategorySet{C::inpatient_summary});
  EXPECT_EQ(of(RecordKind::consent, to_json(sample_consent())), CategorySet{C::consent_record});
  EXPECT_EQ(of(RecordKind::provenance, {}), CategorySet{C::provenance});
  EXPECT_EQ(of(RecordKind::audit_event, {}), CategorySet{C::audit_trail});
  for (RecordKind kind : kAllRecordKinds) EXPECT_FALSE(of(kind, {}).empty()) << kind_name(kind);
}

TEST(CategoriesOf, ObservationsByTheirCategoryAndCode) {
  Observation o = sample_observation();
  o.category = "vital-signs";
  EXPECT_EQ(of(RecordKind::observation, to_json(o)), CategorySet{C::health_exam});
  o.category = "laboratory";
  EXPECT_EQ(of(RecordKind::observation, to_json(o)), CategorySet{C::laboratory});
  o.category = "activity";
  EXPECT_EQ(of(RecordKind::observation, to_json(o)), CategorySet{C::physical_fitness});
  o.category = "survey";
  EXPECT_EQ(of(RecordKind::observation, to_json(o)), CategorySet{C::mental_health});
  o.category = "something-new";  // an unknown category falls back to the kind's
  EXPECT_EQ(of(RecordKind::observation, to_json(o)), CategorySet{C::health_exam});
  o.category.reset();
  EXPECT_EQ(of(RecordKind::observation, to_json(o)), CategorySet{C::health_exam});
  // A PHQ-9 score is mental health whatever category the sender gave it.
  o.category = "exam";
  o.code = Coding{"http://loinc.org", "44261-6", std::nullopt};
  EXPECT_EQ(of(RecordKind::observation, to_json(o)), (CategorySet{C::health_exam, C::mental_health}));
}

TEST(CategoriesOf, DiagnosesByTheirIcd10Chapter) {
  Diagnosis d = sample_diagnosis();
  d.code.code = "J18.9";
  EXPECT_EQ(of(RecordKind::diagnosis, to_json(d)), CategorySet{C::diagnosis});
  d.code.code = "F32.901";
  EXPECT_EQ(of(RecordKind::diagnosis, to_json(d)), (CategorySet{C::diagnosis, C::mental_health}));
  d.code.code = "f41.1";  // lower case from a careless sender
  EXPECT_EQ(of(RecordKind::diagnosis, to_json(d)), (CategorySet{C::diagnosis, C::mental_health}));
  for (const char* hiv_or_sti : {"B20.0", "B24", "Z21", "A51.0", "A54.9", "A60.0", "A63.0", "A64"}) {
    d.code.code = hiv_or_sti;
    EXPECT_EQ(of(RecordKind::diagnosis, to_json(d)), (CategorySet{C::diagnosis, C::special_condition})) << hiv_or_sti;
  }
  for (const char* other : {"A65", "A69.2", "B25.0", "Z20"}) {  // yaws, Lyme, CMV, contact with disease
    d.code.code = other;
    EXPECT_EQ(of(RecordKind::diagnosis, to_json(d)), CategorySet{C::diagnosis}) << other;
  }
}

TEST(PurposeOfUse, Hl7CodesAndLocalCodeSyntax) {
  EXPECT_TRUE(is_hl7_purpose_of_use("TREAT"));
  EXPECT_TRUE(is_hl7_purpose_of_use("PUBHLTH"));
  EXPECT_TRUE(is_hl7_purpose_of_use("HRESCH"));
  EXPECT_FALSE(is_hl7_purpose_of_use("treat"));
  EXPECT_FALSE(is_hl7_purpose_of_use("SCHFEEDBACK"));
  EXPECT_EQ(check_purpose_code("school_feedback.v2"), std::nullopt);
  EXPECT_EQ(check_purpose_code(""), "is empty");
  EXPECT_EQ(check_purpose_code("反馈"), "may hold only ASCII letters, digits, '_', '-' and '.'");
  EXPECT_EQ(check_purpose_code("a b"), "may hold only ASCII letters, digits, '_', '-' and '.'");
  EXPECT_EQ(check_purpose_code(std::string(65, 'A')), "is longer than 64 characters");
}

}  // namespace
}  // namespace kq::core

namespace kq::core {
namespace {

std::int64_t day_number(const char* iso) { return PartialDate::parse_iso(iso)->first_day_number(); }

// What the writer stores beside each record for the pull's decisions (core/disclosure_facts.hpp).
TEST(DisclosureFacts, TheDayIsReadFromEachKindsFieldAndCutToItsDate) {
  EXPECT_EQ(record_day(RecordKind::observation, {{"effective_time", "2025-02-01T23:30:00+08:00"}}),
            day_number("2025-02-01"));
  EXPECT_EQ(record_day(RecordKind::encounter, {{"period", {{"start", "2024-09-01"}}}}), day_number("2024-09-01"));
  // A partial date counts from its first day; an unreadable one and a missing one say nothing.
  EXPECT_EQ(record_day(RecordKind::fitness_test, {{"test_date", "2024-09"}}), day_number("2024-09-01"));
  EXPECT_EQ(record_day(RecordKind::fitness_test, {{"test_date", "yesterday"}}), std::nullopt);
  EXPECT_EQ(record_day(RecordKind::encounter, {{"period", "2024-09-01"}}), std::nullopt);
  EXPECT_EQ(record_day(RecordKind::person, {{"birth_date", "2014-05-01"}}), std::nullopt);

  const DisclosureFacts survey =
      disclosure_facts(RecordKind::observation, {{"category", "survey"}, {"effective_time", "2025-02-01"}});
  EXPECT_EQ(survey.categories, (CategorySet{DataCategory::mental_health}));
  EXPECT_EQ(survey.day, day_number("2025-02-01"));
}

TEST(DisclosureFacts, TheRulesFingerprintIsPositiveAndStable) {
  EXPECT_GT(disclosure_facts_version(), 0);
  EXPECT_EQ(disclosure_facts_version(), disclosure_facts_version());
}

}  // namespace
}  // namespace kq::core
