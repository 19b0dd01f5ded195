#include "gateway/core/record_kind.hpp"

namespace kq::core {

std::string_view kind_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::person: return "person";
    case RecordKind::organization: return "organization";
    case RecordKind::enrollment: return "enrollment";
    case RecordKind::encounter: return "encounter";
    case RecordKind::observation: return "observation";
    case RecordKind::fitness_test: return "fitness_test";
    case RecordKind::vision_screening: return "vision_screening";
    case RecordKind::mental_health_screening: return "mental_health_screening";
    case RecordKind::diagnosis: return "diagnosis";
    case RecordKind::procedure: return "procedure";
    case RecordKind::inpatient_summary: return "inpatient_summary";
    case RecordKind::consent: return "consent";
    case RecordKind::provenance: return "provenance";
    case RecordKind::audit_event: return "audit_event";
    case RecordKind::alert: return "alert";
  }
  return "person";  // unreachable: every enumerator is handled above
}

std::optional<RecordKind> parse_kind(std::string_view name) {
  for (RecordKind kind : kAllRecordKinds) {
    if (kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace kq::core
