// Content rules of the typed records, the guardian rule and BMI.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "gateway/core/record_validation.hpp"
#include "field_error_printer.hpp"
#include "sample_records.hpp"

namespace kq::core {
namespace {

using namespace kq::core::testing;
using Errors = std::vector<FieldError>;

TEST(Validation, SamplesAreValid) {
  const ValidationContext c = fixed_context();
  EXPECT_EQ(validate(sample_person(), c), Errors{});
  EXPECT_EQ(validate(sample_organization(), c), Errors{});
  EXPECT_EQ(validate(sample_enrollment(), c), Errors{});
  EXPECT_EQ(validate(sample_encounter(), c), Errors{});
  EXPECT_EQ(validate(sample_observation(), c), Errors{});
  EXPECT_EQ(validate(sample_fitness_test(), c), Errors{});
  EXPECT_EQ(validate(sample_vision_screening(), c), Errors{});
  EXPECT_EQ(validate(sample_mental_health_screening(), c), Errors{});
  EXPECT_EQ(validate(sample_diagnosis(), c), Errors{});
  EXPECT_EQ(validate(sample_procedure(), c), Errors{});
  EXPECT_EQ(validate(sample_inpatient_summary(), c), Errors{});
  EXPECT_EQ(validate(sample_consent(), c), Errors{});
  EXPECT_EQ(validate(sample_provenance(), c), Errors{});
  EXPECT_EQ(validate(sample_audit_event(), c), Errors{});
  EXPECT_EQ(validate(sample_alert(), c), Errors{});
}

TEST(PersonValidation, ResidentIdAndSexAndDates) {
  Person p = sample_person();
  p.identifiers[0].value = "11010519491231002x";
  p.sex = "M";
  p.birth_date = PartialDate::ymd(2024, 6, 2);
  p.addresses[0].admin_code = "1101";
  const Errors errors = validate(p, fixed_context());
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0], (FieldError{"identifiers[0].value", "check character must be an upper-case 'X', not 'x'",
                                   ErrorKind::data_type}));
  EXPECT_EQ(errors[1].path, "sex");
  EXPECT_EQ(errors[2], (FieldError{"birth_date", "is in the future", ErrorKind::data_type}));
  EXPECT_EQ(errors[3],
            (FieldError{"addresses[0].admin_code", "a GB/T 2260 administrative division code has 6, 9 or 12 digits",
                        ErrorKind::data_type}));
}

TEST(PersonValidation, OtherDocumentsUnderTheSameOidAreNotCheckedAsIdNumbers) {
  Person p;
  p.identifiers = {{std::string(id_system::kResidentId), "E12345678", std::string("03"), std::nullopt}};  // passport
  EXPECT_EQ(validate(p, fixed_context()), Errors{});
  p.identifiers[0].type.reset();  // no type: a resident ID number
  EXPECT_EQ(validate(p, fixed_context()),
            (Errors{{"identifiers[0].value", "a resident ID number has 18 characters, got 9", ErrorKind::data_type}}));
}

TEST(PersonValidation, IdentifierRules) {
  Person p;
  p.identifiers = {
      {std::string(id_system::kHospitalMrn), "MRN1", std::nullopt, std::nullopt},
      {std::string(id_system::kStudentNo), "G110105194912310021", std::nullopt, std::nullopt},
      {std::string(id_system::kStudentNo), "X11010519491231002X", std::nullopt, std::nullopt},
      {std::string(id_system::kStudentNo), "G11010519491231002X", std::nullopt, std::nullopt},
      {"", "", std::nullopt, std::nullopt},
      {std::string(id_system::kCitizenCardPrefix), "123", std::nullopt, std::nullopt},
  };
  const Errors errors = validate(p, fixed_context());
  const Errors expected = {
      {"identifiers[0].assigner", "is required: this number is only unique within its hospital", ErrorKind::required},
      {"identifiers[1].value", "after the G: check digit is 1, expected X", ErrorKind::data_type},
      {"identifiers[2].value", "a national student number starts with G, J or L, not 'X'", ErrorKind::data_type},
      {"identifiers[4].system", "is required", ErrorKind::required},
      {"identifiers[4].value", "is required", ErrorKind::required},
      {"identifiers[5].value", "the card's system must name its issuer after the prefix", ErrorKind::data_type},
  };
  EXPECT_EQ(errors, expected);
}

TEST(PersonValidation, OrganisationIdentifiers) {
  Organization o = sample_organization();
  o.identifiers[0].value = "12100000400000624E";
  o.identifiers[1].value = "40000062-5";
  o.name.clear();
  const Errors errors = validate(o, fixed_context());
  const Errors expected = {
      {"name", "is required", ErrorKind::required},
      {"identifiers[0].value", "check character is E, expected D", ErrorKind::data_type},
      {"identifiers[1].value", "check character is '5', expected '4'", ErrorKind::data_type},
  };
  EXPECT_EQ(errors, expected);
}

