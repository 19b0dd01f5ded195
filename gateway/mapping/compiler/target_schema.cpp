#include "gateway/mapping/compiler/target_schema.hpp"

#include <array>
#include <utility>

#include "gateway/core/identifier_systems.hpp"
#include "gateway/mapping/compiler/yaml_file.hpp"

namespace kq::mapping {

namespace {

using L = LeafType;

TargetField leaf(std::string_view key, LeafType type) { return {key, type, nullptr, false}; }
TargetField leaves(std::string_view key, LeafType type) { return {key, type, nullptr, true}; }
TargetField object(std::string_view key, const ObjectType& type) { return {key, L::text, &type, false}; }
TargetField objects(std::string_view key, const ObjectType& type) { return {key, L::text, &type, true}; }

// Every type of the canonical model, transcribed from gateway/core/model_*.hpp (the JSON key of
// a field is its member name). The members are filled in place by build() so that the
// pointers between them stay valid.
struct Schema {
  ObjectType coding, quantity, identifier, human_name, date_period, time_period;
  ObjectType address, telecom, contact;
  ObjectType value_quantity, value_coded, value_string, value_boolean, value_integer, observation_value;
  ObjectType interpretation, cost_line, inpatient_costs;
  ObjectType fitness_item, eye_exam, scale_score, risk_flag, alert_value;
  ObjectType consent_grantor, audit_agent;
  std::array<ObjectType, core::kAllRecordKinds.size()> records;  // indexed by RecordKind

