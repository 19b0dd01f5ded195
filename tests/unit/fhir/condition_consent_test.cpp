// Diagnosis → Condition, Consent → Consent, and what to_fhir does with rows it cannot convert.
#include <gtest/gtest.h>

#include "gateway/core/identifier_systems.hpp"
#include "tests/unit/fhir/fhir_samples.hpp"
#include "tests/unit/fhir/json_paths.hpp"

namespace kq::fhir::testing {
namespace {

using namespace core::testing;

TEST(FhirCondition, NationalEditionCodeKeepsTheNationalSystem) {
  const boost::json::value c = fhir_of(sample_diagnosis());
  EXPECT_EQ(text(c, "/resourceType"), "Condition");
  EXPECT_EQ(text(c, "/code/coding/0/system"), "urn:oid:2.16.156.10011.2.3.3.14");
  EXPECT_EQ(text(c, "/code/coding/0/code"), "I21.900x001");
  EXPECT_EQ(text(c, "/code/text"), "急性心肌梗死");
  EXPECT_EQ(text(c, "/category/0/coding/0/system"), "http://terminology.hl7.org/CodeSystem/condition-category");
  EXPECT_EQ(text(c, "/category/0/coding/0/code"), "encounter-diagnosis");
  EXPECT_EQ(text(c, "/category/1/coding/0/code"), "主要出院");
  EXPECT_EQ(text(c, "/clinicalStatus/coding/0/code"), "resolved");
  EXPECT_EQ(text(c, "/subject/reference"), "Patient/p-1");
  EXPECT_EQ(text(c, "/encounter/reference"), "Encounter/enc-1");
  EXPECT_EQ(text(c, "/recordedDate"), "2024-03-05T10:00:00+08:00");
  EXPECT_EQ(text(*extension_named(c, "/extension", "diagnosis-rank"), "/valueInteger"), "1");
}

TEST(FhirCondition, PlainWhoCodeGoesOutUnderTheWhoSystem) {
  for (const char* code : {"J18.9", "J18", "M54.56"}) {
    core::Diagnosis record = sample_diagnosis();
    record.code = {std::string(core::code_system::kIcd10Cn), code, std::nullopt};
    const boost::json::value c = fhir_of(record);
    EXPECT_EQ(text(c, "/code/coding/0/system"), "http://hl7.org/fhir/sid/icd-10") << code;
    EXPECT_EQ(text(c, "/code/coding/0/code"), code);
  }
  for (const char* code : {"J18.900", "I21.900x001", "j18.9"}) {
    core::Diagnosis record = sample_diagnosis();
    record.code = {std::string(core::code_system::kIcd10Who), code, std::nullopt};
    EXPECT_EQ(text(fhir_of(record), "/code/coding/0/system"), "urn:oid:2.16.156.10011.2.3.3.14") << code;
  }
}

TEST(FhirCondition, StatusOutsideFhirsRequiredBindingTravelsAsAnExtension) {
  core::Diagnosis record = sample_diagnosis();
  record.clinical_status = "好转";
  const boost::json::value c = fhir_of(record);
  EXPECT_FALSE(has(c, "/clinicalStatus"));
  EXPECT_EQ(text(*extension_named(c, "/extension", "clinical-status"), "/valueString"), "好转");
}

TEST(FhirConsent, GuardianConsentHasTheGuardianAsContainedPerformerAndOnePermitProvision) {
  const boost::json::value c = fhir_of(sample_consent());
  EXPECT_EQ(text(c, "/resourceType"), "Consent");
  EXPECT_EQ(text(c, "/status"), "active");
  EXPECT_EQ(text(c, "/scope/coding/0/system"), "urn:kangqiao:fhir:CodeSystem/consent-scope");
  EXPECT_EQ(text(c, "/scope/coding/0/code"), "school-health-feedback");
  EXPECT_EQ(text(c, "/category/0/coding/0/system"), "http://loinc.org");
  EXPECT_EQ(text(c, "/category/0/coding/0/code"), "59284-0");
  EXPECT_EQ(text(c, "/patient/reference"), "Patient/p-1");
  EXPECT_EQ(text(c, "/dateTime"), "2024-09-01T10:00:00+08:00");
  EXPECT_EQ(text(c, "/organization/0/reference"), "Organization/org-school");

  EXPECT_EQ(text(c, "/contained/0/resourceType"), "RelatedPerson");
  EXPECT_EQ(text(c, "/contained/0/patient/reference"), "Patient/p-1");
  EXPECT_EQ(text(c, "/contained/0/name/0/text"), "李四");
  EXPECT_EQ(text(c, "/contained/0/relationship/0/coding/0/code"), "10");
  EXPECT_EQ(text(c, "/contained/0/relationship/1/coding/0/code"), "GUARD");
  EXPECT_EQ(text(c, "/performer/0/reference"), "#" + text(c, "/contained/0/id"));

  EXPECT_EQ(text(c, "/provision/type"), "permit");
  EXPECT_EQ(text(c, "/provision/period"), R"({"start":"2024-09-01","end":"2025-08-31"})");
  EXPECT_EQ(text(c, "/provision/actor/0/role/coding/0/code"), "IRCP");
  EXPECT_EQ(text(c, "/provision/actor/0/reference/reference"), "Organization/org-school");
  EXPECT_EQ(text(c, "/provision/actor/1/reference/identifier/system"), "urn:kangqiao:fhir:sid/principal-role");
  EXPECT_EQ(text(c, "/provision/actor/1/reference/identifier/value"), "guardian");
  EXPECT_EQ(text(c, "/provision/purpose/0"),
            R"({"system":"urn:kangqiao:fhir:CodeSystem/purpose-of-use","code":"individual_feedback"})");
  EXPECT_EQ(text(c, "/provision/code/1/coding/0/system"), "urn:kangqiao:fhir:CodeSystem/data-category");
  EXPECT_EQ(text(c, "/provision/code/1/coding/0/code"), "vision");
  EXPECT_EQ(text(c, "/policyRule/coding/0/code"), "consent");
  EXPECT_EQ(text(c, "/sourceReference/identifier/value"), "ZQTY-2024-0001");
  EXPECT_EQ(text(*extension_named(c, "/extension", "separate-consent"), "/valueBoolean"), "true");
  EXPECT_EQ(extension_named(c, "/extension", "withdrawn-at"), nullptr);
  EXPECT_EQ(extension_named(c, "/extension", "consent-status"), nullptr);
}

TEST(FhirConsent, WithdrawnSelfConsentIsInactiveWithTheWithdrawalKept) {
  const boost::json::value c = fhir_of(withdrawn_self_consent());
  EXPECT_EQ(text(c, "/status"), "inactive");
  EXPECT_EQ(text(*extension_named(c, "/extension", "consent-status"), "/valueCode"), "withdrawn");
  EXPECT_EQ(text(*extension_named(c, "/extension", "withdrawn-at"), "/valueDateTime"), "2024-10-01T09:00:00+08:00");
  EXPECT_EQ(text(c, "/scope/coding/0/system"), "http://terminology.hl7.org/CodeSystem/consentscope");
  EXPECT_EQ(text(c, "/scope/coding/0/code"), "patient-privacy");
  EXPECT_FALSE(has(c, "/contained"));
  EXPECT_EQ(text(c, "/performer/0/reference"), "Patient/p-1");
  EXPECT_EQ(text(c, "/provision/purpose/0"),
            R"({"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"PUBHLTH","display":"public health"})");
}

TEST(FhirConsent, RefusalDeniesAndExpiryIsInactive) {
  core::Consent record = sample_consent();
  record.status = "rejected";
  const boost::json::value refused = fhir_of(record);
  EXPECT_EQ(text(refused, "/status"), "rejected");
  EXPECT_EQ(text(refused, "/provision/type"), "deny");
  record.status = "expired";
  const boost::json::value expired = fhir_of(record);
  EXPECT_EQ(text(expired, "/status"), "inactive");
  EXPECT_EQ(text(*extension_named(expired, "/extension", "consent-status"), "/valueCode"), "expired");
}

TEST(FhirToFhir, KindsWithoutAFhirFormGiveNothingAndNoProblem) {
  const ToFhirResult result = to_fhir(stored(core::to_envelope(sample_organization())));
  EXPECT_FALSE(result.resource);
  EXPECT_FALSE(result.problem);
  EXPECT_FALSE(resource_type_of(core::RecordKind::procedure));
  EXPECT_EQ(resource_type_of(core::RecordKind::vision_screening), "Observation");
}

TEST(FhirToFhir, UnconvertibleRowsNameTheFieldAndNotTheValue) {
  core::Observation record = sample_observation();
  record.id = "obs_1";  // '_' is not allowed in a FHIR id
  ToFhirResult result = to_fhir(stored(core::to_envelope(record)));
  EXPECT_FALSE(result.resource);
  EXPECT_EQ(result.problem.value_or("").rfind("id: ", 0), 0u) << result.problem.value_or("");

  store::StoredRecord row = stored(core::to_envelope(sample_person()));
  row.body_json = R"({"id":"p-1","sex":1,"identifiers":[{"system":"urn:oid:2.16.156.10011.1.3","value":"11010519491231002X"}]})";
  result = to_fhir(row);
  EXPECT_FALSE(result.resource);
  EXPECT_NE(result.problem.value_or("").find("'sex'"), std::string::npos) << result.problem.value_or("");
  EXPECT_EQ(result.problem->find("11010519491231002X"), std::string::npos);

  row.body_json = "{not json";
  EXPECT_EQ(to_fhir(row).problem.value_or("").rfind("body: not JSON", 0), 0u);
}

TEST(FhirToFhir, ReferencesToIdsFhirCannotCarryBecomeLogicalReferences) {
  core::Observation record = sample_observation();
  record.encounter_id = "enc#7";
  const boost::json::value o = fhir_of(record);
  EXPECT_EQ(text(o, "/encounter/type"), "Encounter");
  EXPECT_EQ(text(o, "/encounter/identifier/system"), "urn:kangqiao:fhir:sid/record-id");
  EXPECT_EQ(text(o, "/encounter/identifier/value"), "enc#7");
}

}  // namespace
}  // namespace kq::fhir::testing