TEST(PersonValidation, ConsistencyWarningsDoNotBlock) {
  Person p = sample_person();
  EXPECT_EQ(consistency_warnings(p), Errors{});
  p.birth_date = PartialDate::ymd(1949, 12, 30);
  p.sex = "1";
  EXPECT_EQ(validate(p, fixed_context()), Errors{});
  const Errors warnings = consistency_warnings(p);
  const Errors expected = {
      {"identifiers[0].value", "the birth date in the ID number differs from birth_date", ErrorKind::data_type},
      {"identifiers[0].value", "the sex in the ID number (17th digit) differs from sex", ErrorKind::data_type},
  };
  EXPECT_EQ(warnings, expected);
  p.sex = "9";  // not stated: nothing to compare
  p.birth_date = *PartialDate::parse("1949");  // year only: nothing to compare either
  EXPECT_EQ(consistency_warnings(p), Errors{});
}

TEST(ObservationValidation, NeedsACode) {
  Observation o;
  const Errors errors = validate(o, fixed_context());
  const Errors expected = {{"code.code", "is required: an observation needs a code", ErrorKind::required},
                           {"code.system", "is required", ErrorKind::required}};
  EXPECT_EQ(errors, expected);
}

TEST(ObservationValidation, ValueAndStatus) {
  Observation o = sample_observation();
  o.value = Quantity{172.5, ""};
  o.status = "done";
  o.interpretation[0].code.code.clear();
  const Errors expected = {
      {"status",
       "'done' is not one of registered, preliminary, final, amended, corrected, cancelled, "
       "entered-in-error, not-performed",
       ErrorKind::code_unknown},
      {"value.unit", "is required (use \"1\" for a plain number)", ErrorKind::required},
      {"interpretation[0].code.code", "is required", ErrorKind::required},
  };
  EXPECT_EQ(validate(o, fixed_context()), expected);

  Observation skipped = sample_observation();
  skipped.status = "not-performed";
  const Errors skipped_expected = {{"value", "must be absent when status is not-performed", ErrorKind::data_type},
                                   {"data_absent_reason", "is required", ErrorKind::required}};
  EXPECT_EQ(validate(skipped, fixed_context()), skipped_expected);
  skipped.value.reset();
  skipped.data_absent_reason = "拒检";
  EXPECT_EQ(validate(skipped, fixed_context()), Errors{});
}

TEST(ObservationValidation, PersonLinkRequiredAfterResolution) {
  Observation o = sample_observation();
  o.person_id.clear();
  EXPECT_EQ(validate(o, fixed_context()), Errors{});
  ValidationContext committing = fixed_context();
  committing.require_person_link = true;
  EXPECT_EQ(validate(o, committing),
            (Errors{{"person_id", "is required once the person has been resolved", ErrorKind::required}}));
}

TEST(ClinicalValidation, EncounterDischarge) {
  Encounter e = sample_encounter();
  e.discharge_target_org.reset();
  e.admission_route = "4";
  e.period->end = at("2024-02-28T10:00:00+08:00");
  const Errors expected = {
      {"period.end", "is before period.start", ErrorKind::data_type},
      {"admission_route", "'4' is not one of 1, 2, 3, 9", ErrorKind::code_unknown},
      {"discharge_target_org", "is required when discharge_disposition is 2", ErrorKind::required},
  };
  EXPECT_EQ(validate(e, fixed_context()), expected);
}

TEST(ClinicalValidation, DiagnosisCodes) {
  Diagnosis d = sample_diagnosis();
  for (const char* good : {"J18.9", "I21.900x001", "A15", "M05.3+", "G01*"}) {
    d.code.code = good;
    EXPECT_EQ(validate(d, fixed_context()), Errors{}) << good;
  }
  d.code.code = "J189";
  d.rank = 0;
  const Errors expected = {
      {"code.code", "'J189' is not an ICD-10 code (expected e.g. J18.9 or I21.900x001)", ErrorKind::data_type},
      {"rank", "is 0, expected at least 1", ErrorKind::data_type}};
  EXPECT_EQ(validate(d, fixed_context()), expected);
  d.code.system = "urn:example:tcm";  // other code systems are not held to the ICD-10 shape
  d.rank = 1;
  EXPECT_EQ(validate(d, fixed_context()), Errors{});
}

