#include "gateway/core/data_category.hpp"

#include <array>
#include <cctype>

#include <boost/json/string.hpp>

namespace kq::core {

namespace {

using C = DataCategory;
using H = HealthDataClass;

// The levels are this gateway's placement on the GB/T 39725 §6.2 scale, which leaves the
// placement of each data set to its controller; special conditions (HIV, sexually transmitted
// infections) get the top level the standard reserves for such diseases.
constexpr std::array<DataCategoryInfo, kDataCategoryCount> kTable = {{
    {C::demographics, "demographics", "个人基本信息", H::personal_attributes, 3, false, true,
     "A person's identity: names, identifiers, sex, birth date, addresses, contacts."},
    {C::enrollment, "enrollment", "学籍信息", H::personal_attributes, 2, false, true,
     "Which school, grade and class a student attends, in which year."},
    {C::organization, "organization", "机构信息", H::health_resources, 1, false, false,
     "Schools, hospitals and authorities: not information about a person."},
    {C::encounter, "encounter", "就诊记录", H::medical_application, 3, true, true,
     "Hospital visits, stays and school health-exam sessions."},
    {C::health_exam, "health_exam", "健康体检", H::health_status, 3, true, true,
     "Vital signs and examination findings (height, weight, blood pressure, …)."},
    {C::physical_fitness, "physical_fitness", "体质健康测试", H::health_status, 3, true, true,
     "Student physical fitness tests and their scores."},
    {C::vision, "vision", "视力筛查", H::health_status, 3, true, true,
     "Vision screening: visual acuity, refraction, myopia flags."},
    {C::mental_health, "mental_health", "心理健康", H::health_status, 4, true, true,
     "Mental-health screenings, questionnaires and psychiatric diagnoses."},
    {C::laboratory, "laboratory", "检验结果", H::medical_application, 3, true, true,
     "Laboratory test results."},
    {C::diagnosis, "diagnosis", "诊断", H::medical_application, 4, true, true,
     "Diagnoses (ICD-10)."},
    {C::special_condition, "special_condition", "特殊病种", H::medical_application, 5, true, true,
     "HIV infection and sexually transmitted infections."},
    {C::procedure, "procedure", "手术操作", H::medical_application, 3, true, true,
     "Operations and procedures (ICD-9-CM-3)."},
    {C::inpatient_summary, "inpatient_summary", "住院病案首页", H::medical_application, 4, true, true,
     "The inpatient front page, with its costs."},
    {C::consent_record, "consent_record", "知情同意记录", H::personal_attributes, 3, false, true,
     "Consents themselves: who agreed to what, and who signed."},
    {C::provenance, "provenance", "数据来源", H::personal_attributes, 2, false, true,
     "Where a person's records came from: source system, message, mapping."},
    {C::audit_trail, "audit_trail", "访问审计", H::personal_attributes, 3, false, true,
     "Who accessed a person's records, when and why."},
}};

struct KindBase {
  RecordKind kind;
  DataCategory category;
};

constexpr std::array<KindBase, 14> kByKind = {{
    {RecordKind::person, C::demographics},
    {RecordKind::organization, C::organization},
    {RecordKind::enrollment, C::enrollment},
    {RecordKind::encounter, C::encounter},
    {RecordKind::observation, C::health_exam},
    {RecordKind::fitness_test, C::physical_fitness},
    {RecordKind::vision_screening, C::vision},
    {RecordKind::mental_health_screening, C::mental_health},
    {RecordKind::diagnosis, C::diagnosis},
    {RecordKind::procedure, C::procedure},
    {RecordKind::inpatient_summary, C::inpatient_summary},
    {RecordKind::consent, C::consent_record},
    {RecordKind::provenance, C::provenance},
    {RecordKind::audit_event, C::audit_trail},
}};

constexpr std::string_view kIs = "is";
constexpr std::string_view kStartsWith = "starts with";
constexpr std::string_view kIsAlso = "is also";

// Rules with match "is" on an observation's `category` replace the kind's base category (the
// first that matches); the others add a category. Surveys are read as mental health because the
// questionnaires schools run are the mental-health ones (MHT, PHQ, GAD), and the stricter
// reading is the safe one.
constexpr std::array<CategoryRule, 18> kRules = {{
    {RecordKind::observation, "category", kIs, "vital-signs", C::health_exam, "vital signs"},
    {RecordKind::observation, "category", kIs, "exam", C::health_exam, "examination findings"},
    {RecordKind::observation, "category", kIs, "activity", C::physical_fitness, "fitness items"},
    {RecordKind::observation, "category", kIs, "laboratory", C::laboratory, "laboratory results"},
    {RecordKind::observation, "category", kIs, "survey", C::mental_health, "questionnaires"},
    {RecordKind::observation, "code.code", kIsAlso, "44261-6", C::mental_health, "PHQ-9 total score (LOINC)"},
    {RecordKind::observation, "code.code", kIsAlso, "70274-6", C::mental_health, "GAD-7 total score (LOINC)"},
    {RecordKind::diagnosis, "code.code", kStartsWith, "F", C::mental_health,
     "ICD-10 chapter V: mental and behavioural disorders"},
    {RecordKind::diagnosis, "code.code", kStartsWith, "B20", C::special_condition, "HIV disease"},
    {RecordKind::diagnosis, "code.code", kStartsWith, "B21", C::special_condition, "HIV disease"},
    {RecordKind::diagnosis, "code.code", kStartsWith, "B22", C::special_condition, "HIV disease"},
    {RecordKind::diagnosis, "code.code", kStartsWith, "B23", C::special_condition, "HIV disease"},
    {RecordKind::diagnosis, "code.code", kStartsWith, "B24", C::special_condition, "HIV disease"},
    {RecordKind::diagnosis, "code.code", kStartsWith, "Z21", C::special_condition, "asymptomatic HIV infection"},
    {RecordKind::diagnosis, "code.code", kStartsWith, "A5", C::special_condition,
     "sexually transmitted infections (A50–A59)"},
    {RecordKind::diagnosis, "code.code", kStartsWith, "A60", C::special_condition, "anogenital herpes"},
    {RecordKind::diagnosis, "code.code", kStartsWith, "A63", C::special_condition,
     "other predominantly sexually transmitted diseases"},
    {RecordKind::diagnosis, "code.code", kStartsWith, "A64", C::special_condition,
     "unspecified sexually transmitted disease"},
}};

std::string_view field_text(const boost::json::object& body, std::string_view field) {
  const boost::json::object* from = &body;
  if (field.starts_with("code.")) {
    const boost::json::value* code = body.if_contains("code");
    from = code ? code->if_object() : nullptr;
    field.remove_prefix(5);
    if (from == nullptr) return {};
  }
  const boost::json::value* v = from->if_contains(field);
  const boost::json::string* s = v ? v->if_string() : nullptr;
  return s ? std::string_view(*s) : std::string_view();
}

// ICD-10 codes are written in upper case, but not every sender does.
bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

bool matches(const CategoryRule& rule, std::string_view value) {
  if (rule.match == kStartsWith) return starts_with_ignoring_case(value, rule.value);
  return value == rule.value;
}

}  // namespace

std::string_view class_name(HealthDataClass c) {
  switch (c) {
    case H::personal_attributes: return "personal_attributes";
    case H::health_status: return "health_status";
    case H::medical_application: return "medical_application";
    case H::medical_payment: return "medical_payment";
    case H::health_resources: return "health_resources";
    case H::public_health: return "public_health";
  }
  return "personal_attributes";  // unreachable
}

std::string_view class_name_zh(HealthDataClass c) {
  switch (c) {
    case H::personal_attributes: return "个人属性数据";
    case H::health_status: return "健康状况数据";
    case H::medical_application: return "医疗应用数据";
    case H::medical_payment: return "医疗支付数据";
    case H::health_resources: return "卫生资源数据";
    case H::public_health: return "公共卫生数据";
  }
  return "个人属性数据";  // unreachable
}

std::span<const DataCategoryInfo> data_category_table() { return kTable; }

const DataCategoryInfo& describe(DataCategory category) {
  return kTable[static_cast<std::size_t>(category)];
}

std::optional<DataCategory> parse_data_category(std::string_view code) {
  for (const DataCategoryInfo& info : kTable) {
    if (info.code == code) return info.category;
  }
  return std::nullopt;
}

std::string data_category_codes() {
  std::string out;
  for (const DataCategoryInfo& info : kTable) {
    if (!out.empty()) out += ", ";
    out += info.code;
  }
  return out;
}

bool CategorySet::any_sensitive() const {
  for (const DataCategoryInfo& info : kTable) {
    if (info.sensitive && contains(info.category)) return true;
  }
  return false;
}

bool CategorySet::any_personal() const {
  for (const DataCategoryInfo& info : kTable) {
    if (info.personal && contains(info.category)) return true;
  }
  return false;
}

std::string CategorySet::codes() const {
  std::string out;
  for (const DataCategoryInfo& info : kTable) {
    if (!contains(info.category)) continue;
    if (!out.empty()) out += ',';
    out += info.code;
  }
  return out;
}

CategorySet categories_of(RecordKind kind, const boost::json::object& body) {
  DataCategory primary = kByKind[0].category;
  for (const KindBase& k : kByKind) {
    if (k.kind == kind) primary = k.category;
  }
  CategorySet also;
  bool replaced = false;
  for (const CategoryRule& rule : kRules) {
    if (rule.kind != kind) continue;
    const std::string_view value = field_text(body, rule.field);
    if (value.empty() || !matches(rule, value)) continue;
    if (rule.match == kIs) {
      if (!replaced) primary = rule.category;
      replaced = true;
    } else {
      also.add(rule.category);
    }
  }
  also.add(primary);
  return also;
}

std::span<const CategoryRule> data_category_rules() { return kRules; }

}  // namespace kq::core
