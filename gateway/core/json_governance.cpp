// JSON field lists of Consent, Provenance and AuditEvent.
#include "gateway/core/json_io.hpp"

namespace kq::core::json_io {

namespace {

void fields(auto& io, Of<ConsentGrantor> auto& s) {
  io.field("person_id", s.person_id);
  io.field("name", s.name);
  io.field("relationship", s.relationship);
}

void fields(auto& io, Of<Consent> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("status", s.status);
  io.field("grantor", s.grantor);
  io.field("grantor_is_guardian", s.grantor_is_guardian);
  io.field("scope", s.scope);
  io.field("purposes", s.purposes);
  io.field("data_categories", s.data_categories);
  io.field("recipients", s.recipients);
  io.field("separate_consent", s.separate_consent);
  io.field("lawful_basis", s.lawful_basis);
  io.field("granted_at", s.granted_at);
  io.field("period", s.period);
  io.field("withdrawn_at", s.withdrawn_at);
  io.field("notice_version", s.notice_version);
  io.field("method", s.method);
  io.field("evidence_id", s.evidence_id);
}

void fields(auto& io, Of<FieldLineage> auto& s) {
  io.field("target_path", s.target_path);
  io.field("source_location", s.source_location);
}

}  // namespace

json::value write(const std::vector<FieldLineage>& lineage, const json::storage_ptr& sp) {
  json::object out(sp);
  out.reserve(lineage.size());
  for (const FieldLineage& l : lineage) {
    json::value& place = out[l.target_path];
    if (place.is_string() && !place.get_string().empty()) {
      // The same field written from two places: keep both rather than lose one.
      json::string& both = place.get_string();
      both.append(", ");
      both.append(l.source_location);
    } else {
      place = l.source_location;
    }
  }
  return out;
}

void read(const json::value& v, const std::string& path, std::vector<FieldLineage>& out, Errors& errors) {
  if (v.is_array()) {
    // The form written before 2026-11-22 (a list of {target_path, source_location}): still read,
    // so that provenance stored then stays readable; written back as an object.
    out.clear();
    for (std::size_t i = 0; i < v.get_array().size(); ++i) {
      FieldLineage l;
      read(v.get_array()[i], index_path(path, i), l, errors);
      out.push_back(std::move(l));
    }
    return;
  }
  if (!v.is_object()) return type_error(v, path, "an object from target path to source place", errors);
  out.clear();
  out.reserve(v.get_object().size());
  for (const auto& entry : v.get_object()) {
    FieldLineage l;
    l.target_path.assign(entry.key().data(), entry.key().size());
    read(entry.value(), join_path(path, l.target_path), l.source_location, errors);
    out.push_back(std::move(l));
  }
}

bool same(const std::vector<FieldLineage>& lineage, const json::value& j) {
  const json::object* object = j.if_object();
  if (object == nullptr || object->size() != lineage.size()) return false;
  auto entry = object->begin();
  for (const FieldLineage& l : lineage) {
    if (entry->key() != l.target_path || !same(l.source_location, entry->value())) return false;
    ++entry;
  }
  return true;
}

namespace {

void fields(auto& io, Of<Provenance> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("mapping_name", s.mapping_name);
  io.field("mapping_version", s.mapping_version);
  io.field("source_system", s.source_system);
  io.field("channel", s.channel);
  io.field("message_id", s.message_id);
  io.field("received_at", s.received_at);
  io.field("activity", s.activity);
  io.field("raw_payload_hash", s.raw_payload_hash);
  io.field("target_ids", s.target_ids);
  io.field("lineage", s.lineage);
}

void fields(auto& io, Of<AuditAgent> auto& s) {
  io.field("user", s.user);
  io.field("role", s.role);
  io.field("org_id", s.org_id);
  io.field("ip", s.ip);
}

void fields(auto& io, Of<AuditEvent> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("recorded_at", s.recorded_at);
  io.field("type", s.type);
  io.field("action", s.action);
  io.field("outcome", s.outcome);
  io.field("agent", s.agent);
  io.field("source_node", s.source_node);
  io.field("entity_ids", s.entity_ids);
  io.field("query", s.query);
  io.field("purpose_of_use", s.purpose_of_use);
  io.field("consent_decision", s.consent_decision);
  io.field("consent_id", s.consent_id);
  io.field("detail", s.detail);
}

}  // namespace

KQ_JSON_IO_DEFINE(ConsentGrantor)
KQ_JSON_IO_DEFINE(Consent)
KQ_JSON_IO_DEFINE(FieldLineage)
KQ_JSON_IO_DEFINE(Provenance)
KQ_JSON_IO_DEFINE(AuditAgent)
KQ_JSON_IO_DEFINE(AuditEvent)

}  // namespace kq::core::json_io
