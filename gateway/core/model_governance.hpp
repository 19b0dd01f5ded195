#pragma once
// Consent, provenance and audit: the records that say whether data may flow, where it came from
// and who saw it.
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/model_common.hpp"
#include "gateway/core/record_kind.hpp"

namespace kq::core {

struct ConsentGrantor {
  std::optional<std::string> person_id;     // when the grantor is a Person in the gateway
  std::optional<std::string> name;
  std::optional<std::string> relationship;  // GB/T 4761, e.g. parent
  bool operator==(const ConsentGrantor&) const = default;
};

// PIPL consent, or the non-consent lawful basis of a flow. person_id is the subject.
struct Consent {
  static constexpr RecordKind kKind = RecordKind::consent;
  std::string id;
  std::string person_id;  // the subject
  std::string org_id;     // the organisation that obtained and holds the consent
  std::string status;     // draft | active | rejected | withdrawn | expired
  std::optional<ConsentGrantor> grantor;
  // Required when the subject is under 14 on the grant date (PIPL Art. 31).
  bool grantor_is_guardian = false;
  std::optional<std::string> scope;  // patient-privacy | treatment | research | school-health-feedback
  std::vector<std::string> purposes;
  std::vector<std::string> data_categories;  // physical_fitness | vision | health_exam | mental_health | …
  std::vector<std::string> recipients;       // org ids or roles
  bool separate_consent = false;             // 单独同意 (PIPL Art. 29)
  // consent | statutory_duty | public_health_emergency | contract | vital_interest
  std::string lawful_basis;
  std::optional<DateTime> granted_at;
  std::optional<DatePeriod> period;
  std::optional<DateTime> withdrawn_at;
  std::optional<std::string> notice_version;
  std::optional<std::string> method;       // paper | e-signature | app
  std::optional<std::string> evidence_id;  // 知情同意书编号
  bool operator==(const Consent&) const = default;
};

// Which source field produced which canonical field.
struct FieldLineage {
  std::string target_path;      // "identifiers[0].value"
  std::string source_location;  // "PID-3[1].1", "/ClinicalDocument/…", "sheet1!C7", "row 12 col 姓名"
  bool operator==(const FieldLineage&) const = default;
};

struct Provenance {
  static constexpr RecordKind kKind = RecordKind::provenance;
  std::string id;
  std::string person_id;  // may be empty
  std::string org_id;     // the sending organisation when known
  std::string mapping_name;
  std::string mapping_version;
  std::string source_system;  // "HIS@hospital-x", "BJ-district-clinic-POS-0231"
  std::string channel;        // hl7v2-mllp | http-json | cda | excel-import | card-reader | …
  std::optional<std::string> message_id;  // MSH-10, file name + row, …
  std::optional<DateTime> received_at;
  std::optional<std::string> activity;  // ingest | transform | merge | score | amend | export
  std::optional<std::string> raw_payload_hash;
  std::vector<std::string> target_ids;  // the records this provenance covers
  std::vector<FieldLineage> lineage;
  bool operator==(const Provenance&) const = default;
};

struct AuditAgent {
  std::optional<std::string> user;
  std::optional<std::string> role;
  std::optional<std::string> org_id;
  std::optional<std::string> ip;
  bool operator==(const AuditAgent&) const = default;
};

// One access to, or decision about, person-level data. The hash chain that makes the log
// tamper-evident is kept by the audit log itself, not in this record.
struct AuditEvent {
  static constexpr RecordKind kKind = RecordKind::audit_event;
  std::string id;
  std::string person_id;  // the subject, when the event concerns one person
  std::string org_id;
  std::optional<DateTime> recorded_at;
  std::string type;     // rest | export | query | ingest | consent
  std::string action;   // C | R | U | D | E
  std::string outcome;  // success | denied | failure
  std::optional<AuditAgent> agent;
  std::optional<std::string> source_node;
  std::vector<std::string> entity_ids;
  std::optional<std::string> query;
  std::optional<std::string> purpose_of_use;
  std::optional<std::string> consent_decision;  // permit | deny
  std::optional<std::string> consent_id;
  std::optional<std::string> detail;
  bool operator==(const AuditEvent&) const = default;
};

}  // namespace kq::core
