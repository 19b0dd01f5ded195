#pragma once
// Sender sequence numbers (plugin ABI 1.3 report_sequence): a numbered sender, such as a
// card-reader terminal numbering its batches, says which number a message carries; the writer
// keeps every number with its message and tells the sender, in the same transaction, whether
// numbers are missing before it, whether it arrives late into an earlier gap, and whether the
// number came before with other content.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/sqlite_handle.hpp"
#include "gateway/store/write_batch.hpp"

namespace kq::store::sqlite {

class SequenceNumbers {
 public:
  explicit SequenceNumbers(Connection& db);

  // Compares `n` with the numbers kept for its scope and stream, keeps it with `message_id`, and
  // returns what was found. Runs inside the caller's transaction.
  SequenceFinding record(const SequenceNumber& n, std::string_view message_id, std::int64_t now_ms);
  // What was found for the numbers `message_id` carried, when it arrived (for a resend's reply).
  std::vector<SequenceFinding> of_message(std::string_view message_id);

 private:
  Statement highest_, first_holder_, insert_, by_message_;
};

}  // namespace kq::store::sqlite