// A registry name in place of the URI would turn the ICD-10 check off without a word.
TEST(ClinicalValidation, CodeSystemIsAUri) {
  Diagnosis d = sample_diagnosis();
  d.code.system = "icd-10-cn";
  d.code.code = "J189";
  const Errors expected = {{"code.system",
                            "'icd-10-cn' is not a URI; a code system is written as its URI (ICD-10 as "
                            "urn:oid:2.16.156.10011.2.3.3.14, LOINC as http://loinc.org)",
                            ErrorKind::data_type}};
  EXPECT_EQ(validate(d, fixed_context()), expected);
}

TEST(ClinicalValidation, InpatientSummaryDatesAndCosts) {
  InpatientSummary s = sample_inpatient_summary();
  s.los_days = 5;
  s.discharge_disposition = "3";
  s.costs->self_pay = 40000;
  s.costs->lines[1].amount = -1;
  const Errors expected = {
      {"los_days", "is 5, but the admission and discharge dates give 4", ErrorKind::data_type},
      {"discharge_target_org", "is required when discharge_disposition is 3", ErrorKind::required},
      {"costs.self_pay", "is more than costs.total", ErrorKind::data_type},
      {"costs.lines[1].amount", "is -1, expected 0 to 1000000000000", ErrorKind::data_type},
  };
  EXPECT_EQ(validate(s, fixed_context()), expected);

  InpatientSummary same_day = sample_inpatient_summary();
  same_day.discharged_at = at("2024-03-01T18:00:00+08:00");
  same_day.los_days = 1;  // a same-day stay counts as one day
  EXPECT_EQ(validate(same_day, fixed_context()), Errors{});
  same_day.discharged_at = at("2024-03-01T08:00:00+08:00");
  same_day.main_diagnosis_id.clear();
  const Errors reversed = {{"main_diagnosis_id", "is required", ErrorKind::required},
                           {"discharged_at", "is before admitted_at", ErrorKind::data_type}};
  EXPECT_EQ(validate(same_day, fixed_context()), reversed);
}

TEST(SchoolValidation, VisionScreening) {
  VisionScreening v = sample_vision_screening();
  v.right_eye->ucva_5pt = 5.4;
  v.right_eye->cva_5pt = 4.85;
  v.right_eye->se = -1.0;
  v.left_eye->axis = 181;
  v.rule_version.reset();
  const Errors expected = {
      {"right_eye.ucva_5pt", "is 5.4, expected 3 to 5.3", ErrorKind::data_type},
      {"right_eye.cva_5pt", "5-point acuity is recorded in steps of 0.1", ErrorKind::data_type},
      {"right_eye.se", "is -1, but sphere_ds + cylinder_dc/2 is -1.5", ErrorKind::data_type},
      {"left_eye.axis", "is 181, expected 0 to 180", ErrorKind::data_type},
      {"rule_version", "is required with a derived value: a derived flag names the rule that set it",
       ErrorKind::required},
  };
  EXPECT_EQ(validate(v, fixed_context()), expected);
}

TEST(SchoolValidation, FitnessTest) {
  FitnessTest f = sample_fitness_test();
  f.items[0].item_code = "run_100m";
  f.items[1].status = "done";
  f.total_score = 121;
  f.academic_year = "2023-2025";
  const Errors expected = {
      {"academic_year", "the second year must follow the first", ErrorKind::data_type},
      {"items[0].item_code",
       "'run_100m' is not one of bmi, vital_capacity, run_50m, sit_and_reach, rope_skip_1min, "
       "sit_up_1min, shuttle_50x8, standing_long_jump, pull_up, run_800m, run_1000m, height, weight",
       ErrorKind::code_unknown},
      {"items[1].status", "'done' is not one of measured, missing, exempt, absent", ErrorKind::code_unknown},
      {"total_score", "is 121, expected 0 to 120", ErrorKind::data_type},
  };
  EXPECT_EQ(validate(f, fixed_context()), expected);
}

TEST(ConsentValidation, GuardianNeededUnder14) {
  Consent c = sample_consent();  // granted 2024-09-01
  c.grantor_is_guardian = false;
  ValidationContext context = fixed_context();
  context.subject_birth_date = PartialDate::ymd(2012, 5, 1);  // 12 on the grant date
  EXPECT_EQ(validate(c, context),
            (Errors{{"grantor_is_guardian",
                     "the subject is under 14 on the grant date, so a parent or guardian must grant consent",
                     ErrorKind::not_permitted}}));
  context.subject_birth_date = PartialDate::ymd(2010, 9, 1);  // 14 exactly on the grant date
  EXPECT_EQ(validate(c, context), Errors{});
  context.subject_birth_date.reset();  // birth date unknown: the rule cannot be applied
  EXPECT_EQ(validate(c, context), Errors{});
  c.lawful_basis = "statutory_duty";  // no consent involved: no guardian rule
  context.subject_birth_date = PartialDate::ymd(2012, 5, 1);
  EXPECT_EQ(validate(c, context), Errors{});
}

