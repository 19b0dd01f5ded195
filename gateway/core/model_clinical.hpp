#pragma once
// Encounters, observations and the hospital records of the 病案首页.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gateway/core/model_common.hpp"
#include "gateway/core/record_kind.hpp"

namespace kq::core {

struct Encounter {
  static constexpr RecordKind kKind = RecordKind::encounter;
  std::string id;
  std::string person_id;
  std::string org_id;
  // "inpatient" | "outpatient" | "emergency" | "school-health-exam" | "screening-session" | "home-visit"
  std::string encounter_class;
  std::optional<std::string> dept;
  std::optional<TimePeriod> period;
  std::optional<std::string> admission_route;        // 入院途径 1, 2, 3, 9
  std::optional<std::string> discharge_disposition;  // 离院方式 1–5, 9
  std::optional<std::string> discharge_target_org;   // required for 离院方式 2 and 3
  std::optional<std::string> source_visit_no;        // 住院号 / 门诊号
  std::optional<int> admission_count;                // 第 N 次住院
  std::optional<std::string> payment_method;         // 医疗付费方式
  std::optional<std::string> plan_id;                // screening plan or exam batch
  std::optional<std::string> location_text;
  bool operator==(const Encounter&) const = default;
};

// The value of an observation. A coded answer is a Coding; counts are integers so that they
// do not turn into 3.0 on the way to a report.
using ObservationValue = std::variant<Quantity, Coding, std::string, bool, std::int64_t>;

// A derived reading of a value ("overweight", "screening myopia") and the rule that produced it,
// so that a result can be recomputed when the rule changes.
struct Interpretation {
  Coding code;
  std::optional<std::string> rule_id;
  std::optional<std::string> rule_version;
  bool operator==(const Interpretation&) const = default;
};

struct Observation {
  static constexpr RecordKind kKind = RecordKind::observation;
  std::string id;
  std::string person_id;
  std::string org_id;  // the performing organisation
  std::optional<std::string> encounter_id;
  Coding code;  // LOINC where verified, else WS 363, else the gateway's local code system
  std::optional<std::string> original_text;  // the source's own label for the item
  std::optional<ObservationValue> value;
  std::optional<std::string> reference_range;
  std::vector<Interpretation> interpretation;
  std::optional<std::string> body_site;  // "left-eye" | "right-eye" | …
  std::optional<std::string> method;
  std::optional<DateTime> effective_time;
  // registered | preliminary | final | amended | corrected | cancelled | entered-in-error | not-performed
  std::string status = "final";
  std::optional<std::string> data_absent_reason;  // 未体检 / 拒检 / 免测 when not performed
  std::optional<std::string> category;  // vital-signs | exam | survey | activity | laboratory
  std::vector<std::string> derived_from;  // ids of the observations a derived value came from
  bool operator==(const Observation&) const = default;
};

struct Diagnosis {
  static constexpr RecordKind kKind = RecordKind::diagnosis;
  std::string id;
  std::string person_id;
  std::string org_id;
  std::optional<std::string> encounter_id;
  std::optional<std::string> type;  // 门急诊 | 入院 | 主要出院 | 其他出院 | 病理 | 外部原因 | 中医病名 | 中医证候
  std::optional<int> rank;
  Coding code;  // ICD-10; national extension codes such as "I21.900x001" are allowed
  std::optional<std::string> text;
  std::optional<std::string> admission_condition;  // 入院病情 1–4
  std::optional<DateTime> recorded_at;
  std::optional<std::string> clinical_status;
  std::optional<std::string> outcome;  // 病情转归
  bool operator==(const Diagnosis&) const = default;
};

struct Procedure {
  static constexpr RecordKind kKind = RecordKind::procedure;
  std::string id;
  std::string person_id;
  std::string org_id;
  std::optional<std::string> encounter_id;
  Coding code;  // ICD-9-CM-3
  std::optional<std::string> text;
  std::optional<PartialDate> performed_date;
  std::optional<std::string> level;  // 手术级别 1–4
  std::optional<std::string> surgeon;
  std::optional<std::string> assistant1;
  std::optional<std::string> assistant2;
  std::optional<std::string> anesthesia_method;
  std::optional<std::string> anesthesiologist;
  std::optional<std::string> incision_class;
  std::optional<std::string> healing_grade;
  bool operator==(const Procedure&) const = default;
};

struct CostLine {
  std::string category;  // cost category code of the front page
  double amount = 0;     // yuan
  bool operator==(const CostLine&) const = default;
};

struct InpatientCosts {
  std::optional<double> total;
  std::optional<double> self_pay;
  std::vector<CostLine> lines;
  bool operator==(const InpatientCosts&) const = default;
};

// 住院病案首页: the main fields. Diagnoses and procedures are their own records, referenced by id.
struct InpatientSummary {
  static constexpr RecordKind kKind = RecordKind::inpatient_summary;
  std::string id;
  std::string person_id;
  std::string org_id;
  std::optional<std::string> encounter_id;
  std::optional<std::string> form_version;  // "2011", "2016", …
  std::optional<std::string> mrn;
  std::optional<std::string> health_card_no;
  std::optional<int> admission_count;
  std::optional<std::string> payment_method;
  std::optional<DateTime> admitted_at;
  std::optional<std::string> admission_dept;
  std::optional<DateTime> discharged_at;
  std::optional<std::string> discharge_dept;
  std::optional<int> los_days;
  std::string main_diagnosis_id;
  std::vector<std::string> other_diagnosis_ids;
  std::vector<std::string> procedure_ids;
  std::optional<std::string> discharge_disposition;  // 离院方式
  std::optional<std::string> discharge_target_org;
  std::optional<bool> drug_allergy;
  std::optional<std::string> allergy_drugs;
  std::optional<std::string> blood_abo;
  std::optional<std::string> blood_rh;
  std::optional<bool> readmission_plan_31d;
  std::optional<std::string> readmission_purpose;
  std::optional<InpatientCosts> costs;
  bool operator==(const InpatientSummary&) const = default;
};

}  // namespace kq::core
