#pragma once
// The card-reader batch receipt (JSON), written after the host's commit: what was accepted,
// which records were rejected and why, identical records within the batch, the terminal's
// sequence gap and data-quality warnings. An identical re-upload gets the same figures, marked
// as a duplicate. Field names and meanings: docs/adapters/card_reader.md.
#include <kangqiao/plugin.hpp>

#include <optional>
#include <string>
#include <vector>

#include "batch_envelope.hpp"

namespace card_reader {

struct Warning {
  std::size_t record = 0;
  std::string field;
  std::string message;
};

struct RepeatedRecord {
  std::size_t record = 0;   // this record …
  std::size_t same_as = 0;  // … has the same 50 bytes as this earlier one and was not stored again
};

// What decode() learnt about the batch, for the receipt.
struct BatchState {
  std::string terminal;
  std::string operator_id;
  std::int64_t sequence = 0;
  std::size_t records = 0;
  // Record number of each emitted document: document n is record record_of_document[n - 1].
  std::vector<std::size_t> record_of_document;
  std::vector<RepeatedRecord> repeated;
  std::vector<Warning> warnings;
  std::optional<kangqiao::ErrorDetail> refusal;  // the batch was refused whole
  int refusal_status = 422;
};

struct Receipt {
  int http_status = 200;
  std::string body;
};

Receipt make_receipt(const BatchState* state, const kangqiao::Outcome& outcome);

}  // namespace card_reader
