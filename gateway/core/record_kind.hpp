#pragma once
// The kinds of canonical record, and their names as they appear in envelopes, the store and the
// pull API. The names are part of the external contract: add kinds, never rename them.
#include <array>
#include <optional>
#include <string_view>

namespace kq::core {

enum class RecordKind {
  person,
  organization,
  enrollment,
  encounter,
  observation,
  fitness_test,
  vision_screening,
  mental_health_screening,
  diagnosis,
  procedure,
  inpatient_summary,
  consent,
  provenance,
  audit_event,
  alert,
};

inline constexpr std::array<RecordKind, 15> kAllRecordKinds = {
    RecordKind::person,           RecordKind::organization,
    RecordKind::enrollment,       RecordKind::encounter,
    RecordKind::observation,      RecordKind::fitness_test,
    RecordKind::vision_screening, RecordKind::mental_health_screening,
    RecordKind::diagnosis,        RecordKind::procedure,
    RecordKind::inpatient_summary, RecordKind::consent,
    RecordKind::provenance,       RecordKind::audit_event,
    RecordKind::alert,
};

std::string_view kind_name(RecordKind kind);                 // "person", "fitness_test", …
std::optional<RecordKind> parse_kind(std::string_view name);  // exact, case-sensitive

}  // namespace kq::core
