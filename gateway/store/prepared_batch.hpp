#pragma once
// A WriteBatch made ready for the writer on the submitting thread: ids assigned, the payload
// hashed, record bodies serialised. That work runs on many caller threads in parallel, so the
// single writer thread spends its time on SQL alone.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/write_batch.hpp"

namespace kq::store {

struct PreparedRecord {
  // JSON text of the body. Empty while awaits_person: that body still names a person_ref, so it
  // is serialised by the writer once the ref is resolved.
  std::string body_json;
  bool awaits_person = false;
  // The store chose the id just now, so no earlier version can exist and the writer can skip
  // the version look-up.
  bool fresh_id = false;
};

struct PreparedBatch {
  // records[i].body has been released for every record that is not awaiting a person.
  WriteBatch batch;
  std::vector<PreparedRecord> records;
  std::function<void(WriteResult)> done;
  std::chrono::steady_clock::time_point enqueued_at;
};

// Throws only if the system cannot produce a UUID or a digest (no entropy, broken OpenSSL).
PreparedBatch prepare_batch(WriteBatch batch);

// Lowercase hex SHA-256 (OpenSSL EVP).
std::string sha256_hex(std::string_view bytes);

// True if `r` must be rewritten once `person_ref` is resolved (see IdentityLink).
bool uses_person_ref(const RecordEnvelope& r, std::string_view person_ref);

}  // namespace kq::store
