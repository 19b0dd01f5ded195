#pragma once
// Every URI the FHIR layer defines itself: local code systems, extensions and identifier
// systems, all under one base. The base is a URN, like the canonical model's own systems
// (gateway/core/identifier_systems.hpp), so that no deployment appears to depend on a web host
// it does not control; FHIR allows a logical URI for Coding.system and Extension.url.
// Treat these as append-only: a renamed system makes stored exports and client code stale.
// docs/fhir.md lists them all.
#include <string>
#include <string_view>

namespace kq::fhir {

inline constexpr std::string_view kLocalBase = "urn:kangqiao:fhir:";

// "urn:kangqiao:fhir:CodeSystem/<name>"
std::string local_code_system(std::string_view name);
// "urn:kangqiao:fhir:StructureDefinition/<name>"
std::string extension_url(std::string_view name);
// "urn:kangqiao:fhir:sid/<name>"
std::string local_identifier_system(std::string_view name);

// Code systems FHIR and HL7 define, used by more than one resource.
namespace hl7 {
inline constexpr std::string_view kObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";
inline constexpr std::string_view kDataAbsentReason = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
inline constexpr std::string_view kActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
inline constexpr std::string_view kActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
inline constexpr std::string_view kRoleCode = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
inline constexpr std::string_view kParticipationType = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
inline constexpr std::string_view kConditionCategory = "http://terminology.hl7.org/CodeSystem/condition-category";
inline constexpr std::string_view kConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";
inline constexpr std::string_view kConsentScope = "http://terminology.hl7.org/CodeSystem/consentscope";
inline constexpr std::string_view kSecurityService = "http://terminology.hl7.org/CodeSystem/restful-security-service";
}  // namespace hl7

// National code systems with an OID in WS/T 500.
inline constexpr std::string_view kGbt2261Sex = "urn:oid:2.16.156.10011.2.3.3.4";  // GB/T 2261.1

}  // namespace kq::fhir
