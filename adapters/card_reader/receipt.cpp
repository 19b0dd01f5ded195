#include "receipt.hpp"

#include <kangqiao/json.hpp>

#include <map>

namespace card_reader {

namespace {

using kangqiao::json::Array;
using kangqiao::json::Object;

const char* outcome_word(kq_outcome_kind kind) {
  switch (kind) {
    case KQ_OUTCOME_COMMITTED: return "accepted";
    case KQ_OUTCOME_DUPLICATE: return "duplicate";
    case KQ_OUTCOME_CONTENT_ERROR: return "nothing-accepted";
    case KQ_OUTCOME_REJECTED: return "rejected";
    case KQ_OUTCOME_CONFLICT: return "conflict";
    case KQ_OUTCOME_TRANSIENT: return "not-stored";
    case KQ_OUTCOME_NOTHING_TO_DO: return "nothing-to-do";  // the adapter never asks for it
  }
  return "unknown";
}

int status_of(kq_outcome_kind kind, const BatchState* state) {
  switch (kind) {
    case KQ_OUTCOME_COMMITTED:
    case KQ_OUTCOME_DUPLICATE: return 200;
    case KQ_OUTCOME_CONTENT_ERROR: return 422;
    case KQ_OUTCOME_REJECTED: return state != nullptr && state->refusal ? state->refusal_status : 422;
    case KQ_OUTCOME_CONFLICT: return 409;
    case KQ_OUTCOME_TRANSIENT: return 503;
    case KQ_OUTCOME_NOTHING_TO_DO: return 200;
  }
  return 500;
}

std::int64_t num(std::size_t n) { return static_cast<std::int64_t>(n); }

// The mapping names places inside the one record it was given ("record 1, bytes 30..37
// (exam_date)"); the receipt gives the record number separately.
std::string field_of(std::string location) {
  constexpr std::string_view prefix = "record 1";
  if (location.rfind(prefix, 0) == 0) {
    location.erase(0, prefix.size());
    if (location.rfind(", ", 0) == 0) location.erase(0, 2);
  }
  return location;
}

std::size_t record_of(const BatchState* state, std::size_t document) {
  if (state == nullptr || document == 0 || document > state->record_of_document.size()) return 0;
  return state->record_of_document[document - 1];
}

}  // namespace

Receipt make_receipt(const BatchState* state, const kangqiao::Outcome& outcome) {
  Receipt receipt;
  receipt.http_status = status_of(outcome.kind(), state);
  Object o;
  o.add("outcome", outcome_word(outcome.kind()));
  if (!outcome.message_id().empty()) o.add("message_id", outcome.message_id());
  if (state != nullptr && !state->terminal.empty()) {
    o.add("terminal", state->terminal).add("operator", state->operator_id).add("sequence", state->sequence);
    o.add("records", num(state->records));
  }
  if (outcome.kind() == KQ_OUTCOME_REJECTED || outcome.kind() == KQ_OUTCOME_CONFLICT ||
      outcome.kind() == KQ_OUTCOME_TRANSIENT) {
    // Nothing of the batch was accepted: the reason, and (refused whole) where it was found.
    const std::vector<kangqiao::ErrorDetail> errors = outcome.errors();
    Object reason;
    reason.add("field", errors.empty() ? std::string() : errors.front().location)
        .add("reason", errors.empty() ? std::string(outcome.reason()) : errors.front().reason);
    o.add("refused", reason);
    receipt.body = o.str();
    return receipt;
  }
  std::size_t accepted = 0;
  for (const kangqiao::DocumentResult& d : outcome.documents()) accepted += d.accepted ? 1 : 0;
  o.add("accepted", num(accepted));
  Array rejected;
  Array batch_errors;  // about the batch as a whole
  for (const kangqiao::ErrorDetail& e : outcome.errors()) {
    Object item;
    const std::size_t record = record_of(state, e.document);
    if (record != 0) item.add("record", num(record));
    item.add("field", field_of(e.location)).add("reason", e.reason).add("kind", kangqiao::error_kind_name(e.kind));
    (record != 0 ? rejected : batch_errors).add_raw(item.str());
  }
  o.add("rejected", rejected);
  if (batch_errors.str() != "[]") o.add("batch_errors", batch_errors);
  Array repeated;
  if (state != nullptr) {
    for (const RepeatedRecord& r : state->repeated) {
      repeated.add_raw(Object().add("record", num(r.record)).add("same_as", num(r.same_as)).str());
    }
  }
  o.add("duplicates", repeated);
  o.add_raw("duplicate_batch", outcome.kind() == KQ_OUTCOME_DUPLICATE ? "true" : "false");
  for (const kangqiao::SequenceResult& s : outcome.sequences()) {
    Object seq;
    seq.add("previous", s.previous);
    Array missing;
    if (s.gap_first > 0) missing.add_raw(std::to_string(s.gap_first)).add_raw(std::to_string(s.gap_last));
    seq.add("missing", missing);
    seq.add_raw("first", s.first ? "true" : "false").add_raw("late", s.late ? "true" : "false");
    if (!s.replay_of.empty()) seq.add("replay_of", s.replay_of);
    o.add("sequence_check", seq);
  }
  Array warnings;
  if (state != nullptr) {
    for (const Warning& w : state->warnings) {
      warnings.add_raw(Object().add("record", num(w.record)).add("field", w.field).add("warning", w.message).str());
    }
  }
  // The gateway's own findings on the stored records (ABI 1.4). A value sent that the gateway
  // computes differently is worth a look per record. A value it could not derive usually is not:
  // a POS record carries no refraction, so every child below 5.0 has an undecided myopia flag.
  // Those are summed up per field, with the first few record numbers, to keep a 30,000-record
  // receipt readable.
  struct Undecided {
    std::size_t count = 0;
    std::string reason;  // the first one's
    Array records;
  };
  std::map<std::string, Undecided> not_derived;
  constexpr std::size_t kRecordsListed = 20;
  for (const kangqiao::Note& n : outcome.notes()) {
    const std::size_t record = record_of(state, n.document);
    if (!n.mismatch) {
      Undecided& u = not_derived[n.field];
      if (u.count++ == 0) u.reason = n.reason;
      if (record != 0 && u.count <= kRecordsListed) u.records.add_raw(std::to_string(record));
      continue;
    }
    Object item;
    if (record != 0) item.add("record", num(record));
    item.add("field", n.field).add("warning", n.reason).add("kind", "mismatch");
    item.add("sent", n.sent).add("computed", n.computed).add("rule", n.rule);
    warnings.add_raw(item.str());
  }
  Array undecided;
  for (const auto& [field, u] : not_derived) {
    undecided.add_raw(Object().add("field", field).add("count", num(u.count)).add("reason", u.reason)
                          .add("records", u.records).str());
  }
  o.add("not_derived", undecided);
  o.add("warnings", warnings);
  receipt.body = o.str();
  return receipt;
}

}  // namespace card_reader
