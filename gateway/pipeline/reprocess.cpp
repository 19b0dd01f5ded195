#include "gateway/pipeline/reprocess.hpp"

#include <future>
#include <map>
#include <set>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/record.hpp"
#include "gateway/core/record_kind.hpp"
#include "gateway/pipeline/batch_builder.hpp"
#include "gateway/pipeline/consent_checks.hpp"
#include "gateway/pipeline/derived_values.hpp"
#include "gateway/pipeline/document_batch.hpp"

namespace kq::pipeline {

namespace json = boost::json;
using Kind = ReprocessResult::Kind;

namespace {


std::string first_error_of(const std::vector<core::FieldError>& errors) {
  if (errors.empty()) return {};
  const auto& e = errors.front();
  return e.path.empty() ? e.message : e.path + ": " + e.message;
}

store::AuditEntry reprocess_audit(const std::string& actor, const store::RawMessage& m, store::AuditOutcome outcome,
                                  json::object detail) {
  detail["action"] = "reprocess";
  // Reprocessing is a re-import, by whoever ran it, of what the original sender sent.
  store::AuditEntry a = message_audit(store::audit_event::import, store::AuditAction::update, outcome, m.inbound,
                                      json::serialize(detail));
  a.actor = actor;
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

Reprocessor::Reprocessor(store::Store& store, AdapterLookup adapters,
                         std::shared_ptr<const mapping::MappingSet> mappings, std::string actor, bool field_lineage,
                         int guardian_age)
    : store_(store),
      adapters_(std::move(adapters)),
      mappings_(std::move(mappings)),
      actor_(std::move(actor)),
      field_lineage_(field_lineage),
      guardian_age_(guardian_age) {}

ReprocessResult Reprocessor::run(const std::string& message_id, bool dry_run) {
  ReprocessResult out;
  out.message_id = message_id;
  std::optional<store::StoredMessage> stored = store_.reader()->message(message_id);
  if (!stored) {
    out.first_error = "no stored message with this id";
    return out;
  }
  const store::RawMessage& raw = stored->message;
  out.file_name = raw.inbound.file_name;
  const auto adapter = adapters_(raw.inbound.adapter);
  if (!adapter) {
    out.first_error = "adapter '" + raw.inbound.adapter + "' that received it is not in this config";
    return out;
  }
  // Exactly as it arrived (the store keeps the whole inbound message), flagged as a replay.
  const plugin_host::DecodeResult decoded = adapter->decode(raw.inbound, /*replay=*/true);
  // A batch whose accepted documents are stored runs again only for the documents its open dead
  // letter names: the others' records exist, and running them again would only version them.
  std::set<std::size_t> failed_documents;
  if (decoded.document_mode == KQ_DOCUMENTS_INDEPENDENT && raw.status == store::MessageStatus::accepted) {
    for (const store::DeadLetterRow& d : store_.reader()->dead_letters_of_message(message_id)) {
      if (d.resolved_at_ms != 0) continue;
      const std::set<std::size_t> named = documents_named(d.last_errors.empty() ? d.errors_json : d.last_errors);
      failed_documents.insert(named.begin(), named.end());
    }
  }
  const bool only_failed = !failed_documents.empty();
  MessagePlan plan = plan_message(*adapter, raw.inbound, decoded, mappings_.get(), raw.sha256, field_lineage_,
                                  only_failed ? &failed_documents : nullptr);
  plan.sequences.clear();  // kept when the message arrived
  check_consents(plan, store_, guardian_age_);
  out.mappings = plan.mappings;
  if (plan.intended == KQ_OUTCOME_REJECTED) {
    plan.errors.front().message = "rejected by the adapter: " + plan.errors.front().message;
  }

  store::WriteBatch batch;
  batch.reprocess = store::Reprocess{message_id, plan.mappings, plan.errors.empty(), ""};
  if (!plan.errors.empty()) {
    out.kind = Kind::still_failing;
    out.first_error = first_error_of(plan.errors);
    if (dry_run) return out;
    batch.reprocess->errors_json = errors_to_json(plan.errors);
    json::object detail;
    detail["result"] = "still failing";
    detail["errors"] = plan.errors.size();
    detail["mapping"] = plan.mappings;
    batch.audit.push_back(reprocess_audit(actor_, raw, store::AuditOutcome::minor_failure, std::move(detail)));
    store::WriteResult written = submit_and_wait(std::move(batch));
    if (!written.ok()) {
      out.kind = Kind::store_failed;
      out.first_error = written.error;
    }
    return out;
  }

  if (!only_failed) reuse_record_ids(message_id, plan.records);
  // After the ids are settled, as on arrival: the alerts' ids come from the records' ids, and the
  // arrival time is "now", so the same message raises the same alerts again.
  derive_values(plan, rules_.get(), store_, raw.inbound.received_at_ms);
  batch.records = std::move(plan.records);
  batch.identities = std::move(plan.identities);
  batch.merges = std::move(plan.merges);
  batch.dedupe = plan.dedupe;
  out.kind = Kind::accepted;
  out.records = batch.records.size();
  out.merges = batch.merges.size();
  if (dry_run) return out;

  json::object detail;
  detail["result"] = "accepted";
  detail["records"] = batch.records.size();
  detail["mapping"] = plan.mappings;
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
      out.first_error = written.content_error ? first_error_of(written.errors) : written.error;
      if (written.content_error) {
        // Nothing was written by the failed batch: record the attempt on its own.
        store::WriteBatch attempt;
        attempt.reprocess = store::Reprocess{message_id, out.mappings, false, errors_to_json(written.errors)};
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