TEST(ConsentValidation, StatusAndWithdrawal) {
  Consent c = sample_consent();
  c.status = "withdrawn";
  EXPECT_EQ(validate(c, fixed_context()),
            (Errors{{"withdrawn_at", "is required when status is withdrawn", ErrorKind::required}}));
  c.status = "active";
  c.withdrawn_at = at("2024-08-01T00:00:00+08:00");
  c.purposes.clear();
  c.lawful_basis = "because";
  const Errors expected = {
      {"lawful_basis",
       "'because' is not one of consent, statutory_duty, public_health_emergency, contract, "
       "vital_interest",
       ErrorKind::code_unknown},
      {"status", "is 'active' but withdrawn_at is set", ErrorKind::data_type},
      {"withdrawn_at", "is before granted_at", ErrorKind::data_type},
  };
  EXPECT_EQ(validate(c, fixed_context()), expected);
}

TEST(ConsentNeedsGuardian, Birthdays) {
  const PartialDate grant = PartialDate::ymd(2024, 9, 1);
  EXPECT_TRUE(consent_needs_guardian(PartialDate::ymd(2010, 9, 2), grant));   // 14 tomorrow
  EXPECT_FALSE(consent_needs_guardian(PartialDate::ymd(2010, 9, 1), grant));  // 14 today
  EXPECT_FALSE(consent_needs_guardian(PartialDate::ymd(2000, 1, 1), grant));
  EXPECT_TRUE(consent_needs_guardian(PartialDate::ymd(2010, 9, 1), grant, 18));
  // Born on 29 February: 14 on 1 March of a common year.
  const PartialDate leap_born = PartialDate::ymd(2008, 2, 29);
  EXPECT_TRUE(consent_needs_guardian(leap_born, PartialDate::ymd(2022, 2, 28)));
  EXPECT_FALSE(consent_needs_guardian(leap_born, PartialDate::ymd(2022, 3, 1)));
}

TEST(ConsentNeedsGuardian, PartialDatesErrOnTheSafeSide) {
  // Born some time in 2010: could be 13 until the end of 2024.
  EXPECT_TRUE(consent_needs_guardian(*PartialDate::parse("2010"), PartialDate::ymd(2024, 12, 30)));
  EXPECT_FALSE(consent_needs_guardian(*PartialDate::parse("2010"), PartialDate::ymd(2024, 12, 31)));
  // Granted some time in September 2024 by someone born 2010-09-15: maybe before the birthday.
  EXPECT_TRUE(consent_needs_guardian(PartialDate::ymd(2010, 9, 15), *PartialDate::parse("2024-09")));
}

TEST(GovernanceValidation, ProvenanceAndAudit) {
  Provenance p = sample_provenance();
  p.received_at.reset();
  p.lineage[1].source_location.clear();
  const Errors provenance_expected = {{"received_at", "is required", ErrorKind::required},
                                      {"lineage.name.text", "is required", ErrorKind::required}};
  EXPECT_EQ(validate(p, fixed_context()), provenance_expected);

  AuditEvent a = sample_audit_event();
  a.action = "X";
  a.consent_decision = "maybe";
  const Errors audit_expected = {{"action", "'X' is not one of C, R, U, D, E", ErrorKind::code_unknown},
                                 {"consent_decision", "'maybe' is not one of permit, deny", ErrorKind::code_unknown}};
  EXPECT_EQ(validate(a, fixed_context()), audit_expected);
}

TEST(Bmi, RoundsHalfUpToOneDecimal) {
  EXPECT_EQ(bmi(170, 65), 22.5);    // 65 / 1.7² = 22.49…
  EXPECT_EQ(bmi(150, 45), 20.0);    // exactly 20
  EXPECT_EQ(bmi(160, 54.4), 21.3);  // 54.4 / 2.56 = 21.25 in decimal, a hair below it in binary
  EXPECT_EQ(bmi(120, 22.5), 15.6);  // 15.625
  EXPECT_EQ(bmi(0, 50), std::nullopt);
  EXPECT_EQ(bmi(170, -1), std::nullopt);
  EXPECT_EQ(bmi(std::numeric_limits<double>::quiet_NaN(), 50), std::nullopt);
  EXPECT_EQ(bmi(170, std::numeric_limits<double>::infinity()), std::nullopt);
}

}  // namespace
}  // namespace kq::core
