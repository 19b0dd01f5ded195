// Content rules for Encounter, Observation, Diagnosis, Procedure and InpatientSummary.
#include "gateway/core/identifier_systems.hpp"
#include "gateway/core/record_validation.hpp"
#include "gateway/core/validation_util.hpp"

namespace kq::core {

namespace {

// 入院途径 and 离院方式 of the 2011/2016 front page.
const std::initializer_list<std::string_view> kAdmissionRoutes = {"1", "2", "3", "9"};
const std::initializer_list<std::string_view> kDischargeDispositions = {"1", "2", "3", "4", "5", "9"};

void check_code(checks::Checker& check, const Coding& code, std::string_view what) {
  if (code.code.empty()) {
    check.error("code.code", "is required: " + std::string(what) + " needs a code", ErrorKind::required);
  }
  check.required("code.system", code.system);
  // A registry name ("icd-10-cn") written where the URI belongs would pass unnoticed and turn
  // off the checks tied to the system (the form of an ICD-10 code): a system is a URI.
  if (!code.system.empty() && code.system.find(':') == std::string::npos) {
    check.error("code.system", "'" + code.system + "' is not a URI; a code system is written as its URI (ICD-10 "
                               "as " + std::string(code_system::kIcd10Cn) + ", LOINC as " +
                               std::string(code_system::kLoinc) + ")",
                ErrorKind::data_type);
  }
}

// 离院方式 2 (医嘱转院) and 3 (转社区/乡镇卫生院) name the organisation the patient went to.
void check_discharge(checks::Checker& check, const std::optional<std::string>& disposition,
                     const std::optional<std::string>& target_org) {
  check.one_of("discharge_disposition", disposition, kDischargeDispositions);
  if (disposition && (*disposition == "2" || *disposition == "3") && (!target_org || target_org->empty())) {
    check.error("discharge_target_org", "is required when discharge_disposition is " + *disposition,
                ErrorKind::required);
  }
}

// Letter, two digits, then optionally '.' and the subdivision with national extensions
// ("I21.900x001"), optionally a dagger/asterisk marker written as '+' or '*'.
bool looks_like_icd10(std::string_view code) {
  if (!code.empty() && (code.back() == '+' || code.back() == '*')) code.remove_suffix(1);
  if (code.size() < 3 || code[0] < 'A' || code[0] > 'Z' || !is_ascii_digit(code[1]) || !is_ascii_digit(code[2])) {
    return false;
  }
  if (code.size() == 3) return true;
  if (code[3] != '.' || code.size() == 4) return false;
  for (char c : code.substr(4)) {
    const bool alnum = is_ascii_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!alnum) return false;
  }
  return true;
}

}  // namespace

std::vector<FieldError> validate(const Encounter& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.person_link(record.person_id);
  check.required("encounter_class", record.encounter_class);
  check.one_of("encounter_class", record.encounter_class,
               {"inpatient", "outpatient", "emergency", "school-health-exam", "screening-session", "home-visit"});
  if (record.period) check.ordered("period.end", record.period->start, record.period->end, "period.start");
  check.one_of("admission_route", record.admission_route, kAdmissionRoutes);
  check_discharge(check, record.discharge_disposition, record.discharge_target_org);
  check.at_least("admission_count", record.admission_count, 1);
  return check.take();
}

std::vector<FieldError> validate(const Observation& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.person_link(record.person_id);
  check_code(check, record.code, "an observation");
  check.required("status", record.status);
  check.one_of("status", record.status,
               {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error",
                "not-performed"});
  if (record.value) {
    if (const auto* quantity = std::get_if<Quantity>(&*record.value)) {
      if (!std::isfinite(quantity->value)) check.error("value.value", "must be a finite number", ErrorKind::data_type);
      if (quantity->unit.empty()) {
        check.error("value.unit", "is required (use \"1\" for a plain number)", ErrorKind::required);
      }
    } else if (const auto* coded = std::get_if<Coding>(&*record.value)) {
      check.required("value.code", coded->code);
    }
  }
  if (record.status == "not-performed") {
    if (record.value) check.error("value", "must be absent when status is not-performed", ErrorKind::data_type);
    check.required("data_absent_reason", record.data_absent_reason);
  }
  for (std::size_t i = 0; i < record.interpretation.size(); ++i) {
    check.required({"interpretation", i, "code.code"}, record.interpretation[i].code.code);
  }
  return check.take();
}

std::vector<FieldError> validate(const Diagnosis& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.person_link(record.person_id);
  check_code(check, record.code, "a diagnosis");
  const bool icd10 = record.code.system == code_system::kIcd10Cn || record.code.system == code_system::kIcd10Who;
  if (icd10 && !record.code.code.empty() && !looks_like_icd10(record.code.code)) {
    check.error("code.code", "'" + record.code.code + "' is not an ICD-10 code (expected e.g. J18.9 or I21.900x001)",
                ErrorKind::data_type);
  }
  check.at_least("rank", record.rank, 1);
  check.one_of("admission_condition", record.admission_condition, {"1", "2", "3", "4"});
  return check.take();
}

std::vector<FieldError> validate(const Procedure& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.person_link(record.person_id);
  check_code(check, record.code, "a procedure");
  check.one_of("level", record.level, {"1", "2", "3", "4"});
  check.not_in_future("performed_date", record.performed_date);
  return check.take();
}

std::vector<FieldError> validate(const InpatientSummary& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.person_link(record.person_id);
  check.required("main_diagnosis_id", record.main_diagnosis_id);
  check.at_least("admission_count", record.admission_count, 1);
  check.ordered("discharged_at", record.admitted_at, record.discharged_at, "admitted_at");
  check.at_least("los_days", record.los_days, 0);
  // 住院天数 counts calendar days between the local dates; a same-day stay counts as one day.
  if (record.admitted_at && record.discharged_at && record.los_days &&
      record.discharged_at->utc_millis() >= record.admitted_at->utc_millis()) {
    const std::int64_t days = record.discharged_at->local_date().first_day_number() -
                              record.admitted_at->local_date().first_day_number();
    const std::int64_t expected = days == 0 ? 1 : days;
    if (*record.los_days != expected) {
      check.error("los_days", "is " + std::to_string(*record.los_days) + ", but the admission and discharge dates give " +
                                  std::to_string(expected),
                  ErrorKind::data_type);
    }
  }
  check_discharge(check, record.discharge_disposition, record.discharge_target_org);
  if (record.costs) {
    const InpatientCosts& costs = *record.costs;
    constexpr double kMax = 1e12;  // far above any bill; catches a unit or digit error
    check.range("costs.total", costs.total, 0, kMax);
    check.range("costs.self_pay", costs.self_pay, 0, kMax);
    if (costs.total && costs.self_pay && *costs.self_pay > *costs.total) {
      check.error("costs.self_pay", "is more than costs.total", ErrorKind::data_type);
    }
    for (std::size_t i = 0; i < costs.lines.size(); ++i) {
      check.required({"costs.lines", i, "category"}, costs.lines[i].category);
      check.range({"costs.lines", i, "amount"}, costs.lines[i].amount, 0, kMax);
    }
  }
  return check.take();
}

}  // namespace kq::core
