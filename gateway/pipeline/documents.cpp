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

// Person records name their identifiers; the store resolves them to one person id. Returns false
// for a person with no usable identifier: the identity index could never find it again, so every
// message about it would make another person.
bool collect_identities(store::RecordEnvelope& rec, std::vector<store::IdentityLink>& out) {
  if (rec.kind != "person") return true;
  // Only a reference within the batch: the store files the person under the id it resolves.
  if (rec.id.empty()) core::assign_id(rec, core::new_uuid());
  const std::size_t before = out.size();
  const json::value* ids = rec.body.if_contains("identifiers");
  if (ids != nullptr && ids->is_array()) {
    for (const json::value& id : ids->as_array()) {
      if (!id.is_object()) continue;
      if (auto key = identity_key(id.as_object())) {
        out.push_back({rec.id, std::move(key->system), std::move(key->value)});
      }
    }
  }
  return out.size() > before;
}

constexpr const char* kNoIdentifier =
    "a person needs at least one identifier (resident ID, student number, MRN, …) to be found again";

void add_record(const json::value& v, const std::string& where, const std::string& sender_org,
                RecordsOrErrors& out) {
  core::EnvelopeResult parsed = core::envelope_from_json(v);
  for (const auto& e : parsed.errors) {
    out.errors.push_back({where + e.path, e.message, e.kind});
  }
  if (!parsed.ok()) return;
  // A canonical record is taken as the client wrote it, so the client could name any
  // organisation: one that authenticated as an organisation writes that organisation's records
  // only (the store refuses an existing id of another organisation's record).
  if (!sender_org.empty() && !parsed.envelope.org_id.empty() && parsed.envelope.org_id != sender_org) {
    out.errors.push_back({where + "org_id",
                          "'" + parsed.envelope.org_id + "' is not the sending organisation ('" + sender_org +
                              "'): a client writes its own organisation's records only",
                          core::ErrorKind::not_permitted});
    return;
  }
  if (!collect_identities(parsed.envelope, out.identities)) {
    out.errors.push_back({where + "identifiers", kNoIdentifier, core::ErrorKind::required});
    return;
  }
  out.records.push_back(std::move(parsed.envelope));
}

void add_mapped(const plugin_host::DecodedDocument& doc, const plugin_host::Inbound& in, const std::string& prefix,
                const MappingContext& context, RecordsOrErrors& out) {
  const std::string& format = doc.format;
  if (context.mappings == nullptr) {
    out.errors.push_back({prefix.empty() ? "document" : prefix,
                          "no mappings are configured (mappings.directory) for format '" + format + "'",
                          core::ErrorKind::internal});
    return;
  }
  mapping::ApplyOptions options;
  options.sender_org = context.sender_org;
  if (in.received_at_ms > 0) options.received_at = core::DateTime::from_utc_millis(in.received_at_ms);
  options.lineage = context.field_lineage;  // kept in the provenance record
  options.variables = context.variables;
  mapping::MapInput input;
  input.format = format;
  input.bytes = doc.bytes(in);
  input.charset = doc.charset;
  if (doc.parsed) {
    input.parsed = doc.parsed.get();
    input.parsed_with = &doc.parsed_with;
  }
  for (mapping::MapResult& result : context.mappings->map(input, options, context.binding)) {
    if (!result.mapping.empty()) {
      if (!out.mappings.empty()) out.mappings += ",";
      out.mappings += result.mapping + "@" + result.version;
    }
    for (const mapping::MapError& e : result.errors) {
      std::string message = e.message;
      if (!e.target.empty()) message += " (" + (e.record.empty() ? "" : e.record + ".") + e.target + ")";
      out.errors.push_back({prefix + e.location, std::move(message), e.kind});
    }
    if (result.records.empty()) continue;
    core::Provenance provenance;
    provenance.mapping_name = result.mapping;
    provenance.mapping_version = result.version;
    provenance.channel = format;
    provenance.org_id = context.sender_org;
    std::size_t persons = 0;
    for (mapping::MappedRecord& r : result.records) {
      // Every record gets its id now, so the provenance can name it.
      if (r.envelope.id.empty()) core::assign_new_id(r.envelope);
      if (!collect_identities(r.envelope, out.identities)) {
        out.errors.push_back({prefix, std::string(kNoIdentifier) + " (" + r.rule + ".identifiers)",
                              core::ErrorKind::required});
        continue;
      }
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

RecordsOrErrors records_from_documents(std::span<const plugin_host::DecodedDocument> documents,
                                       const plugin_host::Inbound& in, const MappingContext& context) {
  RecordsOrErrors out;
  if (documents.empty()) {
    out.errors.push_back({"", "the adapter produced no document", core::ErrorKind::internal});
    return out;
  }
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const auto& doc = documents[d];
    const std::string prefix = documents.size() > 1 ? "documents[" + std::to_string(d) + "]." : "";
    if (doc.format != "canonical+json") {
      add_mapped(doc, in, prefix, context, out);
      continue;
    }
    boost::system::error_code ec;
    json::value v = json::parse(doc.bytes(in), ec);
    if (ec) {
      out.errors.push_back({prefix.empty() ? "body" : prefix, "not valid JSON: " + ec.message(), core::ErrorKind::structure});
      continue;
    }
    if (v.is_array()) {
      const auto& arr = v.as_array();
      if (arr.empty()) {
        out.errors.push_back({prefix.empty() ? "body" : prefix, "the array holds no record", core::ErrorKind::required});
      }
      for (std::size_t i = 0; i < arr.size(); ++i) {
        add_record(arr[i], prefix + "[" + std::to_string(i) + "].", context.sender_org, out);
      }
    } else {
      add_record(v, prefix, context.sender_org, out);
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

std::string errors_to_json(const std::vector<core::FieldError>& errors) {
  json::array arr;
  for (const auto& e : errors) {
    json::object o;
    o["field"] = e.path;
    o["reason"] = e.message;
    o["kind"] = core::to_string(e.kind);
    if (e.document > 0) o["document"] = e.document;
    arr.push_back(std::move(o));
  }
  return json::serialize(arr);
}

}  // namespace kq::pipeline
