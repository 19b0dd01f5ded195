#include "gateway/pipeline/batch_builder.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/pipeline/document_batch.hpp"
#include "gateway/pipeline/merges.hpp"

namespace kq::pipeline {

namespace {

// The provenance's source system: the adapter instance, and the sender's principal when known.
std::string source_system_of(const plugin_host::Inbound& in) {
  return in.principal.empty() ? in.adapter : in.adapter + "@" + in.principal;
}

std::string count_text(std::size_t n) { return std::to_string(n) + " field error(s)"; }

}  // namespace

std::string dedupe_scope(const plugin_host::Inbound& in) {
  return in.organisation.empty() ? in.adapter : in.adapter + "|" + in.organisation;
}

MessagePlan plan_message(const plugin_host::AdapterInstance& adapter, const plugin_host::Inbound& in,
                         const plugin_host::DecodeResult& decoded, const mapping::MappingSet* mappings,
                         const std::string& payload_sha256, bool field_lineage,
                         const std::set<std::size_t>* only_documents,
                         DocumentHooks hooks) {
  MessagePlan plan;
  if (!decoded.message_key.empty()) {
    plan.dedupe = store::DedupeKey{dedupe_scope(in), decoded.message_key, true,
                                   adapter.settings().dedupe_window.count()};
  }
  plan.document_mode = decoded.document_mode;
  for (const plugin_host::SequenceReport& s : decoded.sequences) {
    plan.sequences.push_back(store::SequenceNumber{dedupe_scope(in), s.stream, s.number});
  }
  if (decoded.rejection) {
    plan.intended = KQ_OUTCOME_REJECTED;
    plan.errors.push_back(*decoded.rejection);
    const core::FieldError& r = *decoded.rejection;
    plan.reason = r.path.empty() ? r.message : r.path + ": " + r.message;
    plan.dedupe.reset();  // a rejected message takes no key: the corrected resend will
    plan.sequences.clear();  // nor its number: the sender sends the batch again
    return plan;
  }
  mapping::MappingBinding binding{adapter.name(), adapter.settings().mappings};
  MappingContext context;
  context.mappings = mappings;
  context.binding = &binding;
  context.variables = adapter.settings().mapping_variables;
  context.sender_org = in.organisation;
  context.field_lineage = field_lineage;
  context.hooks = std::move(hooks);
  const MessageOrigin origin{source_system_of(in), in.received_at_ms, decoded.message_key, payload_sha256};
  if (decoded.document_mode == KQ_DOCUMENTS_INDEPENDENT) {
    plan_independent_documents(decoded, in, context, origin, only_documents, plan);
    return plan;
  }
  RecordsOrErrors converted = records_from_documents(decoded.documents, in, context);
  plan.mappings = std::move(converted.mappings);
  plan.errors = decoded.errors;
  plan.errors.insert(plan.errors.end(), std::make_move_iterator(converted.errors.begin()),
                     std::make_move_iterator(converted.errors.end()));
  if (!plan.errors.empty()) {
    plan.intended = KQ_OUTCOME_CONTENT_ERROR;
    plan.reason = count_text(plan.errors.size());
    // A reused key is a conflict even when the new content is also invalid; the key stays free.
    if (plan.dedupe) plan.dedupe->claim = false;
    return plan;
  }
  add_provenance(converted, origin);
  plan.records = std::move(converted.records);
  plan.identities = std::move(converted.identities);
  plan.merges = merges_of(plan.records);
  return plan;
}

store::AuditEntry message_audit(std::string_view event, store::AuditAction action, store::AuditOutcome outcome,
                                const plugin_host::Inbound& in, std::string detail) {
  boost::json::object d;
  d["adapter"] = in.adapter;
  d["transport"] = core::to_string(in.transport);
  d["channel"] = in.channel;
  d["peer"] = in.peer_address;
  if (!detail.empty()) d["detail"] = std::move(detail);
  store::AuditEntry a;
  a.event_type = std::string(event);
  a.action = action;
  a.outcome = outcome;
  a.actor = in.principal.empty() ? "anonymous" : in.principal;
  a.org_id = in.organisation;
  a.detail_json = boost::json::serialize(d);
  return a;
}

store::WriteBatch arrival_batch(const plugin_host::Inbound& in, std::string payload_sha256, MessagePlan& plan) {
  store::WriteBatch batch;
  store::RawMessage raw;
  raw.inbound = in;
  raw.sha256 = std::move(payload_sha256);
  batch.dedupe = plan.dedupe;
  switch (plan.intended) {
    case KQ_OUTCOME_REJECTED:
      raw.status = store::MessageStatus::rejected;
      raw.error = errors_to_json(plan.errors);
      batch.audit.push_back(message_audit(store::audit_event::import, store::AuditAction::create,
                                          store::AuditOutcome::minor_failure, in, "rejected: " + plan.reason));
      break;
    case KQ_OUTCOME_CONTENT_ERROR:
      raw.status = store::MessageStatus::dead_letter;
      raw.error = errors_to_json(plan.errors);
      batch.dead_letter = store::DeadLetter{"", raw.error, plan.mappings};
      batch.audit.push_back(message_audit(store::audit_event::import, store::AuditAction::create,
                                          store::AuditOutcome::minor_failure, in, plan.reason));
      break;
    default:
      if (!plan.errors.empty()) {
        // A batch with rejected documents: the accepted ones are stored, and the payload keeps
        // the others' errors as its dead letter, so they can be corrected and run again.
        raw.error = errors_to_json(plan.errors);
        batch.dead_letter = store::DeadLetter{"", raw.error, plan.mappings};
      }
      batch.records = std::move(plan.records);
      batch.identities = std::move(plan.identities);
      batch.merges = std::move(plan.merges);
      batch.audit.push_back(message_audit(store::audit_event::import, store::AuditAction::create,
                                          plan.errors.empty() ? store::AuditOutcome::success
                                                              : store::AuditOutcome::minor_failure,
                                          in, plan.reason));
      break;
  }
  if (plan.intended != KQ_OUTCOME_REJECTED) batch.sequences = std::move(plan.sequences);
  batch.message = std::move(raw);
  return batch;
}

store::WriteBatch refusal_batch(const plugin_host::Inbound& in, kq_outcome_kind kind,
                                const std::vector<core::FieldError>& errors, const std::string& reason,
                                const std::string& mappings) {
  store::WriteBatch batch;
  store::RawMessage raw;
  raw.inbound = in;
  raw.error = errors_to_json(errors);
  if (kind == KQ_OUTCOME_CONTENT_ERROR) {
    raw.status = store::MessageStatus::dead_letter;
    batch.dead_letter = store::DeadLetter{"", raw.error, mappings};
    batch.audit.push_back(message_audit(store::audit_event::import, store::AuditAction::create,
                                        store::AuditOutcome::minor_failure, in, reason));
  } else {
    // A reused message key with other content: kept, and raised as a security event.
    raw.status = store::MessageStatus::rejected;
    batch.audit.push_back(message_audit(store::audit_event::security_alert, store::AuditAction::create,
                                        store::AuditOutcome::serious_failure, in, reason));
  }
  batch.message = std::move(raw);
  return batch;
}

}  // namespace kq::pipeline
