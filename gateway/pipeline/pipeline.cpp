#include "gateway/pipeline/pipeline.hpp"

#include <optional>

#include <boost/asio/post.hpp>

#include "gateway/log/log.hpp"
#include "gateway/pipeline/batch_builder.hpp"
#include "gateway/pipeline/consent_checks.hpp"
#include "gateway/pipeline/derived_values.hpp"
#include "gateway/store/prepared_batch.hpp"

namespace kq::pipeline {

using plugin_host::Outcome;

namespace {

const char* outcome_name(kq_outcome_kind kind) {
  switch (kind) {
    case KQ_OUTCOME_COMMITTED: return "committed";
    case KQ_OUTCOME_DUPLICATE: return "duplicate";
    case KQ_OUTCOME_CONTENT_ERROR: return "content_error";
    case KQ_OUTCOME_REJECTED: return "rejected";
    case KQ_OUTCOME_CONFLICT: return "conflict";
    case KQ_OUTCOME_TRANSIENT: return "transient";
    case KQ_OUTCOME_NOTHING_TO_DO: return "nothing_to_do";
  }
  return "unknown";
}

}  // namespace

struct Pipeline::Job {
  std::shared_ptr<const plugin_host::AdapterInstance> adapter;
  plugin_host::Inbound inbound;
  Done done;
  std::chrono::steady_clock::time_point started;
  // Declared after `adapter`, so destroyed before it: the plugin's state release runs while the
  // instance is alive.
  plugin_host::DecodeResult decoded;
  kq_outcome_kind intended = KQ_OUTCOME_COMMITTED;  // what the batch means if it commits
  std::vector<core::FieldError> errors;
  std::string reason;
  std::string mappings;  // names@versions that mapped the message, for a later dead letter
  kq_document_mode document_mode = KQ_DOCUMENTS_TOGETHER;
  std::vector<plugin_host::DocumentResult> documents;  // a batch: what became of each document
  std::vector<plugin_host::OutcomeNote> notes;         // derived values: for the receipt
  std::vector<std::string> alert_rules;                // alerts in the batch, counted once committed
  std::shared_ptr<const RosterChunk> roster;           // a chunk of a roster sync
};

namespace {

plugin_host::SequenceResult to_result(const store::SequenceFinding& f) {
  plugin_host::SequenceResult r;
  r.stream = f.stream;
  r.number = f.number;
  r.previous = f.previous;
  r.gap_first = f.gap_first;
  r.gap_last = f.gap_last;
  r.flags = (f.first ? KQ_SEQUENCE_FIRST : 0u) | (f.replay_of.empty() ? 0u : KQ_SEQUENCE_REPLAYED) |
            (f.late ? KQ_SEQUENCE_LATE : 0u);
  r.replay_of = f.replay_of;
  return r;
}

}  // namespace

Pipeline::Pipeline(store::Store& store, boost::asio::thread_pool& blocking, metrics::Registry& metrics,
                   MappingsProvider mappings, bool field_lineage, std::function<int()> guardian_age)
    : store_(store),
      mappings_(std::move(mappings)),
      field_lineage_(field_lineage),
      guardian_age_(std::move(guardian_age)),
      blocking_(blocking),
      messages_(metrics.counter("kangqiao_messages_total",
                                "Inbound messages by adapter and outcome.", {"adapter", "outcome"})),
      latency_(metrics.histogram("kangqiao_message_duration_seconds",
                                 "Time from receipt to acknowledgement, by adapter.", {"adapter"},
                                 metrics::latency_buckets())),
      alerts_(metrics.counter("kangqiao_alerts_total",
                              "Alert (预警) records committed, by the rule that raised them.", {"rule"})) {}

void Pipeline::ingest(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                      plugin_host::Inbound inbound, Done done) {
  ingest_roster_chunk(std::move(adapter), std::move(inbound), nullptr, std::move(done));
}

void Pipeline::ingest_roster_chunk(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                                   plugin_host::Inbound inbound, std::shared_ptr<const RosterChunk> chunk, Done done) {
  auto job = std::make_shared<Job>();
  job->roster = std::move(chunk);
  job->adapter = std::move(adapter);
  job->inbound = std::move(inbound);
  job->done = std::move(done);
  job->started = std::chrono::steady_clock::now();
  ++in_flight_;
  boost::asio::post(blocking_, [this, job] { decode_and_submit(job); });
}

std::shared_ptr<const PlannedChunk> Pipeline::planned_before(const RosterChunk& chunk) {
  std::lock_guard lock(planned_mutex_);
  auto it = planned_.find(chunk.run.id);
  return it != planned_.end() && it->second->number == chunk.number - 1 ? it->second : nullptr;
}

void Pipeline::forget_planned(const RosterChunk& chunk) {
  std::lock_guard lock(planned_mutex_);
  if (auto it = planned_.find(chunk.run.id); it != planned_.end() && it->second->number == chunk.number) {
    planned_.erase(it);
  }
}

void Pipeline::decode_and_submit(std::shared_ptr<Job> job) {
  // However this ends, the roster drop may send the next chunk afterwards (RosterChunk::on_planned).
  struct SignalPlanned {
    const RosterChunk* chunk;
    ~SignalPlanned() {
      if (chunk != nullptr && chunk->on_planned) chunk->on_planned();
    }
  } signal_planned{job->roster.get()};
  const auto& in = job->inbound;
  job->decoded = job->adapter->decode(in);
  if (job->decoded.nothing_to_do) {
    // Nothing is stored: not even the (empty) payload of a schedule run that found nothing new.
    log::info("nothing_to_do", {{"adapter", job->adapter->name()}, {"channel", in.channel},
                                {"reason", *job->decoded.nothing_to_do}});
    Outcome outcome;
    outcome.kind = KQ_OUTCOME_NOTHING_TO_DO;
    outcome.reason = *job->decoded.nothing_to_do;
    finish(job, std::move(outcome));
    return;
  }
  const auto mapping_set = mappings_ ? mappings_() : nullptr;
  std::string sha256 = store::sha256_hex(in.payload);  // once: the provenance and the store share it
  // A roster chunk: one document per row, each row's student compared with the snapshot.
  std::unique_ptr<store::Reader> reader;
  std::unique_ptr<store::Reader::Snapshot> snapshot;  // the chunk's look-ups: one read transaction
  std::optional<ChunkClassifier> classifier;
  DocumentHooks hooks;
  if (job->roster && !job->decoded.rejection) {
    // The chunk before, if its write is still pending, first: a store read after this sees
    // either that chunk committed or, failing that, its students here.
    std::shared_ptr<const PlannedChunk> previous = planned_before(*job->roster);
    reader = store_.reader();
    snapshot = reader->snapshot();
    classifier.emplace(*job->roster, *reader, std::move(previous));
    if (classifier->split(in, job->decoded)) {
      // The chunk's key: a chunk is written once per run (a resumed run skips committed chunks).
      job->decoded.message_key = "roster:" + job->roster->run.id + ":" + std::to_string(job->roster->number);
      hooks.inspect = [&classifier](std::size_t n, const RecordsOrErrors& c) { classifier->inspect(n, c); };
      hooks.keep = [&classifier](std::size_t n, RecordsOrErrors& c) { return classifier->keep(n, c); };
    } else {
      classifier.reset();
      job->decoded.rejection = core::FieldError{
          "", "a roster chunk must be handed on as one " + job->roster->format + " document (emit the payload)",
          core::ErrorKind::internal};
    }
  }
  MessagePlan plan;
  if (classifier && job->decoded.documents.empty()) {
    // Every row of the chunk was settled by its bytes: nothing to map, only the progress to store.
    plan.intended = KQ_OUTCOME_COMMITTED;
    plan.document_mode = KQ_DOCUMENTS_INDEPENDENT;
    plan.dedupe = store::DedupeKey{dedupe_scope(in), job->decoded.message_key, true,
                                   job->adapter->settings().dedupe_window.count()};
  } else {
    plan = plan_message(*job->adapter, in, job->decoded, mapping_set.get(), sha256, field_lineage_, nullptr,
                        std::move(hooks));
  }
  check_consents(plan, store_, guardian_age_());
  const auto rules = rules_ ? rules_() : nullptr;
  try {
    DerivedValues derived = derive_values(plan, rules.get(), store_, in.received_at_ms);
    job->notes = std::move(derived.notes);
    job->alert_rules = std::move(derived.alert_rules);
  } catch (const std::exception& e) {
    // The store could not be read (shutting down, a lock held too long): storing the records
    // without their derived values would differ from what a later run stores, so nothing is
    // stored and the sender tries again.
    log::error("derived_values_failed", {{"adapter", job->adapter->name()}, {"error", e.what()}});
    Outcome outcome;
    outcome.kind = KQ_OUTCOME_TRANSIENT;
    outcome.reason = std::string("not stored: ") + e.what();
    finish(job, std::move(outcome));
    return;
  }
  job->intended = plan.intended;
  job->errors = plan.errors;
  job->reason = plan.reason;
  job->mappings = plan.mappings;
  job->document_mode = plan.document_mode;
  job->documents = plan.documents;
  store::WriteBatch batch = arrival_batch(in, std::move(sha256), plan);
  if (classifier && plan.intended != KQ_OUTCOME_REJECTED) {
    batch.roster = classifier->finish(job->errors);
    const std::vector<std::string>& closed = classifier->closed_enrollments();
    if (!closed.empty() && plan.intended == KQ_OUTCOME_COMMITTED) {
      close_enrollments(closed, std::vector<std::string>(closed.size(), std::string(kLeftStatus)), *reader,
                        batch.records);
    }
    std::lock_guard lock(planned_mutex_);
    planned_[job->roster->run.id] = classifier->planned();
  }
  snapshot.reset();
  reader.reset();  // back to the pool before the wait for the writer
  store_.submit(std::move(batch), [this, job](store::WriteResult result) mutable {
    // The writer thread must not wait for plugin code: acknowledge on the blocking pool. The job
    // is moved, not copied, into that task: the writer keeps this callback until its group is
    // done, and the last reference to a job must not drop there (it would run the plugin's
    // state release, even an adapter's destroy, on the writer thread).
    if (job->roster) forget_planned(*job->roster);
    boost::asio::post(blocking_, [this, job = std::move(job), result = std::move(result)]() mutable {
      on_written(std::move(job), std::move(result));
    });
  });
}

void Pipeline::on_written(std::shared_ptr<Job> job, store::WriteResult result) {
  Outcome outcome;
  outcome.message_id = result.message_id;
  outcome.document_mode = job->document_mode;
  for (const store::SequenceFinding& f : result.sequences) outcome.sequences.push_back(to_result(f));
  switch (result.status) {
    case store::WriteStatus::committed:
      outcome.kind = job->intended;
      outcome.errors = job->errors;
      outcome.reason = job->reason;
      outcome.documents = std::move(job->documents);
      outcome.notes = std::move(job->notes);
      for (const auto& r : result.records) outcome.record_ids.push_back(r.id);
      for (const std::string& rule : job->alert_rules) alerts_.inc({rule});
      break;
    case store::WriteStatus::duplicate:
      outcome.kind = KQ_OUTCOME_DUPLICATE;
      outcome.message_id = result.original_message_id;
      // The same bytes decode and map to the same documents: this run's verdicts are the
      // original's, and so are its errors (kept in its dead letter), so a sender that asks again
      // gets the receipt it got the first time.
      outcome.documents = std::move(job->documents);
      if (job->intended == KQ_OUTCOME_COMMITTED) outcome.errors = job->errors;
      outcome.notes = std::move(job->notes);
      for (const auto& r : result.records) outcome.record_ids.push_back(r.id);
      break;
    case store::WriteStatus::conflict:
      // Same message key, other content: keep the raw input as rejected and raise an alert,
      // then tell the sender. A second, small batch: the first wrote nothing.
      outcome.kind = KQ_OUTCOME_CONFLICT;
      outcome.reason = "message key was already used by message " + result.original_message_id +
                       " with different content";
      outcome.errors.push_back({"", outcome.reason, core::ErrorKind::duplicate_key});
      log::warn("message_key_conflict", {{"adapter", job->adapter->name()},
                                         {"original_message_id", result.original_message_id}});
      store_refusal(job, std::move(outcome));
      return;
    case store::WriteStatus::failed:
      if (result.content_error) {
        // The batch contradicted the store (e.g. a person merged into itself) and wrote nothing:
        // keep the raw input as a dead letter with the store's reason, as a mapping error would be.
        outcome.kind = KQ_OUTCOME_CONTENT_ERROR;
        outcome.errors = std::move(result.errors);
        outcome.reason = std::to_string(outcome.errors.size()) + " field error(s)";
        store_refusal(job, std::move(outcome));
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

// Stores a message that the store refused after the fact, then answers with `outcome`.
void Pipeline::store_refusal(std::shared_ptr<Job> job, Outcome outcome) {
  store::WriteBatch batch = refusal_batch(job->inbound, outcome.kind, outcome.errors, outcome.reason, job->mappings);
  // A roster chunk's rows are all rejected with the store's reason: the run moves past it.
  if (job->roster && outcome.kind == KQ_OUTCOME_CONTENT_ERROR) {
    batch.roster = refused_chunk_write(*job->roster, outcome.reason);
  }
  // The job moves on, as in decode_and_submit: no last reference may drop on the writer thread.
  store_.submit(std::move(batch), [this, job, outcome = std::move(outcome)](store::WriteResult second) mutable {
    outcome.message_id = second.ok() ? second.message_id : std::string();
    if (!second.ok()) {
      outcome.kind = KQ_OUTCOME_TRANSIENT;
      outcome.errors.clear();
      outcome.reason = "store unavailable: " + second.error;
    }
    boost::asio::post(blocking_, [this, job = std::move(job), outcome = std::move(outcome)]() mutable {
      finish(std::move(job), std::move(outcome));
    });
  });
}

void Pipeline::finish(std::shared_ptr<Job> job, Outcome outcome) {
  plugin_host::AckReply reply = job->adapter->acknowledge(job->inbound, outcome, job->decoded);
  reply.outcome = outcome.kind;
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

void Pipeline::finish_roster_sync(const store::RosterSyncRun& run, std::function<void(store::WriteResult)> done) {
  store::WriteBatch batch;
  try {
    store::RosterCounts departures;
    batch = roster_final_batch(run, *store_.reader(), departures);
  } catch (const std::exception& e) {
    store::WriteResult failed;
    failed.error = std::string("cannot read the roster snapshot: ") + e.what();
    done(std::move(failed));
    return;
  }
  store_.submit(std::move(batch), std::move(done));
}

bool Pipeline::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(idle_mutex_);
  return idle_cv_.wait_for(lock, timeout, [this] { return in_flight_.load() == 0; });
}

}  // namespace kq::pipeline
