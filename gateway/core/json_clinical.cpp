// JSON field lists of Encounter, Observation, Diagnosis, Procedure and InpatientSummary.
#include <type_traits>
#include <variant>

#include "gateway/core/json_io.hpp"
#include "gateway/core/tagged_reader.hpp"

namespace kq::core::json_io {

namespace {

constexpr std::string_view kValueTypes = "quantity, coded, string, boolean or integer";

void fields(auto& io, Of<Encounter> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("encounter_class", s.encounter_class);
  io.field("dept", s.dept);
  io.field("period", s.period);
  io.field("admission_route", s.admission_route);
  io.field("discharge_disposition", s.discharge_disposition);
  io.field("discharge_target_org", s.discharge_target_org);
  io.field("source_visit_no", s.source_visit_no);
  io.field("admission_count", s.admission_count);
  io.field("payment_method", s.payment_method);
  io.field("plan_id", s.plan_id);
  io.field("location_text", s.location_text);
}

void fields(auto& io, Of<Interpretation> auto& s) {
  io.field("code", s.code);
  io.field("rule_id", s.rule_id);
  io.field("rule_version", s.rule_version);
}

void fields(auto& io, Of<Observation> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("encounter_id", s.encounter_id);
  io.field("code", s.code);
  io.field("original_text", s.original_text);
  io.field("value", s.value);
  io.field("reference_range", s.reference_range);
  io.field("interpretation", s.interpretation);
  io.field("body_site", s.body_site);
  io.field("method", s.method);
  io.field("effective_time", s.effective_time);
  io.field("status", s.status);
  io.field("data_absent_reason", s.data_absent_reason);
  io.field("category", s.category);
  io.field("derived_from", s.derived_from);
}

void fields(auto& io, Of<Diagnosis> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("encounter_id", s.encounter_id);
  io.field("type", s.type);
  io.field("rank", s.rank);
  io.field("code", s.code);
  io.field("text", s.text);
  io.field("admission_condition", s.admission_condition);
  io.field("recorded_at", s.recorded_at);
  io.field("clinical_status", s.clinical_status);
  io.field("outcome", s.outcome);
}

void fields(auto& io, Of<Procedure> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("encounter_id", s.encounter_id);
  io.field("code", s.code);
  io.field("text", s.text);
  io.field("performed_date", s.performed_date);
  io.field("level", s.level);
  io.field("surgeon", s.surgeon);
  io.field("assistant1", s.assistant1);
  io.field("assistant2", s.assistant2);
  io.field("anesthesia_method", s.anesthesia_method);
  io.field("anesthesiologist", s.anesthesiologist);
  io.field("incision_class", s.incision_class);
  io.field("healing_grade", s.healing_grade);
}

void fields(auto& io, Of<CostLine> auto& s) {
  io.field("category", s.category);
  io.required("amount", s.amount);
}

void fields(auto& io, Of<InpatientCosts> auto& s) {
  io.field("total", s.total);
  io.field("self_pay", s.self_pay);
  io.field("lines", s.lines);
}

void fields(auto& io, Of<InpatientSummary> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("encounter_id", s.encounter_id);
  io.field("form_version", s.form_version);
  io.field("mrn", s.mrn);
  io.field("health_card_no", s.health_card_no);
  io.field("admission_count", s.admission_count);
  io.field("payment_method", s.payment_method);
  io.field("admitted_at", s.admitted_at);
  io.field("admission_dept", s.admission_dept);
  io.field("discharged_at", s.discharged_at);
  io.field("discharge_dept", s.discharge_dept);
  io.field("los_days", s.los_days);
  io.field("main_diagnosis_id", s.main_diagnosis_id);
  io.field("other_diagnosis_ids", s.other_diagnosis_ids);
  io.field("procedure_ids", s.procedure_ids);
  io.field("discharge_disposition", s.discharge_disposition);
  io.field("discharge_target_org", s.discharge_target_org);
  io.field("drug_allergy", s.drug_allergy);
  io.field("allergy_drugs", s.allergy_drugs);
  io.field("blood_abo", s.blood_abo);
  io.field("blood_rh", s.blood_rh);
  io.field("readmission_plan_31d", s.readmission_plan_31d);
  io.field("readmission_purpose", s.readmission_purpose);
  io.field("costs", s.costs);
}

}  // namespace

// An observation value is an object tagged with its type, so that 3 (a count) and 3.0 cm (a
// measurement) stay different things:
//   {"type": "quantity", "value": 172.5, "unit": "cm"}
//   {"type": "coded", "system": "…", "code": "…", "display": "…"}
//   {"type": "string" | "boolean" | "integer", "value": …}
namespace {

// The fields of the alternative held, for FieldWriter and FieldComparer alike (as fields()
// is for the other types), so that writing and comparing cannot drift apart.
void value_fields(auto& io, const ObservationValue& v) {
  static const std::string kQuantity = "quantity", kCoded = "coded", kString = "string",
                           kBoolean = "boolean", kInteger = "integer";
  std::visit(
      [&io](const auto& alternative) {
        using A = std::decay_t<decltype(alternative)>;
        if constexpr (std::is_same_v<A, Quantity>) {
          io.field("type", kQuantity);
          io.required("value", alternative.value);
          io.field("unit", alternative.unit);
        } else if constexpr (std::is_same_v<A, Coding>) {
          io.field("type", kCoded);
          io.field("system", alternative.system);
          io.field("code", alternative.code);
          io.field("display", alternative.display);
        } else {
          io.field("type", std::is_same_v<A, std::string> ? kString
                           : std::is_same_v<A, bool>      ? kBoolean
                                                          : kInteger);
          io.required("value", alternative);
        }
      },
      v);
}

}  // namespace

json::value write(const ObservationValue& v, const json::storage_ptr& sp) {
  FieldCounter counter;
  value_fields(counter, v);
  FieldWriter w(sp, counter.count());
  value_fields(w, v);
  return w.take();
}

namespace {

// Makes the value of the fields `r` gives: an ObjectReader over a body's JSON object, or a
// TaggedReader over the fields the mapping engine set one by one. One function for both, so
// that a value is refused for the same reasons, in the same words, however it arrives.
void read_value(auto& r, const std::string& path, ObservationValue& out, Errors& errors) {
  std::string type;
  const std::size_t errors_before = errors.size();
  r.field("type", type);
  if (errors.size() != errors_before) {
    r.abandon();  // "type" is not a string: the other keys cannot be judged
  } else if (type == "quantity") {
    Quantity q;
    r.required("value", q.value);
    r.field("unit", q.unit);
    out = q;
  } else if (type == "coded") {
    Coding c;
    r.field("system", c.system);
    r.field("code", c.code);
    r.field("display", c.display);
    out = c;
  } else if (type == "string") {
    std::string text;
    r.required("value", text);
    out = text;
  } else if (type == "boolean") {
    bool flag = false;
    r.required("value", flag);
    out = flag;
  } else if (type == "integer") {
    std::int64_t number = 0;
    r.required("value", number);
    out = number;
  } else {
    errors.push_back({join_path(path, "type"),
                      type.empty() ? "is required (" + std::string(kValueTypes) + ")"
                                   : "unknown value type '" + type + "', expected " + std::string(kValueTypes),
                      type.empty() ? ErrorKind::required : ErrorKind::code_unknown});
    r.abandon();
  }
}

}  // namespace

void read(const json::value& v, const std::string& path, ObservationValue& out, Errors& errors) {
  ObjectReader r(v, path, errors);
  if (r) read_value(r, path, out, errors);
}

void set(const setters::TaggedFields& fields, const std::string& path, ObservationValue& out, Errors& errors) {
  TaggedReader r(fields, path, errors);
  read_value(r, path, out, errors);
}

bool same(const ObservationValue& v, const json::value& j) {
  const json::object* object = j.if_object();
  if (!object) return false;
  FieldComparer comparer(*object);
  value_fields(comparer, v);
  return comparer.same();
}

KQ_JSON_IO_DEFINE(Encounter)
KQ_JSON_IO_DEFINE(Interpretation)
KQ_JSON_IO_DEFINE(Observation)
KQ_JSON_IO_DEFINE(Diagnosis)
KQ_JSON_IO_DEFINE(Procedure)
KQ_JSON_IO_DEFINE(CostLine)
KQ_JSON_IO_DEFINE(InpatientCosts)
KQ_JSON_IO_DEFINE(InpatientSummary)

}  // namespace kq::core::json_io
