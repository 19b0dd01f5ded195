#pragma once
// A WriteBatch made ready for the writer on the submitting thread: ids assigned, the payload
// hashed, record bodies serialised. That work runs on many caller threads in parallel, so the
// single writer thread spends its time on SQL alone.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <optional>
#include <unordered_map>
#include <vector>

#include "gateway/core/disclosure_facts.hpp"
#include "gateway/store/write_batch.hpp"

namespace kq::store {

// A place in a record's JSON text that names a person_ref: the writer writes the resolved
// person id over the `length` bytes at `offset` (the placeholder's, inside its quotes).
struct PersonSlot {
  std::size_t offset = 0;
  std::size_t ref = 0;  // index into PreparedBatch::person_refs
};

struct PreparedRecord {
  // JSON text of the body. A body that names a person_ref was serialised with a placeholder in
  // each such place (see person_slots), so the writer never touches the JSON tree.
  std::string body_json;
  std::vector<PersonSlot> person_slots;
  static constexpr std::size_t kNoRef = static_cast<std::size_t>(-1);
  std::size_t id_ref = kNoRef;      // filed under this ref's person id (a person record)
  std::size_t person_ref = kNoRef;  // its person_id column is this ref's person id
  // Categories and day for disclosure decisions, from the body while it is still a tree; none for
  // a person (the writer may merge its body with the stored one, and a decision reads a person's
  // places from the body anyway) or a kind this build does not know.
  std::optional<core::DisclosureFacts> facts;
};

struct PreparedBatch {
  // Every record body has been serialised into `records` and released here, so the writer
  // thread neither builds nor frees JSON trees.
  WriteBatch batch;
  std::vector<PreparedRecord> records;
  // The distinct person_refs of batch.identities, in order of first appearance, and the
  // placeholder (a random UUID, so it cannot occur in the data by chance) each was serialised as.
  std::vector<std::string> person_refs;
  std::vector<std::string> placeholders;
  // The same, looked up by text: a batch of 30,000 POS records names 30,000 persons, and a scan
  // per look-up would make preparing it quadratic.
  std::unordered_map<std::string, std::size_t> ref_index;          // person_refs[k] → k
  std::unordered_map<std::string, std::size_t> placeholder_index;  // placeholders[k] → k
  std::function<void(WriteResult)> done;
  std::chrono::steady_clock::time_point enqueued_at;
};

// The record's JSON text with the resolved person ids written into its person slots.
// `person_ids[k]` is the id of `person_refs[k]`. Returns `record.body_json` itself, updated in
// place, when every id has the placeholder's length (always, for ids the store makes);
// otherwise builds the text in `scratch` and returns that.
std::string_view body_with_persons(PreparedRecord& record,
                                   const std::vector<std::string>& person_ids, std::string& scratch);

// Throws only if the system cannot produce a UUID or a digest (no entropy, broken OpenSSL).
PreparedBatch prepare_batch(WriteBatch batch);

// Lowercase hex SHA-256 (OpenSSL EVP).
std::string sha256_hex(std::string_view bytes);

}  // namespace kq::store
