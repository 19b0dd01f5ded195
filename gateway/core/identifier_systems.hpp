#pragma once
// Identifier systems and code systems of the canonical model.
//
// OIDs are the ones WS/T 500 documents use. Where no national OID exists the gateway defines a
// URN under "urn:kangqiao:" rather than an https URL, so that no deployment appears to depend
// on a web host it does not control. Changing any of these values changes stored identity keys:
// treat them as append-only.
#include <string>
#include <string_view>

namespace kq::core::id_system {

// 居民身份证号 (GB 11643). The same OID also carries other identity documents, told apart by
// Identifier.type (CV02.01.101); only type "01" (or no type) is a resident ID number.
inline constexpr std::string_view kResidentId = "urn:oid:2.16.156.10011.1.3";
inline constexpr std::string_view kResidentIdDocumentType = "01";
inline constexpr std::string_view kHealthCard = "urn:oid:2.16.156.10011.1.19";           // 居民健康卡号
inline constexpr std::string_view kHospitalMrn = "urn:oid:2.16.156.10011.1.13";          // 病案号, + assigner
inline constexpr std::string_view kHospitalInpatientNo = "urn:oid:2.16.156.10011.1.12";  // 住院号, + assigner
inline constexpr std::string_view kOrgCode = "urn:oid:2.16.156.10011.1.5";  // 组织机构代码 (GB 11714 / WS 218)

// Gateway-defined systems.
inline constexpr std::string_view kHealthRecordNo = "urn:kangqiao:sid:cn-health-record-no";  // 健康档案编号
inline constexpr std::string_view kHospitalOutpatientNo = "urn:kangqiao:sid:hospital-outpatient-no";
inline constexpr std::string_view kStudentNo = "urn:kangqiao:sid:cn-student-no";  // 全国学籍号 G/J/L + 18
inline constexpr std::string_view kBeijingCmisNo = "urn:kangqiao:sid:bj-cmis-no";  // 16-digit CMIS 学籍号
inline constexpr std::string_view kUscc = "urn:kangqiao:sid:org-uscc";            // 统一社会信用代码
inline constexpr std::string_view kSchoolCode = "urn:kangqiao:sid:edu-school-code";  // 学校标识码
// Card numbers are only unique per issuer, so the issuer is part of the system.
inline constexpr std::string_view kCitizenCardPrefix = "urn:kangqiao:sid:citizen-card:";
inline constexpr std::string_view kSchoolCardPrefix = "urn:kangqiao:sid:school-card:";

inline std::string citizen_card(std::string_view issuer) {
  return std::string(kCitizenCardPrefix) + std::string(issuer);
}
inline std::string school_card(std::string_view issuer) {
  return std::string(kSchoolCardPrefix) + std::string(issuer);
}

}  // namespace kq::core::id_system

namespace kq::core::code_system {

inline constexpr std::string_view kIcd10Cn = "urn:oid:2.16.156.10011.2.3.3.14";    // ICD-10 (national editions)
inline constexpr std::string_view kIcd10Who = "http://hl7.org/fhir/sid/icd-10";
inline constexpr std::string_view kIcd9Cm3Cn = "urn:oid:2.16.156.10011.2.3.3.12";  // ICD-9-CM-3 procedures
inline constexpr std::string_view kWs363DataElement = "urn:oid:2.16.156.10011.2.2.1";
inline constexpr std::string_view kLoinc = "http://loinc.org";
inline constexpr std::string_view kUcum = "http://unitsofmeasure.org";
// Codes the gateway defines itself (vision, fitness items, 5-point acuity …).
inline constexpr std::string_view kGatewayLocal = "urn:kangqiao:cs:local";

}  // namespace kq::core::code_system