  ObjectType& record(core::RecordKind kind) { return records[static_cast<std::size_t>(kind)]; }
};

void build_common(Schema& s) {
  s.coding = {"Coding", {leaf("system", L::code_system), leaf("code", L::code), leaf("display", L::text)}, {}, {}};
  s.quantity = {"Quantity", {leaf("value", L::number), leaf("unit", L::code)}, {}, {}};
  s.identifier = {"Identifier",
                  {leaf("system", L::identifier_system), leaf("value", L::text), leaf("type", L::code),
                   leaf("assigner", L::id)},
                  {}, {}};
  s.human_name = {"HumanName",
                  {leaf("family", L::text), leaf("given", L::text), leaf("text", L::text), leaf("pinyin", L::text)},
                  {}, {}};
  s.date_period = {"DatePeriod", {leaf("start", L::date), leaf("end", L::date)}, {}, {}};
  s.time_period = {"TimePeriod", {leaf("start", L::datetime), leaf("end", L::datetime)}, {}, {}};
  s.address = {"Address", {leaf("use", L::code), leaf("admin_code", L::code), leaf("text", L::text)}, {}, {}};
  s.telecom = {"Telecom", {leaf("system", L::code), leaf("value", L::text), leaf("use", L::code)}, {}, {}};
  s.contact = {"Contact",
               {leaf("relationship", L::code), object("name", s.human_name), objects("telecom", s.telecom),
                leaf("is_guardian", L::boolean), leaf("person_id", L::id)},
               {}, {}};
}

void build_clinical(Schema& s) {
  // Observation.value is a tagged union: {"type": "quantity", "value": …, "unit": …} and so on.
  s.value_quantity = {"quantity value", {leaf("type", L::code), leaf("value", L::number), leaf("unit", L::code)}, {}, {}};
  s.value_coded = {"coded value",
                   {leaf("type", L::code), leaf("system", L::code_system), leaf("code", L::code),
                    leaf("display", L::text)},
                   {}, {}};
  s.value_string = {"string value", {leaf("type", L::code), leaf("value", L::text)}, {}, {}};
  s.value_boolean = {"boolean value", {leaf("type", L::code), leaf("value", L::boolean)}, {}, {}};
  s.value_integer = {"integer value", {leaf("type", L::code), leaf("value", L::integer)}, {}, {}};
  s.observation_value = {"ObservationValue", {}, "type",
                         {{"quantity", &s.value_quantity},
                          {"coded", &s.value_coded},
                          {"string", &s.value_string},
                          {"boolean", &s.value_boolean},
                          {"integer", &s.value_integer}}};
  s.interpretation = {"Interpretation",
                      {object("code", s.coding), leaf("rule_id", L::code), leaf("rule_version", L::code)}, {}, {}};
  s.cost_line = {"CostLine", {leaf("category", L::code), leaf("amount", L::number)}, {}, {}};
  s.inpatient_costs = {"InpatientCosts",
                       {leaf("total", L::number), leaf("self_pay", L::number), objects("lines", s.cost_line)}, {}, {}};
}

void build_school(Schema& s) {
  s.fitness_item = {"FitnessItem",
                    {leaf("item_code", L::code), leaf("raw_value", L::number), leaf("unit", L::code),
                     leaf("raw_text", L::text), leaf("score", L::number), leaf("level", L::code),
                     leaf("weight", L::number), leaf("bonus", L::number), leaf("status", L::code),
                     leaf("observation_id", L::id), leaf("computed_by", L::text)},
                    {}, {}};
  s.eye_exam = {"EyeExam",
                {leaf("ucva_5pt", L::number), leaf("cva_5pt", L::number), leaf("sphere_ds", L::number),
                 leaf("cylinder_dc", L::number), leaf("axis", L::integer), leaf("se", L::number),
                 leaf("refraction_method", L::code), leaf("not_done_reason", L::text), leaf("correction", L::code)},
                {}, {}};
  s.scale_score = {"ScaleScore",
                   {leaf("scale_code", L::code), leaf("raw_score", L::number), leaf("standard_score", L::number)},
                   {}, {}};
  s.risk_flag = {"RiskFlag",
                 {leaf("level", L::code), leaves("reasons", L::text), leaf("rule_id", L::code),
                  leaf("rule_version", L::code)},
                 {}, {}};
  s.alert_value = {"AlertValue", {leaf("name", L::code), leaf("value", L::text)}, {}, {}};
}

void build_governance(Schema& s) {
  s.consent_grantor = {"ConsentGrantor",
                       {leaf("person_id", L::id), leaf("name", L::text), leaf("relationship", L::code)}, {}, {}};
  s.audit_agent = {"AuditAgent",
                   {leaf("user", L::text), leaf("role", L::code), leaf("org_id", L::id), leaf("ip", L::text)}, {}, {}};
}

std::vector<TargetField> with_ids(std::vector<TargetField> fields) {
  std::vector<TargetField> out = {leaf("id", L::id), leaf("person_id", L::id), leaf("org_id", L::id)};
  out.insert(out.end(), fields.begin(), fields.end());
  return out;
}

void build_records(Schema& s) {
  using K = core::RecordKind;
  s.record(K::person) = {
      "Person",
      {leaf("id", L::id), objects("identifiers", s.identifier), object("name", s.human_name), leaf("sex", L::code),
       leaf("birth_date", L::date), leaf("ethnicity", L::code), leaf("nationality", L::code),
       leaf("marital_status", L::code), leaf("occupation", L::code), objects("addresses", s.address),
       objects("telecom", s.telecom), objects("contacts", s.contact), leaf("deceased", L::boolean),
       leaf("deceased_at", L::datetime), objects("merged_identifiers", s.identifier)},
      {}, {}};
  s.record(K::organization) = {
      "Organization",
      {leaf("id", L::id), objects("identifiers", s.identifier), leaf("name", L::text), leaf("type", L::code),
       leaf("admin_code", L::code), leaf("part_of", L::id), leaf("active", L::boolean)},
      {}, {}};
  s.record(K::enrollment) = {
      "Enrollment",
      with_ids({leaf("grade", L::code), leaf("class_id", L::id), leaf("class_name", L::text),
                leaf("academic_year", L::code), leaf("term", L::code), leaf("student_no", L::text),
                leaf("status", L::code), object("period", s.date_period)}),
      {}, {}};
  s.record(K::encounter) = {
      "Encounter",
      with_ids({leaf("encounter_class", L::code), leaf("dept", L::text), object("period", s.time_period),
                leaf("admission_route", L::code), leaf("discharge_disposition", L::code),
                leaf("discharge_target_org", L::id), leaf("source_visit_no", L::text),
                leaf("admission_count", L::integer), leaf("payment_method", L::code), leaf("plan_id", L::id),
                leaf("location_text", L::text)}),
      {}, {}};
  s.record(K::observation) = {
      "Observation",
      with_ids({leaf("encounter_id", L::id), object("code", s.coding), leaf("original_text", L::text),
                object("value", s.observation_value), leaf("reference_range", L::text),
                objects("interpretation", s.interpretation), leaf("body_site", L::code), leaf("method", L::code),
                leaf("effective_time", L::datetime), leaf("status", L::code), leaf("data_absent_reason", L::text),
                leaf("category", L::code), leaves("derived_from", L::id)}),
      {}, {}};
  s.record(K::fitness_test) = {
      "FitnessTest",
      with_ids({leaf("enrollment_id", L::id), leaf("academic_year", L::code), leaf("test_date", L::date),
                leaf("standard_version", L::code), objects("items", s.fitness_item),
                leaf("standard_score", L::number), leaf("bonus_score", L::number), leaf("total_score", L::number),
                leaf("overall_level", L::code), leaf("retest_of", L::id), leaf("exempt", L::boolean),
                leaf("exempt_reason", L::text), leaf("computed_by", L::text)}),
      {}, {}};
  s.record(K::vision_screening) = {
      "VisionScreening",
      with_ids({leaf("enrollment_id", L::id), leaf("encounter_id", L::id), leaf("plan_id", L::id),
                leaf("date", L::date), leaf("examiner", L::text), object("right_eye", s.eye_exam),
                object("left_eye", s.eye_exam), leaf("screening_myopia", L::boolean),
                leaf("myopia_degree", L::code), leaf("vision_impairment", L::code), leaf("rate_exclusion", L::code),
                leaf("rule_version", L::code)}),
      {}, {}};
  s.record(K::mental_health_screening) = {
      "MentalHealthScreening",
      with_ids({leaf("enrollment_id", L::id), object("instrument", s.coding), leaf("instrument_version", L::code),
                leaf("administered_at", L::datetime), leaf("mode", L::code), objects("scale_scores", s.scale_score),
                leaf("total_score", L::number), leaf("lie_score", L::number), leaf("valid", L::boolean),
                objects("flags", s.risk_flag), leaf("item9_selfharm_positive", L::boolean),
                leaf("reviewed_by", L::text), leaf("reviewed_at", L::datetime), leaf("review_outcome", L::text),
                leaf("referral_org", L::id)}),
      {}, {}};
  s.record(K::diagnosis) = {
      "Diagnosis",
      with_ids({leaf("encounter_id", L::id), leaf("type", L::code), leaf("rank", L::integer),
                object("code", s.coding), leaf("text", L::text), leaf("admission_condition", L::code),
                leaf("recorded_at", L::datetime), leaf("clinical_status", L::code), leaf("outcome", L::code)}),
      {}, {}};
  s.record(K::procedure) = {
      "Procedure",
      with_ids({leaf("encounter_id", L::id), object("code", s.coding), leaf("text", L::text),
                leaf("performed_date", L::date), leaf("level", L::code), leaf("surgeon", L::text),
                leaf("assistant1", L::text), leaf("assistant2", L::text), leaf("anesthesia_method", L::code),
                leaf("anesthesiologist", L::text), leaf("incision_class", L::code), leaf("healing_grade", L::code)}),
      {}, {}};
  s.record(K::inpatient_summary) = {
      "InpatientSummary",
      with_ids({leaf("encounter_id", L::id), leaf("form_version", L::code), leaf("mrn", L::text),
                leaf("health_card_no", L::text), leaf("admission_count", L::integer), leaf("payment_method", L::code),
                leaf("admitted_at", L::datetime), leaf("admission_dept", L::text),
                leaf("discharged_at", L::datetime), leaf("discharge_dept", L::text), leaf("los_days", L::integer),
                leaf("main_diagnosis_id", L::id), leaves("other_diagnosis_ids", L::id),
                leaves("procedure_ids", L::id), leaf("discharge_disposition", L::code),
                leaf("discharge_target_org", L::id), leaf("drug_allergy", L::boolean),
                leaf("allergy_drugs", L::text), leaf("blood_abo", L::code), leaf("blood_rh", L::code),
                leaf("readmission_plan_31d", L::boolean), leaf("readmission_purpose", L::text),
                object("costs", s.inpatient_costs)}),
      {}, {}};
  s.record(K::consent) = {
      "Consent",
      with_ids({leaf("status", L::code), object("grantor", s.consent_grantor), leaf("grantor_is_guardian", L::boolean),
                leaf("scope", L::code), leaves("purposes", L::code), leaves("data_categories", L::code),
                leaves("recipients", L::id), leaf("separate_consent", L::boolean), leaf("lawful_basis", L::code),
                leaf("granted_at", L::datetime), object("period", s.date_period), leaf("withdrawn_at", L::datetime),
                leaf("notice_version", L::code), leaf("method", L::code), leaf("evidence_id", L::text)}),
      {}, {}};
  s.record(K::provenance) = {
      "Provenance",
      with_ids({leaf("mapping_name", L::text), leaf("mapping_version", L::text), leaf("source_system", L::text),
                leaf("channel", L::code), leaf("message_id", L::text), leaf("received_at", L::datetime),
                // No `lineage`: the gateway writes it (an object keyed by target path, which a
                // field list cannot describe) for every message a mapping maps.
                leaf("activity", L::code), leaf("raw_payload_hash", L::text), leaves("target_ids", L::id)}),
      {}, {}};
  s.record(K::audit_event) = {
      "AuditEvent",
      with_ids({leaf("recorded_at", L::datetime), leaf("type", L::code), leaf("action", L::code),
                leaf("outcome", L::code), object("agent", s.audit_agent), leaf("source_node", L::text),
                leaves("entity_ids", L::id), leaf("query", L::text), leaf("purpose_of_use", L::code),
                leaf("consent_decision", L::code), leaf("consent_id", L::id), leaf("detail", L::text)}),
      {}, {}};
  s.record(K::alert) = {
      "Alert",
      with_ids({leaf("rule_id", L::code), leaf("rule_version", L::code), leaf("severity", L::code),
                leaf("category", L::code), leaf("summary", L::text), objects("values", s.alert_value),
                leaves("source_ids", L::id), leaf("observed_on", L::date), leaf("raised_at", L::datetime)}),
      {}, {}};
}

const Schema& schema() {
  static const Schema* built = [] {
    static Schema s;  // filled in place: the types point at each other
    build_common(s);
    build_clinical(s);
    build_school(s);
    build_governance(s);
    build_records(s);
    return &s;
  }();
  return *built;
}

struct NamedUri {
  std::string_view name;
  std::string_view uri;
};

// Registry keys. Card numbers take their issuer after the colon: citizen-card:hangzhou.
constexpr std::array<NamedUri, 11> kIdentifierSystems = {{
    {"cn-resident-id", core::id_system::kResidentId},
    {"cn-health-card", core::id_system::kHealthCard},
    {"cn-health-record-no", core::id_system::kHealthRecordNo},
    {"hospital-mrn", core::id_system::kHospitalMrn},
    {"hospital-inpatient-no", core::id_system::kHospitalInpatientNo},
    {"hospital-outpatient-no", core::id_system::kHospitalOutpatientNo},
    {"cn-student-no", core::id_system::kStudentNo},
    {"bj-cmis-no", core::id_system::kBeijingCmisNo},
    {"org-uscc", core::id_system::kUscc},
    {"org-code", core::id_system::kOrgCode},
    {"edu-school-code", core::id_system::kSchoolCode},
}};

constexpr std::array<NamedUri, 7> kCodeSystems = {{
    {"icd-10-cn", core::code_system::kIcd10Cn},
    {"icd-10", core::code_system::kIcd10Who},
    {"icd-9-cm-3-cn", core::code_system::kIcd9Cm3Cn},
    {"ws363", core::code_system::kWs363DataElement},
    {"loinc", core::code_system::kLoinc},
    {"ucum", core::code_system::kUcum},
    {"local", core::code_system::kGatewayLocal},
}};

template <std::size_t N>
std::string_view find_uri(const std::array<NamedUri, N>& table, std::string_view name) {
  for (const NamedUri& entry : table) {
    if (entry.name == name) return entry.uri;
  }
  return {};
}

template <std::size_t N>
std::vector<std::string_view> names_of(const std::array<NamedUri, N>& table) {
  std::vector<std::string_view> names;
  for (const NamedUri& entry : table) names.push_back(entry.name);
  return names;
}

}  // namespace

std::string_view leaf_type_name(LeafType type) {
  switch (type) {
    case L::text: return "text";
    case L::code: return "code";
    case L::id: return "record id";
    case L::identifier_system: return "identifier system";
    case L::code_system: return "code system";
    case L::number: return "number";
    case L::integer: return "integer";
    case L::boolean: return "boolean";
    case L::date: return "date";
    case L::datetime: return "date-time";
  }
  return "text";
}

const TargetField* ObjectType::find(std::string_view key) const {
  for (const TargetField& f : fields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

const ObjectType* ObjectType::variant(std::string_view tag) const {
  for (const auto& [variant_tag, type] : variants) {
    if (variant_tag == tag) return type;
  }
  return nullptr;
}

std::vector<std::string_view> ObjectType::keys() const {
  std::vector<std::string_view> out;
  for (const TargetField& f : fields) out.push_back(f.key);
  return out;
}

const ObjectType& record_type(core::RecordKind kind) {
  return schema().records[static_cast<std::size_t>(kind)];
}

const ObjectType& coding_type() { return schema().coding; }

std::string_view identifier_system_uri(std::string_view name) { return find_uri(kIdentifierSystems, name); }
std::string_view code_system_uri(std::string_view name) { return find_uri(kCodeSystems, name); }
std::vector<std::string_view> identifier_system_names() { return names_of(kIdentifierSystems); }
std::vector<std::string_view> code_system_names() { return names_of(kCodeSystems); }

std::optional<std::string> resolve_system(bool identifier, std::string_view text, std::string& error) {
  if (text.find(':') != std::string_view::npos) {
    // A card issuer is part of the system: citizen-card:hangzhou.
    if (identifier) {
      for (std::string_view prefix : {"citizen-card:", "school-card:"}) {
        if (text.substr(0, prefix.size()) != prefix) continue;
        const std::string_view issuer = text.substr(prefix.size());
        return prefix == "citizen-card:" ? core::id_system::citizen_card(issuer) : core::id_system::school_card(issuer);
      }
    }
    return std::string(text);  // a URI
  }
  const std::string_view uri = identifier ? identifier_system_uri(text) : code_system_uri(text);
  if (!uri.empty()) return std::string(uri);
  // A bare OID, as CDA's codeSystem and HL7's assigning authorities write it.
  const bool oid = text.size() > 2 && (text[0] >= '0' && text[0] <= '2') && text[1] == '.' &&
                   text.find_first_not_of("0123456789.") == std::string_view::npos && text.back() != '.' &&
                   text.find("..") == std::string_view::npos;
  if (oid) return "urn:oid:" + std::string(text);
  error = detail::unknown_name_message(identifier ? "identifier system" : "code system", text,
                               identifier ? identifier_system_names() : code_system_names()) +
          " (or write a URI)";
  return std::nullopt;
}

}  // namespace kq::mapping
