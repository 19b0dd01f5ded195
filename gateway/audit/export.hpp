#pragma once
// The audit log in the forms other systems read (`kangqiao audit export`):
//   - FHIR R4 AuditEvent, one JSON resource per line (NDJSON), following the IHE Basic Audit Log
//     Patterns (BALP): type = the DICOM event id, subtype = the ISO 21089 lifecycle event,
//     action, recorded, outcome, the requesting principal and its organisation as agents, the
//     gateway as source, the message and the persons concerned as entities;
//   - RFC 5424 syslog lines (facility 13, "log audit"), as an IHE ATNA repository or any syslog
//     collector takes them: the chain fields as structured data, the entry's detail as the message.
// docs/operations.md ("Exporting the audit log") has the field-by-field mapping.
#include <string>
#include <string_view>

#include "gateway/audit/chain.hpp"

namespace kq::audit {

// One AuditEvent as a single line of JSON (no trailing newline). `node` names the gateway.
std::string fhir_audit_event(const StoredEntry& entry, std::string_view node);

// One RFC 5424 line (no trailing newline).
std::string syslog_line(const StoredEntry& entry, std::string_view node);

// DICOM PS3.16 CID 400 display names of the event ids the gateway writes ("" if unknown).
std::string_view dicom_event_display(std::string_view event_id);

}  // namespace kq::audit
