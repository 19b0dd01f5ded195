#include "gateway/pipeline/reprocess.hpp"

#include <future>
#include <map>
#include <set>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/record.hpp"
#include "gateway/core/record_kind.hpp"
#include "gateway/pipeline/documents.hpp"
#include "gateway/pipeline/merges.hpp"

namespace kq::pipeline {

namespace json = boost::json;
using Kind = ReprocessResult::Kind;

namespace {


std::string first_error_of(const std::vector<plugin_host::FieldError>& errors) {
  if (errors.empty()) return {};
  const auto& e = errors.front();
  return e.location.empty() ? e.message : e.location + ": " + e.message;
}

plugin_host::Inbound inbound_of(const store::RawMessage& m, kq_transport transport) {
  plugin_host::Inbound in;
  in.transport = transport;
  in.channel = m.channel;
  in.content_type = m.content_type;
  in.payload = m.payload;
  in.peer_address = m.peer;
  in.peer_organisation = m.org_id;
  in.received_at_ms = m.received_at_ms;
  return in;
}

// Replaces, anywhere in `v`, a string equal to a key of `renamed` by its value: records of one
// message refer to each other by id (an observation to its encounter).
void rename_references(json::value& v, const std::map<std::string, std::string>& renamed) {
  if (auto* s = v.if_string()) {
    auto it = renamed.find(std::string(*s));
    if (it != renamed.end()) *s = it->second;
  } else if (auto* a = v.if_array()) {
    for (json::value& item : *a) rename_references(item, renamed);
  } else if (auto* o = v.if_object()) {
    for (auto& item : *o) rename_references(item.value(), renamed);
  }
}

store::AuditEntry reprocess_audit(const std::string& actor, const store::RawMessage& m, store::AuditOutcome outcome,
                                  json::object detail) {
  detail["action"] = "reprocess";
  detail["adapter"] = m.source;
  store::AuditEntry a;
  a.event_type = std::string(store::audit_event::import);  // reprocessing is a re-import
  a.action = store::AuditAction::update;
  a.outcome = outcome;
  a.actor = actor;
  a.org_id = m.org_id;
  a.detail_json = json::serialize(detail);
  return a;
}

}  // namespace

std::string_view to_string(Kind kind) {
  switch (kind) {
    case Kind::accepted: return "accepted";
    case Kind::still_failing: return "still failing";
    case Kind::superseded: return "superseded";
    case Kind::not_possible: return "not possible";
    case Kind::store_failed: return "store failed";
  }
  return "unknown";
}

Reprocessor::Reprocessor(store::Store& store, AdapterLookup adapters, TransportOf transport_of,
                         std::shared_ptr<const mapping::MappingSet> mappings, std::string actor)
    : store_(store),
      adapters_(std::move(adapters)),
      transport_of_(std::move(transport_of)),
      mappings_(std::move(mappings)),
      actor_(std::move(actor)) {}

ReprocessResult Reprocessor::run(const std::string& message_id, bool dry_run) {
  ReprocessResult out;
  out.message_id = message_id;
  std::optional<store::StoredMessage> stored = store_.reader()->message(message_id);
  if (!stored) {
    out.first_error = "no stored message with this id";
    return out;
  }
  const store::RawMessage& raw = stored->message;
  const auto adapter = adapters_(raw.source);
  if (!adapter) {
    out.first_error = "adapter '" + raw.source + "' that received it is not in this config";
    return out;
  }
  const plugin_host::Inbound in = inbound_of(raw, transport_of_(raw));
  plugin_host::DecodeResult decoded = adapter->decode(in);
  std::vector<plugin_host::FieldError> errors = std::move(decoded.errors);
  RecordsOrErrors converted;
  if (decoded.rejection) {
    errors.insert(errors.begin(), {"", "rejected by the adapter: " + *decoded.rejection});
  } else {
    converted = records_from_documents(decoded.documents, mappings_.get(), raw.org_id);
    errors.insert(errors.end(), converted.errors.begin(), converted.errors.end());
  }
  out.mappings = converted.mappings;

  store::WriteBatch batch;
  batch.reprocess = store::Reprocess{message_id, converted.mappings, errors.empty(), ""};
  if (!errors.empty()) {
    out.kind = Kind::still_failing;
    out.first_error = first_error_of(errors);
    if (dry_run) return out;
    batch.reprocess->errors_json = errors_to_json(errors);
    json::object detail;
    detail["result"] = "still failing";
    detail["errors"] = errors.size();
    detail["mapping"] = converted.mappings;
    batch.audit.push_back(reprocess_audit(actor_, raw, store::AuditOutcome::minor_failure, std::move(detail)));
    store::WriteResult written = submit_and_wait(std::move(batch));
    if (!written.ok()) {
      out.kind = Kind::store_failed;
      out.first_error = written.error;
    }
    return out;
  }

  add_provenance(converted, MessageOrigin{raw.source, raw.received_at_ms, decoded.message_key, raw.sha256});
  reuse_record_ids(message_id, converted.records);
  batch.records = std::move(converted.records);
  batch.identities = std::move(converted.identities);
  batch.merges = merges_of(batch.records);
  if (!decoded.message_key.empty()) batch.dedupe = store::DedupeKey{raw.source, decoded.message_key};
  out.kind = Kind::accepted;
  out.records = batch.records.size();
  out.merges = batch.merges.size();
  if (dry_run) return out;

  json::object detail;
  detail["result"] = "accepted";
  detail["records"] = batch.records.size();
  detail["mapping"] = converted.mappings;
  batch.audit.push_back(reprocess_audit(actor_, raw, store::AuditOutcome::success, std::move(detail)));
  store::WriteResult written = submit_and_wait(std::move(batch));
  switch (written.status) {
    case store::WriteStatus::committed:
      out.records = written.records.size();
      break;
    case store::WriteStatus::duplicate:
      out.kind = Kind::superseded;
      out.records = 0;
      out.superseded_by = written.original_message_id;
      break;
    case store::WriteStatus::conflict:
    case store::WriteStatus::failed:
      out.kind = written.content_error ? Kind::still_failing : Kind::store_failed;
      out.records = 0;
      out.first_error = written.error;
      if (written.content_error) {
        // Nothing was written by the failed batch: record the attempt on its own.
        store::WriteBatch attempt;
        attempt.reprocess = store::Reprocess{message_id, out.mappings, false,
                                             errors_to_json({{"", written.error}})};
        json::object d;
        d["result"] = "still failing";
        d["mapping"] = out.mappings;
        attempt.audit.push_back(reprocess_audit(actor_, raw, store::AuditOutcome::minor_failure, std::move(d)));
        (void)submit_and_wait(std::move(attempt));
      }
      break;
  }
  return out;
}

void Reprocessor::reuse_record_ids(const std::string& message_id,
                                   std::vector<store::RecordEnvelope>& records) {
  const std::string_view person = core::kind_name(core::RecordKind::person);
  // Ids the message produced before, by kind, in the order they were first written.
  std::map<std::string, std::vector<std::string>, std::less<>> earlier;
  std::set<std::string, std::less<>> known;
  for (const store::StoredRecord& r : store_.reader()->records_of_message(message_id)) {
    if (r.kind == person || !known.insert(r.id).second) continue;
    earlier[r.kind].push_back(r.id);
  }
  if (earlier.empty()) return;
  std::set<std::string, std::less<>> taken;
  for (const store::RecordEnvelope& r : records) {
    if (known.contains(r.id)) taken.insert(r.id);  // keyed ids come out the same by themselves
  }
  std::map<std::string, std::string> renamed;
  std::map<std::string, std::size_t, std::less<>> next;
  for (store::RecordEnvelope& r : records) {
    if (r.kind == person || known.contains(r.id)) continue;
    auto it = earlier.find(r.kind);
    if (it == earlier.end()) continue;
    std::size_t& i = next[r.kind];
    while (i < it->second.size() && taken.contains(it->second[i])) ++i;
    if (i == it->second.size()) continue;  // more records of this kind than before: a new one
    const std::string reused = it->second[i++];
    taken.insert(reused);
    if (!r.id.empty()) renamed[r.id] = reused;
    core::assign_id(r, reused);
  }
  if (renamed.empty()) return;
  for (store::RecordEnvelope& r : records) {
    json::value body(std::move(r.body));
    rename_references(body, renamed);
    r.body = std::move(body.as_object());
  }
}

store::WriteResult Reprocessor::submit_and_wait(store::WriteBatch batch) {
  auto promise = std::make_shared<std::promise<store::WriteResult>>();
  auto future = promise->get_future();
  store_.submit(std::move(batch), [promise](store::WriteResult r) { promise->set_value(std::move(r)); });
  return future.get();
}

}  // namespace kq::pipeline
