#include "gateway/pipeline/documents.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/record.hpp"
#include "gateway/core/uuid.hpp"
#include "gateway/pipeline/identity_keys.hpp"

namespace kq::pipeline {

namespace json = boost::json;

namespace {

// Person records name their identifiers; the store resolves them to one person id.
void collect_identities(store::RecordEnvelope& rec, std::vector<store::IdentityLink>& out) {
  if (rec.kind != "person") return;
  // Only a reference within the batch: the store files the person under the id it resolves.
  if (rec.id.empty()) core::assign_id(rec, core::new_uuid());
  const json::value* ids = rec.body.if_contains("identifiers");
  if (ids == nullptr || !ids->is_array()) return;
  for (const json::value& id : ids->as_array()) {
    if (!id.is_object()) continue;
    if (auto key = identity_key(id.as_object())) {
      out.push_back({rec.id, std::move(key->system), std::move(key->value)});
    }
  }
}

void add_record(const json::value& v, const std::string& where, RecordsOrErrors& out) {
  core::EnvelopeResult parsed = core::envelope_from_json(v);
  for (const auto& e : parsed.errors) {
    out.errors.push_back({where + e.path, e.message});
  }
  if (!parsed.ok()) return;
  collect_identities(parsed.envelope, out.identities);
  out.records.push_back(std::move(parsed.envelope));
}

// "hl7v2;charset=GB18030" → ("hl7v2", "GB18030")
std::pair<std::string, std::string> split_format(const std::string& format) {
  const std::size_t semi = format.find(';');
  if (semi == std::string::npos) return {format, {}};
  std::string charset;
  const std::string params = format.substr(semi + 1);
  if (params.rfind("charset=", 0) == 0) charset = params.substr(8);
  return {format.substr(0, semi), charset};
}

void add_mapped(const plugin_host::DecodedDocument& doc, const std::string& prefix,
                const mapping::MappingSet* mappings, const std::string& sender_org, bool field_lineage,
                RecordsOrErrors& out) {
  const auto [format, charset] = split_format(doc.format);
  if (mappings == nullptr) {
    out.errors.push_back({prefix.empty() ? "document" : prefix,
                          "no mappings are configured (mappings.directory) for format '" + format + "'"});
    return;
  }
  mapping::ApplyOptions options;
  options.sender_org = sender_org;
  options.lineage = field_lineage;  // kept in the provenance record
  for (mapping::MapResult& result : mappings->map(format, doc.body, options, charset)) {
    if (!result.mapping.empty()) {
      if (!out.mappings.empty()) out.mappings += ",";
      out.mappings += result.mapping + "@" + result.version;
    }
    for (const mapping::MapError& e : result.errors) {
      std::string message = e.message;
      if (!e.target.empty()) message += " (" + (e.record.empty() ? "" : e.record + ".") + e.target + ")";
      out.errors.push_back({prefix + e.location, std::move(message)});
    }
    if (result.records.empty()) continue;
    core::Provenance provenance;
    provenance.mapping_name = result.mapping;
    provenance.mapping_version = result.version;
    provenance.channel = format;
    provenance.org_id = sender_org;
    std::size_t persons = 0;
    for (mapping::MappedRecord& r : result.records) {
      // Every record gets its id now, so the provenance can name it.
      if (r.envelope.id.empty()) core::assign_new_id(r.envelope);
      collect_identities(r.envelope, out.identities);
      if (r.envelope.kind == core::kind_name(core::RecordKind::person)) {
        ++persons;
        provenance.person_id = r.envelope.id;
      }
      const std::string target = "target_ids[" + std::to_string(provenance.target_ids.size()) + "].";
      for (core::FieldLineage& l : r.lineage) {
        provenance.lineage.push_back({target + l.target_path, std::move(l.source_location)});
      }
      provenance.target_ids.push_back(r.envelope.id);
      out.records.push_back(std::move(r.envelope));
    }
    if (persons != 1) provenance.person_id.clear();  // about several people, or none
    out.provenance.push_back(std::move(provenance));
  }
}

}  // namespace

RecordsOrErrors records_from_documents(const std::vector<plugin_host::DecodedDocument>& documents,
                                       const mapping::MappingSet* mappings, const std::string& sender_org,
                                       bool field_lineage) {
  RecordsOrErrors out;
  if (documents.empty()) {
    out.errors.push_back({"", "the adapter produced no document"});
    return out;
  }
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const auto& doc = documents[d];
    const std::string prefix = documents.size() > 1 ? "documents[" + std::to_string(d) + "]." : "";
    if (doc.format != "canonical+json") {
      add_mapped(doc, prefix, mappings, sender_org, field_lineage, out);
      continue;
    }
    boost::system::error_code ec;
    json::value v = json::parse(doc.body, ec);
    if (ec) {
      out.errors.push_back({prefix.empty() ? "body" : prefix, "not valid JSON: " + ec.message()});
      continue;
    }
    if (v.is_array()) {
      const auto& arr = v.as_array();
      if (arr.empty()) out.errors.push_back({prefix.empty() ? "body" : prefix, "the array holds no record"});
      for (std::size_t i = 0; i < arr.size(); ++i) {
        add_record(arr[i], prefix + "[" + std::to_string(i) + "].", out);
      }
    } else {
      add_record(v, prefix, out);
    }
  }
  return out;
}

void add_provenance(RecordsOrErrors& converted, const MessageOrigin& origin) {
  for (core::Provenance& p : converted.provenance) {
    p.source_system = origin.source_system;
    p.received_at = core::DateTime::from_utc_millis(origin.received_at_ms);
    if (!origin.message_key.empty()) p.message_id = origin.message_key;
    if (!origin.payload_sha256.empty()) p.raw_payload_hash = origin.payload_sha256;
    p.activity = "transform";
    store::RecordEnvelope envelope = core::to_envelope(p);
    core::assign_new_id(envelope);
    converted.records.push_back(std::move(envelope));
  }
  converted.provenance.clear();
}

std::string errors_to_json(const std::vector<plugin_host::FieldError>& errors) {
  json::array arr;
  for (const auto& e : errors) {
    json::object o;
    o["field"] = e.location;
    o["reason"] = e.message;
    arr.push_back(std::move(o));
  }
  return json::serialize(arr);
}

}  // namespace kq::pipeline
