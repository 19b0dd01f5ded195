// Person → Patient and Encounter → Encounter, from the stored row.
#include <gtest/gtest.h>

#include "gateway/core/identifier_systems.hpp"
#include "tests/unit/fhir/fhir_samples.hpp"
#include "tests/unit/fhir/json_paths.hpp"

namespace kq::fhir::testing {
namespace {

using core::testing::at;
using core::testing::sample_encounter;
using core::testing::sample_person;

TEST(FhirPatient, CarriesIdentityNameGenderBirthAndAddressAsRecorded) {
  const boost::json::value p = fhir_of(sample_person());
  EXPECT_EQ(text(p, "/resourceType"), "Patient");
  EXPECT_EQ(text(p, "/id"), "p-1");
  EXPECT_EQ(text(p, "/meta/versionId"), "3");
  EXPECT_EQ(text(p, "/meta/lastUpdated"), "2024-06-01T20:00:00.000+08:00");

  EXPECT_EQ(text(p, "/identifier/0/system"), "urn:oid:2.16.156.10011.1.3");
  EXPECT_EQ(text(p, "/identifier/0/value"), "11010519491231002X");
  EXPECT_EQ(text(p, "/identifier/0/type/coding/0/code"), "01");
  EXPECT_EQ(text(p, "/identifier/1/system"), core::id_system::kHospitalMrn);
  EXPECT_EQ(text(p, "/identifier/1/assigner/reference"), "Organization/org-hospital");
  EXPECT_EQ(text(p, "/identifier/2/system"), "urn:kangqiao:sid:citizen-card:hangzhou");

  EXPECT_EQ(text(p, "/name/0/text"), "王秀英");
  EXPECT_EQ(text(p, "/name/0/family"), "王");
  EXPECT_EQ(text(p, "/name/0/given"), R"(["秀英"])");
  EXPECT_EQ(text(p, "/gender"), "female");
  const boost::json::value* sex = extension_named(p, "/extension", "gbt2261-sex");
  ASSERT_NE(sex, nullptr);
  EXPECT_EQ(text(*sex, "/valueCoding/system"), "urn:oid:2.16.156.10011.2.3.3.4");
  EXPECT_EQ(text(*sex, "/valueCoding/code"), "2");
  EXPECT_EQ(text(p, "/birthDate"), "1949-12-31");
  EXPECT_EQ(text(p, "/deceasedBoolean"), "false");

  // Household registration (户籍) has no FHIR use; the current address is where they live.
  EXPECT_EQ(text(p, "/address/0/text"), "北京市朝阳区");
  EXPECT_FALSE(has(p, "/address/0/use"));
  const boost::json::value* admin = extension_named(p, "/address/0/extension", "gbt2260-admin-code");
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(text(*admin, "/valueCode"), "110105");
  EXPECT_EQ(text(p, "/address/1/use"), "home");
  EXPECT_FALSE(has(p, "/address/1/text"));

  EXPECT_EQ(text(p, "/telecom/0/use"), "mobile");
  EXPECT_EQ(text(p, "/contact/0/name/text"), "李四");
  EXPECT_EQ(text(p, "/contact/0/relationship/1/coding/0/code"), "GUARD");
  EXPECT_EQ(text(p, "/maritalStatus/coding/0/code"), "20");
}

TEST(FhirPatient, NationalSexCodesZeroAndNineAreUnknownButKeptInTheExtension) {
  for (const char* code : {"0", "9", "1"}) {
    core::Person person = sample_person();
    person.sex = code;
    const boost::json::value p = fhir_of(person);
    EXPECT_EQ(text(p, "/gender"), std::string(code) == "1" ? "male" : "unknown") << code;
    EXPECT_EQ(text(*extension_named(p, "/extension", "gbt2261-sex"), "/valueCoding/code"), code);
  }
}

TEST(FhirPatient, AbsentFieldsStayAbsent) {
  core::Person person;
  person.id = "0190a3c2-7d41-7b0e-9a5c-2f1e0d3c4b5a";
  person.identifiers = {{std::string(core::id_system::kResidentId), "11010519491231002X", std::nullopt, std::nullopt}};
  person.birth_date = core::testing::on("2014-03");
  // Parts with nothing FHIR can carry are left out, never written as {} (FHIR's ele-1).
  person.name = core::HumanName{std::nullopt, std::nullopt, std::nullopt, std::string("Wang Xiuying")};
  person.addresses = {core::Address{}};
  core::Contact linked_only;
  linked_only.person_id = "p-2";
  person.contacts = {linked_only};
  const boost::json::value p = fhir_of(person);
  EXPECT_EQ(text(p, "/id"), "0190a3c2-7d41-7b0e-9a5c-2f1e0d3c4b5a");
  EXPECT_EQ(text(p, "/birthDate"), "2014-03");  // the precision the source had
  for (const char* absent : {"/name", "/gender", "/extension", "/address", "/telecom", "/contact", "/deceasedBoolean",
                             "/maritalStatus", "/identifier/0/type"}) {
    EXPECT_FALSE(has(p, absent)) << absent;
  }
}

TEST(FhirEncounter, InpatientStayIsImpFinishedWithItsVisitNumber) {
  const boost::json::value e = fhir_of(sample_encounter());
  EXPECT_EQ(text(e, "/resourceType"), "Encounter");
  EXPECT_EQ(text(e, "/status"), "finished");
  EXPECT_EQ(text(e, "/class/system"), "http://terminology.hl7.org/CodeSystem/v3-ActCode");
  EXPECT_EQ(text(e, "/class/code"), "IMP");
  EXPECT_EQ(text(e, "/subject/reference"), "Patient/p-1");
  EXPECT_EQ(text(e, "/serviceProvider/reference"), "Organization/org-hospital");
  EXPECT_EQ(text(e, "/period/start"), "2024-03-01T09:15:00+08:00");
  EXPECT_EQ(text(e, "/period/end"), "2024-03-05T10:00:00+08:00");
  EXPECT_EQ(text(e, "/identifier/0/system"), core::id_system::kHospitalInpatientNo);
  EXPECT_EQ(text(e, "/identifier/0/value"), "ZY2024000123");
  EXPECT_EQ(text(e, "/serviceType/text"), "心内科");
  EXPECT_EQ(text(e, "/hospitalization/dischargeDisposition/coding/0/code"), "2");
  EXPECT_EQ(text(e, "/location/0/location/display"), "3病区");
}

TEST(FhirEncounter, SchoolScreeningHasALocalClassAndAnOpenEncounterIsOfUnknownStatus) {
  core::Encounter encounter = sample_encounter();
  encounter.encounter_class = "school-health-exam";
  encounter.period = core::TimePeriod{at("2024-04-02T08:00+08:00"), std::nullopt};
  encounter.source_visit_no.reset();
  const boost::json::value e = fhir_of(encounter);
  EXPECT_EQ(text(e, "/class/system"), "urn:kangqiao:fhir:CodeSystem/encounter-class");
  EXPECT_EQ(text(e, "/class/code"), "school-health-exam");
  EXPECT_EQ(text(e, "/status"), "unknown");
  EXPECT_EQ(text(e, "/period/start"), "2024-04-02T08:00:00+08:00");  // FHIR wants the seconds
  EXPECT_FALSE(has(e, "/period/end"));
  EXPECT_FALSE(has(e, "/identifier"));
}

TEST(FhirEncounter, OutpatientAndEmergencyAreAmbAndEmer) {
  core::Encounter encounter = sample_encounter();
  encounter.encounter_class = "outpatient";
  EXPECT_EQ(text(fhir_of(encounter), "/class/code"), "AMB");
  EXPECT_EQ(text(fhir_of(encounter), "/identifier/0/system"), core::id_system::kHospitalOutpatientNo);
  encounter.encounter_class = "emergency";
  EXPECT_EQ(text(fhir_of(encounter), "/class/code"), "EMER");
}

}  // namespace
}  // namespace kq::fhir::testing
