#include "gateway/pipeline/documents.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/record.hpp"
#include "gateway/core/uuid.hpp"

namespace kq::pipeline {

namespace json = boost::json;

namespace {

std::string string_field(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Person records name their identifiers; the store resolves them to one person id.
void collect_identities(store::RecordEnvelope& rec, std::vector<store::IdentityLink>& out) {
  if (rec.kind != "person") return;
  if (rec.id.empty()) core::assign_id(rec, core::new_uuid());
  const json::value* ids = rec.body.if_contains("identifiers");
  if (ids == nullptr || !ids->is_array()) return;
  for (const json::value& id : ids->as_array()) {
    if (!id.is_object()) continue;
    std::string system = string_field(id.as_object(), "system");
    std::string value = string_field(id.as_object(), "value");
    if (!system.empty() && !value.empty()) out.push_back({rec.id, std::move(system), std::move(value)});
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

}  // namespace

RecordsOrErrors records_from_documents(const std::vector<plugin_host::DecodedDocument>& documents) {
  RecordsOrErrors out;
  if (documents.empty()) {
    out.errors.push_back({"", "the adapter produced no document"});
    return out;
  }
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const auto& doc = documents[d];
    const std::string prefix = documents.size() > 1 ? "documents[" + std::to_string(d) + "]." : "";
    if (doc.format != "canonical+json") {
      out.errors.push_back({prefix.empty() ? "document" : prefix,
                            "no mapping is configured for format '" + doc.format + "'"});
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
