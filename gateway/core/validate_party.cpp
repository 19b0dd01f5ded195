// Content rules for Person, Organization and Enrollment, and the identifier rules of §10.1.
#include "gateway/core/identifier_systems.hpp"
#include "gateway/core/org_codes.hpp"
#include "gateway/core/record_validation.hpp"
#include "gateway/core/resident_id.hpp"
#include "gateway/core/sex_code.hpp"
#include "gateway/core/validation_util.hpp"

namespace kq::core {

namespace {

bool is_resident_id(const Identifier& identifier) {
  return identifier.system == id_system::kResidentId &&
         (!identifier.type || *identifier.type == id_system::kResidentIdDocumentType);
}

bool has_digit_count(std::string_view text, std::initializer_list<std::size_t> counts) {
  if (!all_digits(text)) return false;
  for (std::size_t n : counts) {
    if (text.size() == n) return true;
  }
  return false;
}

// 全国学籍号: G + the resident ID number, J + a number built with the ID rules for students
// without one, L + 6 area + 8 birth date + 4 random digits for a temporary number.
std::optional<std::string> check_student_no(std::string_view value, const ValidationContext& context) {
  if (value.size() != 19) {
    return "a national student number has 19 characters (G, J or L and 18 more), got " +
           std::to_string(value.size());
  }
  const char prefix = value.front();
  if (prefix == 'L') {
    if (!all_digits(value.substr(1))) return std::string("after the L, 18 digits are expected");
    return std::nullopt;
  }
  if (prefix != 'G' && prefix != 'J') {
    return "a national student number starts with G, J or L, not " + describe_char(prefix);
  }
  auto id = check_resident_id(value.substr(1), context.today);
  if (!id) return std::string("after the ") + prefix + ": " + id.error();
  return std::nullopt;
}

void check_identifiers(checks::Checker& check, const std::vector<Identifier>& identifiers,
                       std::string_view field = "identifiers") {
  for (std::size_t i = 0; i < identifiers.size(); ++i) {
    const Identifier& identifier = identifiers[i];
    check.required({field, i, "system"}, identifier.system);
    check.required({field, i, "value"}, identifier.value);
    if (identifier.value.empty()) continue;
    if (auto why = check_identifier_value(identifier, check.context())) {
      check.error({field, i, "value"}, *why, ErrorKind::data_type);
    }
    const bool per_hospital = identifier.system == id_system::kHospitalMrn ||
                              identifier.system == id_system::kHospitalInpatientNo ||
                              identifier.system == id_system::kHospitalOutpatientNo;
    if (per_hospital && (!identifier.assigner || identifier.assigner->empty())) {
      check.error({field, i, "assigner"}, "is required: this number is only unique within its hospital",
                  ErrorKind::required);
    }
  }
}

void check_admin_code(checks::Checker& check, const checks::FieldPath& path, const std::optional<std::string>& code) {
  if (code && !has_digit_count(*code, {6, 9, 12})) {
    check.error(path, "a GB/T 2260 administrative division code has 6, 9 or 12 digits",
                ErrorKind::data_type);
  }
}

}  // namespace

std::optional<std::string> check_identifier_value(const Identifier& identifier, const ValidationContext& context) {
  const std::string_view system = identifier.system;
  const std::string_view value = identifier.value;
  if (is_resident_id(identifier)) {
    auto id = check_resident_id(value, context.today);
    return id ? std::nullopt : std::optional<std::string>(id.error());
  }
  if (system == id_system::kUscc) {
    auto uscc = check_uscc(value);
    return uscc ? std::nullopt : std::optional<std::string>(uscc.error());
  }
  if (system == id_system::kOrgCode) {
    auto org = check_org_code(value);
    return org ? std::nullopt : std::optional<std::string>(org.error());
  }
  if (system == id_system::kStudentNo) return check_student_no(value, context);
  if (system == id_system::kBeijingCmisNo && !has_digit_count(value, {16})) {
    return "a Beijing CMIS student number has 16 digits";
  }
  if (system == id_system::kHealthRecordNo && !has_digit_count(value, {17})) {
    return "a health record number has 17 digits";
  }
  if (system == id_system::kCitizenCardPrefix || system == id_system::kSchoolCardPrefix) {
    return "the card's system must name its issuer after the prefix";
  }
  return std::nullopt;
}

std::vector<FieldError> validate(const Person& record, const ValidationContext& context) {
  checks::Checker check(context);
  check_identifiers(check, record.identifiers);
  check_identifiers(check, record.merged_identifiers, "merged_identifiers");
  for (std::size_t i = 0; i < record.merged_identifiers.size(); ++i) {
    const Identifier& merged = record.merged_identifiers[i];
    for (const Identifier& own : record.identifiers) {
      if (own.system == merged.system && own.value == merged.value && own.assigner == merged.assigner) {
        check.error(index_path("merged_identifiers", i),
                    "is also an identifier of the surviving person: a person cannot be merged into itself",
                    ErrorKind::data_type);
        break;
      }
    }
  }
  if (record.sex) {
    auto sex = parse_sex_code(*record.sex);
    if (!sex) check.error("sex", sex.error(), ErrorKind::code_unknown);
  }
  check.not_in_future("birth_date", record.birth_date);
  for (std::size_t i = 0; i < record.addresses.size(); ++i) {
    const Address& address = record.addresses[i];
    check.one_of({"addresses", i, "use"}, address.use, {"home", "household", "current", "work"});
    check_admin_code(check, {"addresses", i, "admin_code"}, address.admin_code);
  }
  for (std::size_t i = 0; i < record.telecom.size(); ++i) {
    check.required({"telecom", i, "system"}, record.telecom[i].system);
    check.required({"telecom", i, "value"}, record.telecom[i].value);
  }
  if (record.deceased_at && record.deceased && !*record.deceased) {
    check.error("deceased_at", "is set but deceased is false", ErrorKind::data_type);
  }
  return check.take();
}

std::vector<FieldError> consistency_warnings(const Person& record) {
  std::vector<FieldError> warnings;
  for (std::size_t i = 0; i < record.identifiers.size(); ++i) {
    const Identifier& identifier = record.identifiers[i];
    if (!is_resident_id(identifier)) continue;
    auto id = check_resident_id(identifier.value);
    if (!id) continue;
    const std::string path = join_path(index_path("identifiers", i), "value");
    if (record.birth_date && record.birth_date->precision() == DatePrecision::day &&
        !(*record.birth_date == id->birth_date)) {
      warnings.push_back({path, "the birth date in the ID number differs from birth_date", ErrorKind::data_type});
    }
    if (record.sex) {
      auto sex = parse_sex_code(*record.sex);
      if (sex && (*sex == SexCode::male || *sex == SexCode::female) && *sex != id->sex) {
        warnings.push_back({path, "the sex in the ID number (17th digit) differs from sex", ErrorKind::data_type});
      }
    }
  }
  return warnings;
}

std::vector<FieldError> validate(const Organization& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.required("name", record.name);
  check_identifiers(check, record.identifiers);
  check_admin_code(check, "admin_code", record.admin_code);
  if (record.part_of && !record.id.empty() && *record.part_of == record.id) {
    check.error("part_of", "an organisation cannot be part of itself", ErrorKind::data_type);
  }
  return check.take();
}

std::vector<FieldError> validate(const Enrollment& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.person_link(record.person_id);
  check.required("org_id", record.org_id);
  if (record.academic_year) {
    if (auto why = checks::check_academic_year(*record.academic_year)) {
      check.error("academic_year", *why, ErrorKind::data_type);
    }
  }
  if (record.period) check.ordered("period.end", record.period->start, record.period->end, "period.start");
  return check.take();
}

}  // namespace kq::core
