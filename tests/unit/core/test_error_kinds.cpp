// What kind of problem each validation and decoding error is (core::ErrorKind). A plugin answers
// the sender with the kind (HL7 ERR-3: 101 required, 102 data type, 103 table value …; an HTTP
// problem), never by reading the message, so each rule family is checked for every kind it gives.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include <boost/json/parse.hpp>

#include "gateway/core/json_codec.hpp"
#include "gateway/core/record_validation.hpp"
#include "field_error_printer.hpp"
#include "sample_records.hpp"

namespace kq::core {
namespace {

using namespace kq::core::testing;
using Errors = std::vector<FieldError>;

// The kind of the one error at `path`; a test failure when there is none or more than one.
ErrorKind kind_at(const Errors& errors, std::string_view path) {
  const FieldError* found = nullptr;
  for (const FieldError& e : errors) {
    if (e.path != path) continue;
    EXPECT_EQ(found, nullptr) << "two errors at " << path;
    found = &e;
  }
  if (found == nullptr) {
    ADD_FAILURE() << "no error at " << path << " among " << errors.size();
    return ErrorKind::unspecified;
  }
  return found->kind;
}

TEST(ErrorKinds, PersonOrganisationAndEnrollmentRules) {
  Person p = sample_person();
  p.identifiers[0].value = "110105194912310021";  // check digit
  p.identifiers[1].assigner.reset();              // an MRN needs its hospital
  p.telecom[0].value.clear();
  p.sex = "M";
  p.addresses[0].use = "holiday";
  p.addresses[1].admin_code = "1101";
  p.birth_date = on("2030-01-01");
  const Errors person = validate(p, fixed_context());
  EXPECT_EQ(kind_at(person, "identifiers[0].value"), ErrorKind::data_type);
  EXPECT_EQ(kind_at(person, "identifiers[1].assigner"), ErrorKind::required);
  EXPECT_EQ(kind_at(person, "telecom[0].value"), ErrorKind::required);
  EXPECT_EQ(kind_at(person, "sex"), ErrorKind::code_unknown);
  EXPECT_EQ(kind_at(person, "addresses[0].use"), ErrorKind::code_unknown);
  EXPECT_EQ(kind_at(person, "addresses[1].admin_code"), ErrorKind::data_type);
  EXPECT_EQ(kind_at(person, "birth_date"), ErrorKind::data_type);

  Organization o = sample_organization();
  o.name.clear();
  o.part_of = o.id;
  const Errors organisation = validate(o, fixed_context());
  EXPECT_EQ(kind_at(organisation, "name"), ErrorKind::required);
  EXPECT_EQ(kind_at(organisation, "part_of"), ErrorKind::data_type);

  Enrollment e = sample_enrollment();
  e.person_id.clear();
  e.academic_year = "2024-2026";
  ValidationContext linked = fixed_context();
  linked.require_person_link = true;
  const Errors enrollment = validate(e, linked);
  EXPECT_EQ(kind_at(enrollment, "person_id"), ErrorKind::required);
  EXPECT_EQ(kind_at(enrollment, "academic_year"), ErrorKind::data_type);
}

TEST(ErrorKinds, ConsistencyWarningsAreDataErrors) {
  Person p = sample_person();
  p.birth_date = on("1950-01-01");
  const Errors warnings = consistency_warnings(p);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].kind, ErrorKind::data_type);
}

TEST(ErrorKinds, SchoolHealthRules) {
  FitnessTest f = sample_fitness_test();
  f.items[0].item_code.clear();
  f.items[1].item_code = "run_60m";
  f.total_score = 130;
  const Errors fitness = validate(f, fixed_context());
  EXPECT_EQ(kind_at(fitness, "items[0].item_code"), ErrorKind::required);
  EXPECT_EQ(kind_at(fitness, "items[1].item_code"), ErrorKind::code_unknown);
  EXPECT_EQ(kind_at(fitness, "total_score"), ErrorKind::data_type);

  VisionScreening v = sample_vision_screening();
  v.date.reset();
  v.right_eye->ucva_5pt = 4.85;  // not a step of 0.1
  v.right_eye->axis = 200;
  v.left_eye->correction = "monocle";
  const Errors vision = validate(v, fixed_context());
  EXPECT_EQ(kind_at(vision, "date"), ErrorKind::required);
  EXPECT_EQ(kind_at(vision, "right_eye.ucva_5pt"), ErrorKind::data_type);
  EXPECT_EQ(kind_at(vision, "right_eye.axis"), ErrorKind::data_type);
  EXPECT_EQ(kind_at(vision, "left_eye.correction"), ErrorKind::code_unknown);

  MentalHealthScreening m = sample_mental_health_screening();
  m.instrument.code.clear();
  m.mode = "telepathy";
  m.reviewed_at = at("2024-04-01T09:00:00+08:00");  // before it was administered
  const Errors mental = validate(m, fixed_context());
  EXPECT_EQ(kind_at(mental, "instrument.code"), ErrorKind::required);
  EXPECT_EQ(kind_at(mental, "mode"), ErrorKind::code_unknown);
  EXPECT_EQ(kind_at(mental, "reviewed_at"), ErrorKind::data_type);
}

