#pragma once
// Turns the documents a plugin decoded into canonical records, or into field errors.
#include <string>
#include <vector>

#include "gateway/plugin_host/adapter.hpp"
#include "gateway/store/write_batch.hpp"

namespace kq::pipeline {

struct RecordsOrErrors {
  std::vector<store::RecordEnvelope> records;
  std::vector<store::IdentityLink> identities;
  std::vector<plugin_host::FieldError> errors;
};

// "canonical+json" documents hold one record object or an array of them. Other formats need a
// mapping, which is applied here once the mapping engine is configured for the adapter.
RecordsOrErrors records_from_documents(const std::vector<plugin_host::DecodedDocument>& documents);

// Field errors as a JSON array [{"field": ..., "reason": ...}].
std::string errors_to_json(const std::vector<plugin_host::FieldError>& errors);

}  // namespace kq::pipeline
