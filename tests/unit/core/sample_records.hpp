#pragma once
// One valid, fully populated record of every kind, for the round-trip, envelope and validation
// tests. Every optional field is set so that a field missing from a JSON field list shows up as
// a round-trip difference. The people are fictional; the ID number is the standard's sample.
#include <stdexcept>
#include <string>

#include "gateway/core/identifier_systems.hpp"
#include "gateway/core/model.hpp"
#include "gateway/core/validation_context.hpp"
#include "tests/support/dates.hpp"

namespace kq::core::testing {

using ::kq::testing::at;
using ::kq::testing::on;

// A fixed "today" so that not-in-the-future rules do not depend on the clock.
inline ValidationContext fixed_context() {
  ValidationContext context;
  context.today = PartialDate::ymd(2024, 6, 1);
  return context;
}

inline Person sample_person() {
  Person p;
  p.id = "p-1";
  p.identifiers = {
      {std::string(id_system::kResidentId), "11010519491231002X", std::string("01"), std::nullopt},
      {std::string(id_system::kHospitalMrn), "MRN0001", std::nullopt, std::string("org-hospital")},
      {id_system::citizen_card("hangzhou"), "A1234567", std::nullopt, std::nullopt},
  };
  p.name = HumanName{"王", "秀英", "王秀英", "Wang Xiuying"};
  p.sex = "2";
  p.birth_date = on("1949-12-31");
  p.ethnicity = "01";
  p.nationality = "156";
  p.marital_status = "20";
  p.occupation = "70";
  p.addresses = {{"household", "110105", "北京市朝阳区"}, {"current", "330106001", std::nullopt}};
  p.telecom = {{"phone", "13800000000", std::string("mobile")}};
  p.contacts = {{"10", HumanName{std::nullopt, std::nullopt, "李四", std::nullopt},
                 {{"phone", "13900000000", std::nullopt}}, true, std::string("p-2")}};
  p.deceased = false;
  return p;
}

inline Organization sample_organization() {
  Organization o;
  o.id = "org-hospital";
  o.identifiers = {{std::string(id_system::kUscc), "12100000400000624D", std::nullopt, std::nullopt},
                   {std::string(id_system::kOrgCode), "40000062-4", std::nullopt, std::nullopt}};
  o.name = "第一人民医院";
  o.type = "hospital";
  o.admin_code = "330106";
  o.part_of = "org-health-commission";
  o.active = true;
  return o;
}

inline Enrollment sample_enrollment() {
  return Enrollment{"enr-1", "p-1", "org-school", std::string("11"), std::string("org-class-3"),
                    std::string("一年级3班"), std::string("2024-2025"), std::string("1"),
                    std::string("G11010519491231002X"), std::string("在读"),
                    DatePeriod{on("2024-09-01"), on("2025-07")}};
}

inline Encounter sample_encounter() {
  Encounter e;
  e.id = "enc-1";
  e.person_id = "p-1";
  e.org_id = "org-hospital";
  e.encounter_class = "inpatient";
  e.dept = "心内科";
  e.period = TimePeriod{at("2024-03-01T09:15:00+08:00"), at("2024-03-05T10:00:00+08:00")};
  e.admission_route = "2";
  e.discharge_disposition = "2";
  e.discharge_target_org = "org-other-hospital";
  e.source_visit_no = "ZY2024000123";
  e.admission_count = 1;
  e.payment_method = "1";
  e.plan_id = "plan-7";
  e.location_text = "3病区";
  return e;
}

inline Observation sample_observation() {
  Observation o;
  o.id = "obs-1";
  o.person_id = "p-1";
  o.org_id = "org-hospital";
  o.encounter_id = "enc-1";
  o.code = {std::string(code_system::kLoinc), "8302-2", std::string("Body height")};
  o.original_text = "身高";
  o.value = Quantity{172.5, "cm"};
  o.reference_range = "150-190";
  o.interpretation = {{{std::string(code_system::kGatewayLocal), "normal", std::nullopt},
                       std::string("height-band"), std::string("2024.1")}};
  o.body_site = "whole-body";
  o.method = "stadiometer";
  o.effective_time = at("2024-03-05T08:30:00.250+08:00");
  o.status = "final";
  o.category = "vital-signs";
  o.derived_from = {"obs-0"};
  return o;
}

inline FitnessTest sample_fitness_test() {
  FitnessTest f;
  f.id = "fit-1";
  f.person_id = "p-1";
  f.org_id = "org-school";
  f.enrollment_id = "enr-1";
  f.academic_year = "2023-2024";
  f.test_date = on("2024-05-10");
  f.standard_version = "CSPFS-2014";
  f.items = {{"bmi", 17.8, std::string("kg/m2"), std::nullopt, 100.0, std::string("正常"), 0.15, std::nullopt,
              std::string("measured"), std::string("obs-bmi"), std::string("cspfs-2014@1.0.0")},
             {"run_50m", 9.1, std::string("s"), std::string("9\"1"), 80.0, std::string("良好"), 0.2, 2.0,
              std::string("measured"), std::nullopt, std::nullopt}};
  f.standard_score = 85.5;
  f.bonus_score = 2;
  f.total_score = 87.5;
  f.overall_level = "良好";
  f.retest_of = "fit-0";
  f.exempt = false;
  f.computed_by = "kq-fitness 1.0 / tables 2014";
  return f;
}

inline VisionScreening sample_vision_screening() {
  VisionScreening v;
  v.id = "vis-1";
  v.person_id = "p-1";
  v.org_id = "org-school";
  v.enrollment_id = "enr-1";
  v.encounter_id = "enc-2";
  v.plan_id = "plan-2024-spring";
  v.date = on("2024-04-02");
  v.examiner = "张医生";
  v.right_eye = EyeExam{4.8, 5.0, -1.25, -0.5, 180, -1.5, std::string("non-cycloplegic"), std::nullopt,
                        std::string("spectacles")};
  v.left_eye = EyeExam{5.0, std::nullopt, -0.25, 0.0, 0, -0.25, std::string("non-cycloplegic"), std::nullopt,
                       std::string("none")};
  v.screening_myopia = true;
  v.myopia_degree = "low";
  v.vision_impairment = "moderate";
  v.rate_exclusion = "ortho-k";
  v.rule_version = "guideline-2019";
  return v;
}

inline MentalHealthScreening sample_mental_health_screening() {
  MentalHealthScreening m;
  m.id = "mh-1";
  m.person_id = "p-1";
  m.org_id = "org-school";
  m.enrollment_id = "enr-1";
  m.instrument = {std::string(code_system::kGatewayLocal), "PHQ-9", std::string("Patient Health Questionnaire-9")};
  m.instrument_version = "zh-CN 2013";
  m.administered_at = at("2024-04-10T14:00:00+08:00");
  m.mode = "online";
  m.scale_scores = {{"total", 11.0, std::nullopt}};
  m.total_score = 11;
  m.lie_score = 2;
  m.valid = true;
  m.flags = {{"中度", {"total ≥ 10"}, std::string("phq9-moderate"), std::string("1")}};
  m.item9_selfharm_positive = false;
  m.reviewed_by = "心理老师";
  m.reviewed_at = at("2024-04-12T09:00:00+08:00");
  m.review_outcome = "follow-up";
  m.referral_org = "org-mh-center";
  return m;
}

inline Diagnosis sample_diagnosis() {
  return Diagnosis{"dx-1",
                   "p-1",
                   "org-hospital",
                   std::string("enc-1"),
                   std::string("主要出院"),
                   1,
                   {std::string(code_system::kIcd10Cn), "I21.900x001", std::string("急性心肌梗死")},
                   std::string("急性心肌梗死"),
                   std::string("1"),
                   at("2024-03-05T10:00:00+08:00"),
                   std::string("resolved"),
                   std::string("1")};
}

inline Procedure sample_procedure() {
  Procedure p;
  p.id = "proc-1";
  p.person_id = "p-1";
  p.org_id = "org-hospital";
  p.encounter_id = "enc-1";
  p.code = {std::string(code_system::kIcd9Cm3Cn), "36.0600", std::string("冠状动脉支架置入")};
  p.text = "PCI";
  p.performed_date = on("2024-03-02");
  p.level = "3";
  p.surgeon = "赵医生";
  p.assistant1 = "钱医生";
  p.assistant2 = "孙医生";
  p.anesthesia_method = "03";
  p.anesthesiologist = "李医生";
  p.incision_class = "0";
  p.healing_grade = "1";
  return p;
}

inline InpatientSummary sample_inpatient_summary() {
  InpatientSummary s;
  s.id = "ips-1";
  s.person_id = "p-1";
  s.org_id = "org-hospital";
  s.encounter_id = "enc-1";
  s.form_version = "2016";
  s.mrn = "MRN0001";
  s.health_card_no = "11010519491231002X";
  s.admission_count = 1;
  s.payment_method = "1";
  s.admitted_at = at("2024-03-01T09:15:00+08:00");
  s.admission_dept = "急诊科";
  s.discharged_at = at("2024-03-05T10:00:00+08:00");
  s.discharge_dept = "心内科";
  s.los_days = 4;
  s.main_diagnosis_id = "dx-1";
  s.other_diagnosis_ids = {"dx-2", "dx-3"};
  s.procedure_ids = {"proc-1"};
  s.discharge_disposition = "1";
  s.drug_allergy = true;
  s.allergy_drugs = "青霉素";
  s.blood_abo = "1";
  s.blood_rh = "2";
  s.readmission_plan_31d = false;
  s.costs = InpatientCosts{35210.5, 5210.25, {{"01", 1200}, {"02", 30010.5}}};
  return s;
}

inline Consent sample_consent() {
  Consent c;
  c.id = "consent-1";
  c.person_id = "p-1";
  c.org_id = "org-school";
  c.status = "active";
  c.grantor = ConsentGrantor{std::string("p-2"), std::string("李四"), std::string("10")};
  c.grantor_is_guardian = true;
  c.scope = "school-health-feedback";
  c.purposes = {"individual_feedback", "school_statistics"};
  c.data_categories = {"physical_fitness", "vision"};
  c.recipients = {"org-school", "role:guardian"};
  c.separate_consent = true;
  c.lawful_basis = "consent";
  c.granted_at = at("2024-09-01T10:00:00+08:00");
  c.period = DatePeriod{on("2024-09-01"), on("2025-08-31")};
  c.notice_version = "notice-2024-v2";
  c.method = "e-signature";
  c.evidence_id = "ZQTY-2024-0001";
  return c;
}

inline Provenance sample_provenance() {
  Provenance p;
  p.id = "prov-1";
  p.person_id = "p-1";
  p.org_id = "org-hospital";
  p.mapping_name = "his-adt-a01";
  p.mapping_version = "3";
  p.source_system = "HIS@hospital-x";
  p.channel = "hl7v2-mllp";
  p.message_id = "MSG00001";
  p.received_at = at("2024-03-01T09:15:02.120+08:00");
  p.activity = "ingest";
  p.raw_payload_hash = "sha256:0f1e";
  p.target_ids = {"p-1", "enc-1"};
  p.lineage = {{"identifiers[0].value", "PID-3[1].1"}, {"name.text", "PID-5.1"}};
  return p;
}

inline AuditEvent sample_audit_event() {
  AuditEvent a;
  a.id = "audit-1";
  a.person_id = "p-1";
  a.org_id = "org-province";
  a.recorded_at = at("2024-06-01T12:00:00.001Z");
  a.type = "export";
  a.action = "R";
  a.outcome = "success";
  a.agent = AuditAgent{std::string("CN=province-client"), std::string("exchange"), std::string("org-province"),
                       std::string("10.0.0.7")};
  a.source_node = "gw-1";
  a.entity_ids = {"obs-1", "vis-1"};
  a.query = "person_id=p-1";
  a.purpose_of_use = "PUBHLTH";
  a.consent_decision = "permit";
  a.consent_id = "consent-1";
  a.detail = "fhir bundle";
  return a;
}

inline Alert sample_alert() {
  Alert a;
  a.id = "alert-1";
  a.person_id = "p-1";
  a.org_id = "org-school";
  a.rule_id = "vision.acuity-drop";
  a.rule_version = "school-health-alerts@1.0.0";
  a.severity = "warning";
  a.category = "vision";
  a.summary = "uncorrected acuity fell by 2 lines or more";
  a.values = {{"right_eye.ucva_5pt", "4.8"}, {"previous.right_eye.ucva_5pt", "5.0"}};
  a.source_ids = {"vis-1"};
  a.observed_on = on("2024-04-02");
  a.raised_at = at("2024-04-02T16:00:00+08:00");
  return a;
}

}  // namespace kq::core::testing
