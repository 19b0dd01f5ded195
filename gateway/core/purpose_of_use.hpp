#pragma once
// Purposes of use: why a recipient asks for data. Every pull names one, and a consent or a
// statutory flow covers only the purposes it lists (PIPL art. 14: a new purpose needs a new
// consent). The built-in codes are HL7 v3 ActReason codes of the PurposeOfUse value set
// (OID 2.16.840.1.113883.1.11.20448), which FHIR Consent.provision.purpose and AuditEvent
// purposeOfUse use; a deployment adds local codes in its configuration (consent.purposes).
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kq::core {

struct PurposeOfUse {
  std::string_view code;     // e.g. "PUBHLTH"
  std::string_view display;  // HL7's display text
};

// The HL7 v3 purposes of use the gateway knows without configuration.
std::span<const PurposeOfUse> hl7_purposes_of_use();
bool is_hl7_purpose_of_use(std::string_view code);

// What is wrong with `code` as a purpose code (nothing when it is well formed): 1 to 64
// characters, ASCII letters, digits, '_', '-' and '.', so that it can travel in a query string,
// an audit entry and a FHIR coding without escaping.
std::optional<std::string> check_purpose_code(std::string_view code);

}  // namespace kq::core
