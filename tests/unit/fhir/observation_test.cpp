// Observation → Observation, and the school-health panels → Observation with components.
#include <gtest/gtest.h>

#include "tests/unit/fhir/fhir_samples.hpp"
#include "tests/unit/fhir/json_paths.hpp"

namespace kq::fhir::testing {
namespace {

using namespace core::testing;

TEST(FhirObservation, LoincQuantityWithUcumUnitAndReferences) {
  const boost::json::value o = fhir_of(sample_observation());
  EXPECT_EQ(text(o, "/resourceType"), "Observation");
  EXPECT_EQ(text(o, "/status"), "final");
  EXPECT_EQ(text(o, "/category/0/coding/0/system"), "http://terminology.hl7.org/CodeSystem/observation-category");
  EXPECT_EQ(text(o, "/category/0/coding/0/code"), "vital-signs");
  EXPECT_EQ(text(o, "/code/coding/0/system"), "http://loinc.org");
  EXPECT_EQ(text(o, "/code/coding/0/code"), "8302-2");
  EXPECT_EQ(text(o, "/code/text"), "身高");
  EXPECT_EQ(text(o, "/valueQuantity"),
            R"({"value":172.5,"unit":"cm","system":"http://unitsofmeasure.org","code":"cm"})");
  EXPECT_EQ(text(o, "/effectiveDateTime"), "2024-03-05T08:30:00.250+08:00");
  EXPECT_EQ(text(o, "/subject/reference"), "Patient/p-1");
  EXPECT_EQ(text(o, "/encounter/reference"), "Encounter/enc-1");
  EXPECT_EQ(text(o, "/performer/0/reference"), "Organization/org-hospital");
  EXPECT_EQ(text(o, "/derivedFrom/0/reference"), "Observation/obs-0");
  EXPECT_EQ(text(o, "/referenceRange/0/text"), "150-190");
  EXPECT_EQ(text(o, "/interpretation/0/coding/0/code"), "normal");
  EXPECT_EQ(text(*extension_named(o, "/interpretation/0/extension", "rule-version"), "/valueString"), "2024.1");
  EXPECT_FALSE(has(o, "/dataAbsentReason"));
}

TEST(FhirObservation, NotPerformedIsCancelledWithAReasonAndNoValue) {
  core::Observation record = sample_observation();
  record.status = "not-performed";
  record.value.reset();
  record.data_absent_reason = "拒检";
  const boost::json::value o = fhir_of(record);
  EXPECT_EQ(text(o, "/status"), "cancelled");
  EXPECT_EQ(text(o, "/dataAbsentReason/coding/0/code"), "not-performed");
  EXPECT_EQ(text(o, "/dataAbsentReason/text"), "拒检");
  EXPECT_FALSE(has(o, "/valueQuantity"));
}

TEST(FhirObservation, EachValueTypeHasItsOwnElement) {
  core::Observation record = sample_observation();
  record.value = std::int64_t{3};
  EXPECT_EQ(text(fhir_of(record), "/valueInteger"), "3");
  record.value = std::int64_t{5'000'000'000};  // beyond FHIR's 32-bit integer
  EXPECT_EQ(text(fhir_of(record), "/valueQuantity/value"), "5000000000");
  record.value = true;
  EXPECT_EQ(text(fhir_of(record), "/valueBoolean"), "true");
  record.value = std::string("阴性");
  EXPECT_EQ(text(fhir_of(record), "/valueString"), "阴性");
  record.value = core::Coding{"urn:kangqiao:cs:local", "positive", std::nullopt};
  EXPECT_EQ(text(fhir_of(record), "/valueCodeableConcept/coding/0/code"), "positive");
  // A unit that is not UCUM (a Chinese label) is display text only.
  record.value = core::Quantity{72, "次/分"};
  const boost::json::value o = fhir_of(record);
  EXPECT_EQ(text(o, "/valueQuantity/unit"), "次/分");
  EXPECT_FALSE(has(o, "/valueQuantity/system"));
  EXPECT_FALSE(has(o, "/valueQuantity/code"));
}

TEST(FhirObservation, FitnessTestIsAnActivityPanelWithItemsScoresAndTotals) {
  const boost::json::value o = fhir_of(sample_fitness_test());
  EXPECT_EQ(text(o, "/category/0/coding/0/code"), "activity");
  EXPECT_EQ(text(o, "/code/coding/0/system"), "urn:kangqiao:fhir:CodeSystem/school-health-panel");
  EXPECT_EQ(text(o, "/code/coding/0/code"), "fitness-test");
  EXPECT_EQ(text(o, "/effectiveDateTime"), "2024-05-10");
  EXPECT_EQ(text(o, "/method/text"), "CSPFS-2014");
  EXPECT_EQ(text(o, "/hasMember/0/reference"), "Observation/obs-bmi");
  EXPECT_EQ(text(o, "/derivedFrom/0/reference"), "Observation/fit-0");  // the test it retakes
  const boost::json::value* run = by_code(o, "/component", "run_50m");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(text(*run, "/code/coding/0/system"), "urn:kangqiao:fhir:CodeSystem/fitness-item");
  EXPECT_EQ(text(*run, "/valueQuantity/value"), "9.1");
  EXPECT_EQ(text(*run, "/valueQuantity/code"), "s");
  EXPECT_EQ(text(*by_code(o, "/component", "run_50m.level"), "/valueString"), "良好");
  EXPECT_EQ(text(*by_code(o, "/component", "run_50m.bonus"), "/valueQuantity/value"), "2.0");
  // The gateway computed the BMI score; the sender's run score is as sent (no computed-by).
  const boost::json::value* bmi_score = by_code(o, "/component", "bmi.score");
  ASSERT_NE(bmi_score, nullptr);
  EXPECT_EQ(text(*extension_named(*bmi_score, "/extension", "computed-by"), "/valueString"), "cspfs-2014@1.0.0");
  EXPECT_EQ(extension_named(*by_code(o, "/component", "run_50m.score"), "/extension", "computed-by"), nullptr);
  EXPECT_EQ(text(*by_code(o, "/component", "total_score"), "/valueQuantity/value"), "87.5");
  EXPECT_EQ(text(*by_code(o, "/component", "overall_level"), "/valueString"), "良好");
  EXPECT_EQ(text(*by_code(o, "/component", "exempt"), "/valueBoolean"), "false");
  EXPECT_EQ(by_code(o, "/component", "exempt_reason"), nullptr);
}

TEST(FhirObservation, FitnessItemNotTakenHasAReasonInsteadOfAValue) {
  core::FitnessTest record = sample_fitness_test();
  record.items = {{"sit_up_1min", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                   std::nullopt, std::string("exempt"), std::nullopt, std::nullopt}};
  const boost::json::value o = fhir_of(record);
  const boost::json::value* item = by_code(o, "/component", "sit_up_1min");
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(text(*item, "/dataAbsentReason/coding/0/code"), "not-applicable");
  EXPECT_FALSE(has(*item, "/valueQuantity"));
}

TEST(FhirObservation, VisionScreeningHasBothEyesAndTheDerivedFlags) {
  const boost::json::value o = fhir_of(sample_vision_screening());
  EXPECT_EQ(text(o, "/category/0/coding/0/code"), "exam");
  EXPECT_EQ(text(o, "/code/coding/0/code"), "vision-screening");
  EXPECT_EQ(text(o, "/encounter/reference"), "Encounter/enc-2");
  EXPECT_EQ(text(o, "/performer/1/display"), "张医生");
  EXPECT_EQ(text(*by_code(o, "/component", "right_eye.ucva_5pt"), "/valueQuantity"), R"({"value":4.8})");
  EXPECT_EQ(text(*by_code(o, "/component", "right_eye.sphere_ds"), "/valueQuantity"),
            R"({"value":-1.25,"unit":"[diop]","system":"http://unitsofmeasure.org","code":"[diop]"})");
  EXPECT_EQ(text(*by_code(o, "/component", "right_eye.axis"), "/valueQuantity/code"), "deg");
  EXPECT_EQ(by_code(o, "/component", "left_eye.cva_5pt"), nullptr);  // not measured
  EXPECT_EQ(text(*by_code(o, "/component", "screening_myopia"), "/valueBoolean"), "true");
  EXPECT_EQ(text(*by_code(o, "/component", "myopia_degree"), "/valueString"), "low");
  EXPECT_EQ(text(*extension_named(o, "/extension", "computed-by"), "/valueString"), "guideline-2019");
}

TEST(FhirObservation, MentalHealthScreeningIsASurveyCodedByItsInstrument) {
  const boost::json::value o = fhir_of(sample_mental_health_screening());
  EXPECT_EQ(text(o, "/category/0/coding/0/code"), "survey");
  EXPECT_EQ(text(o, "/code/coding/0/code"), "PHQ-9");
  EXPECT_EQ(text(o, "/code/coding/0/version"), "zh-CN 2013");
  EXPECT_EQ(text(o, "/effectiveDateTime"), "2024-04-10T14:00:00+08:00");
  EXPECT_EQ(text(o, "/interpretation/0/coding/0/code"), "中度");
  EXPECT_EQ(text(o, "/interpretation/0/text"), "total ≥ 10");
  EXPECT_EQ(text(*by_code(o, "/component", "total_score"), "/valueQuantity/value"), "11.0");
  EXPECT_EQ(text(*by_code(o, "/component", "item9_selfharm_positive"), "/valueBoolean"), "false");
  EXPECT_EQ(text(*by_code(o, "/component", "valid"), "/valueBoolean"), "true");
}

}  // namespace
}  // namespace kq::fhir::testing
