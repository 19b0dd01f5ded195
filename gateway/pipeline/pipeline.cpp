#include "gateway/pipeline/pipeline.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/log/log.hpp"
#include "gateway/pipeline/documents.hpp"
#include "gateway/pipeline/merges.hpp"
#include "gateway/store/prepared_batch.hpp"

namespace kq::pipeline {

using plugin_host::Outcome;

namespace {

using store::AuditOutcome;
namespace audit_event = store::audit_event;

const char* outcome_name(kq_outcome_kind kind) {
  switch (kind) {
    case KQ_OUTCOME_COMMITTED: return "committed";
    case KQ_OUTCOME_DUPLICATE: return "duplicate";
    case KQ_OUTCOME_CONTENT_ERROR: return "content_error";
    case KQ_OUTCOME_REJECTED: return "rejected";
    case KQ_OUTCOME_CONFLICT: return "conflict";
    case KQ_OUTCOME_TRANSIENT: return "transient";
  }
  return "unknown";
}

store::AuditEntry audit_entry(std::string_view event, AuditOutcome outcome, const plugin_host::Inbound& in,
                              const std::string& adapter, const std::string& detail) {
  boost::json::object d;
  d["adapter"] = adapter;
  d["channel"] = in.channel;
  d["peer"] = in.peer_address;
  if (!detail.empty()) d["detail"] = detail;
  store::AuditEntry a;
  a.event_type = std::string(event);
  a.action = store::AuditAction::create;
  a.outcome = outcome;
  a.actor = in.peer_principal.empty() ? "anonymous" : in.peer_principal;
  a.org_id = in.peer_organisation;
  a.detail_json = boost::json::serialize(d);
  return a;
}

// The inbound payload exactly as received, as the store keeps it.
store::RawMessage raw_message_of(const plugin_host::Inbound& in, const std::string& adapter) {
  store::RawMessage raw;
  raw.source = adapter;
  raw.channel = in.channel;
  raw.content_type = in.content_type;
  raw.payload = in.payload;
  raw.received_at_ms = in.received_at_ms;
  raw.peer = in.peer_address;
  raw.org_id = in.peer_organisation;
  return raw;
}

// The provenance's source system: the adapter instance, and the sender's principal when known.
std::string source_system_of(const plugin_host::Inbound& in, const std::string& adapter) {
  return in.peer_principal.empty() ? adapter : adapter + "@" + in.peer_principal;
}

}  // namespace

struct Pipeline::Job {
  std::shared_ptr<const plugin_host::AdapterInstance> adapter;
  plugin_host::Inbound inbound;
  Done done;
  std::chrono::steady_clock::time_point started;
  kq_outcome_kind intended = KQ_OUTCOME_COMMITTED;  // what the batch means if it commits
  std::vector<plugin_host::FieldError> errors;
  std::string reason;
  std::string mappings;  // names@versions that mapped the message, for a later dead letter
};

Pipeline::Pipeline(store::Store& store, boost::asio::thread_pool& blocking, metrics::Registry& metrics,
                   MappingsProvider mappings, bool field_lineage)
    : store_(store),
      mappings_(std::move(mappings)),
      field_lineage_(field_lineage),
      blocking_(blocking),
      messages_(metrics.counter("kangqiao_messages_total",
                                "Inbound messages by adapter and outcome.", {"adapter", "outcome"})),
      latency_(metrics.histogram("kangqiao_message_duration_seconds",
                                 "Time from receipt to acknowledgement, by adapter.", {"adapter"},
                                 metrics::latency_buckets())) {}

void Pipeline::ingest(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                      plugin_host::Inbound inbound, Done done) {
  auto job = std::make_shared<Job>();
  job->adapter = std::move(adapter);
  job->inbound = std::move(inbound);
  job->done = std::move(done);
  job->started = std::chrono::steady_clock::now();
  ++in_flight_;
  boost::asio::post(blocking_, [this, job] { decode_and_submit(job); });
}

void Pipeline::decode_and_submit(std::shared_ptr<Job> job) {
  const auto& in = job->inbound;
  const std::string& adapter = job->adapter->name();
  plugin_host::DecodeResult decoded = job->adapter->decode(in);

  store::WriteBatch batch;
  store::RawMessage raw = raw_message_of(in, adapter);

  if (decoded.rejection) {
    job->intended = KQ_OUTCOME_REJECTED;
    job->reason = *decoded.rejection;
    raw.status = store::MessageStatus::rejected;
    raw.error = *decoded.rejection;
    batch.audit.push_back(audit_entry(audit_event::import, AuditOutcome::minor_failure, in, adapter, "rejected: " + job->reason));
  } else {
    const auto mapping_set = mappings_ ? mappings_() : nullptr;
    RecordsOrErrors converted =
        records_from_documents(decoded.documents, mapping_set.get(), in.peer_organisation, field_lineage_);
    job->mappings = converted.mappings;
    job->errors = std::move(decoded.errors);
    job->errors.insert(job->errors.end(), converted.errors.begin(), converted.errors.end());
    if (!job->errors.empty()) {
      job->intended = KQ_OUTCOME_CONTENT_ERROR;
      job->reason = std::to_string(job->errors.size()) + " field error(s)";
      raw.status = store::MessageStatus::dead_letter;
      raw.error = errors_to_json(job->errors);
      batch.dead_letter = store::DeadLetter{"", raw.error, converted.mappings};
      // A reused key is a conflict even when the new content is also invalid; the key stays free.
      if (!decoded.message_key.empty()) {
        batch.dedupe = store::DedupeKey{adapter, decoded.message_key, /*claim=*/false};
      }
      batch.audit.push_back(audit_entry(audit_event::import, AuditOutcome::minor_failure, in, adapter, job->reason));
    } else {
      raw.sha256 = store::sha256_hex(raw.payload);  // once: the provenance and the store share it
      add_provenance(converted, MessageOrigin{source_system_of(in, adapter), in.received_at_ms,
                                              decoded.message_key, raw.sha256});
      batch.records = std::move(converted.records);
      batch.identities = std::move(converted.identities);
      batch.merges = merges_of(batch.records);
      if (!decoded.message_key.empty()) batch.dedupe = store::DedupeKey{adapter, decoded.message_key};
      batch.audit.push_back(audit_entry(audit_event::import, AuditOutcome::success, in, adapter, ""));
    }
  }
  batch.message = std::move(raw);
  store_.submit(std::move(batch), [this, job](store::WriteResult result) {
    // The writer thread must not wait for plugin code: acknowledge on the blocking pool.
    boost::asio::post(blocking_, [this, job, result = std::move(result)]() mutable {
      on_written(job, std::move(result));
    });
  });
}

void Pipeline::on_written(std::shared_ptr<Job> job, store::WriteResult result) {
  Outcome outcome;
  outcome.message_id = result.message_id;
  switch (result.status) {
    case store::WriteStatus::committed:
      outcome.kind = job->intended;
      outcome.errors = job->errors;
      outcome.reason = job->reason;
      for (const auto& r : result.records) outcome.record_ids.push_back(r.id);
      break;
    case store::WriteStatus::duplicate:
      outcome.kind = KQ_OUTCOME_DUPLICATE;
      outcome.message_id = result.original_message_id;
      for (const auto& r : result.records) outcome.record_ids.push_back(r.id);
      break;
    case store::WriteStatus::conflict: {
      // Same message key, other content: keep the raw input as rejected and raise an alert,
      // then tell the sender. A second, small batch: the first wrote nothing.
      outcome.kind = KQ_OUTCOME_CONFLICT;
      outcome.reason = "message key was already used by message " + result.original_message_id +
                       " with different content";
      const auto& in = job->inbound;
      store::WriteBatch batch;
      store::RawMessage raw = raw_message_of(in, job->adapter->name());
      raw.status = store::MessageStatus::rejected;
      raw.error = outcome.reason;
      batch.message = std::move(raw);
      batch.audit.push_back(audit_entry(audit_event::security_alert, AuditOutcome::serious_failure, in, job->adapter->name(), outcome.reason));
      log::warn("message_key_conflict", {{"adapter", job->adapter->name()},
                                         {"original_message_id", result.original_message_id}});
      store_.submit(std::move(batch), [this, job, outcome](store::WriteResult second) mutable {
        outcome.message_id = second.ok() ? second.message_id : std::string();
        if (!second.ok()) {
          outcome.kind = KQ_OUTCOME_TRANSIENT;
          outcome.reason = "store unavailable: " + second.error;
        }
        boost::asio::post(blocking_, [this, job, outcome = std::move(outcome)]() mutable {
          finish(job, std::move(outcome));
        });
      });
      return;
    }
    case store::WriteStatus::failed:
      if (result.content_error) {
        keep_as_dead_letter(job, std::move(result.error));
        return;
      }
      outcome.kind = KQ_OUTCOME_TRANSIENT;
      outcome.message_id.clear();
      outcome.reason = "not stored: " + result.error;
      log::error("store_write_failed", {{"adapter", job->adapter->name()}, {"error", result.error}});
      break;
  }
  finish(job, std::move(outcome));
}

// The batch contradicted the store (e.g. a person merged into itself) and wrote nothing: keep the
// raw input as a dead letter with the store's reason, as if the mapping had found the error.
void Pipeline::keep_as_dead_letter(std::shared_ptr<Job> job, std::string error) {
  const auto& in = job->inbound;
  const std::string& adapter = job->adapter->name();
  Outcome outcome;
  outcome.kind = KQ_OUTCOME_CONTENT_ERROR;
  const std::size_t colon = error.find(": ");
  if (colon != std::string::npos && colon < 40) {
    outcome.errors.push_back({error.substr(0, colon), error.substr(colon + 2)});
  } else {
    outcome.errors.push_back({"", error});
  }
  outcome.reason = "1 field error(s)";
  store::WriteBatch batch;
  store::RawMessage raw = raw_message_of(in, adapter);
  raw.status = store::MessageStatus::dead_letter;
  raw.error = errors_to_json(outcome.errors);
  batch.dead_letter = store::DeadLetter{"", raw.error, job->mappings};
  batch.message = std::move(raw);
  batch.audit.push_back(audit_entry(audit_event::import, AuditOutcome::minor_failure, in, adapter, outcome.reason));
  store_.submit(std::move(batch), [this, job, outcome](store::WriteResult second) mutable {
    outcome.message_id = second.ok() ? second.message_id : std::string();
    if (!second.ok()) {
      outcome.kind = KQ_OUTCOME_TRANSIENT;
      outcome.errors.clear();
      outcome.reason = "store unavailable: " + second.error;
    }
    boost::asio::post(blocking_, [this, job, outcome = std::move(outcome)]() mutable {
      finish(job, std::move(outcome));
    });
  });
}

void Pipeline::finish(std::shared_ptr<Job> job, Outcome outcome) {
  plugin_host::AckReply reply = job->adapter->acknowledge(job->inbound, outcome);
  const std::string& adapter = job->adapter->name();
  messages_.inc({adapter, outcome_name(outcome.kind)});
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - job->started;
  latency_.observe({adapter}, elapsed.count());
  log::debug("message_processed", {{"adapter", adapter},
                                   {"outcome", outcome_name(outcome.kind)},
                                   {"message_id", outcome.message_id},
                                   {"records", outcome.record_ids.size()}});
  job->done(std::move(reply));
  if (--in_flight_ == 0) {
    std::lock_guard lock(idle_mutex_);
    idle_cv_.notify_all();
  }
}

bool Pipeline::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(idle_mutex_);
  return idle_cv_.wait_for(lock, timeout, [this] { return in_flight_.load() == 0; });
}

}  // namespace kq::pipeline