TEST(ErrorKinds, ClinicalRules) {
  Encounter e = sample_encounter();
  e.encounter_class = "teleport";
  e.discharge_target_org.reset();  // disposition 2 (transfer) names where the patient went
  e.admission_count = 0;
  const Errors encounter = validate(e, fixed_context());
  EXPECT_EQ(kind_at(encounter, "encounter_class"), ErrorKind::code_unknown);
  EXPECT_EQ(kind_at(encounter, "discharge_target_org"), ErrorKind::required);
  EXPECT_EQ(kind_at(encounter, "admission_count"), ErrorKind::data_type);

  Observation o = sample_observation();
  o.code.system = "loinc";  // a registry name where the URI belongs
  o.value = Quantity{172.5, ""};
  o.status.clear();
  const Errors observation = validate(o, fixed_context());
  EXPECT_EQ(kind_at(observation, "code.system"), ErrorKind::data_type);
  EXPECT_EQ(kind_at(observation, "value.unit"), ErrorKind::required);
  EXPECT_EQ(kind_at(observation, "status"), ErrorKind::required);

  Diagnosis d = sample_diagnosis();
  d.code.code = "heart attack";
  const Errors diagnosis = validate(d, fixed_context());
  EXPECT_EQ(kind_at(diagnosis, "code.code"), ErrorKind::data_type);

  InpatientSummary s = sample_inpatient_summary();
  s.main_diagnosis_id.clear();
  s.los_days = 9;
  s.costs->self_pay = 50000;
  const Errors summary = validate(s, fixed_context());
  EXPECT_EQ(kind_at(summary, "main_diagnosis_id"), ErrorKind::required);
  EXPECT_EQ(kind_at(summary, "los_days"), ErrorKind::data_type);
  EXPECT_EQ(kind_at(summary, "costs.self_pay"), ErrorKind::data_type);
}

TEST(ErrorKinds, ConsentProvenanceAndAuditRules) {
  Consent c = sample_consent();
  c.lawful_basis = "because";
  c.status = "withdrawn";  // without withdrawn_at
  const Errors consent = validate(c, fixed_context());
  EXPECT_EQ(kind_at(consent, "lawful_basis"), ErrorKind::code_unknown);
  EXPECT_EQ(kind_at(consent, "withdrawn_at"), ErrorKind::required);

  // PIPL Art. 31: a child under 14 cannot consent alone. The law forbids it; no form or table
  // value would fix it.
  Consent own = sample_consent();
  own.grantor_is_guardian = false;
  ValidationContext child = fixed_context();
  child.subject_birth_date = on("2015-06-01");
  EXPECT_EQ(kind_at(validate(own, child), "grantor_is_guardian"), ErrorKind::not_permitted);

  Consent active = sample_consent();
  active.withdrawn_at = at("2024-10-01T00:00:00+08:00");  // withdrawn, yet still active
  EXPECT_EQ(kind_at(validate(active, fixed_context()), "status"), ErrorKind::data_type);

  Provenance p = sample_provenance();
  p.mapping_name.clear();
  EXPECT_EQ(kind_at(validate(p, fixed_context()), "mapping_name"), ErrorKind::required);

  AuditEvent a = sample_audit_event();
  a.action = "X";
  EXPECT_EQ(kind_at(validate(a, fixed_context()), "action"), ErrorKind::code_unknown);
}

TEST(ErrorKinds, JsonDecoding) {
  namespace json = boost::json;
  // A key the record does not have is a document of the wrong shape, not an unknown reference.
  const Errors unknown = from_json<Person>(json::parse(R"({"birth_dat":"2014-03-07"})")).errors;
  EXPECT_EQ(kind_at(unknown, "birth_dat"), ErrorKind::structure);

  const Errors types =
      from_json<Encounter>(json::parse(R"({"dept":1,"admission_count":1.5,"period":{"start":"yesterday"}})")).errors;
  EXPECT_EQ(kind_at(types, "dept"), ErrorKind::data_type);
  EXPECT_EQ(kind_at(types, "admission_count"), ErrorKind::data_type);
  EXPECT_EQ(kind_at(types, "period.start"), ErrorKind::data_type);

  const Errors values = from_json<Observation>(json::parse(R"({"value":{"type":"quantity","unit":"cm"}})")).errors;
  EXPECT_EQ(kind_at(values, "value.value"), ErrorKind::required);
  const Errors variant = from_json<Observation>(json::parse(R"({"value":{"type":"colour"}})")).errors;
  EXPECT_EQ(kind_at(variant, "value.type"), ErrorKind::code_unknown);
}

TEST(ErrorKinds, Envelopes) {
  EXPECT_EQ(kind_at(parse_envelope(R"({"kind": "starship"})").errors, "kind"), ErrorKind::unsupported);
  EXPECT_EQ(kind_at(parse_envelope(R"({"name": "x"})").errors, "kind"), ErrorKind::required);
  EXPECT_EQ(kind_at(parse_envelope(R"({"kind": 7})").errors, "kind"), ErrorKind::data_type);
  EXPECT_EQ(kind_at(parse_envelope("{\"kind\": ").errors, ""), ErrorKind::structure);
  EXPECT_EQ(kind_at(parse_envelope("[]").errors, ""), ErrorKind::structure);
  EXPECT_EQ(kind_at(parse_envelope(R"({"kind": "person"})", RecordKind::organization).errors, "kind"),
            ErrorKind::unsupported);

  RecordEnvelope mismatch = to_envelope(sample_encounter());
  mismatch.person_id = "p-2";  // the store would index the record under the wrong person
  EXPECT_EQ(kind_at(validate_envelope(mismatch, fixed_context()), "person_id"), ErrorKind::data_type);
}

}  // namespace
}  // namespace kq::core
