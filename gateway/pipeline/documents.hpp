#pragma once
// Turns the documents a plugin decoded into canonical records, or into field errors.
#include <string>
#include <vector>

#include "gateway/mapping/mapping_set.hpp"
#include "gateway/plugin_host/adapter.hpp"
#include "gateway/store/write_batch.hpp"

namespace kq::pipeline {

struct RecordsOrErrors {
  std::vector<store::RecordEnvelope> records;
  std::vector<store::IdentityLink> identities;
  std::vector<plugin_host::FieldError> errors;
  std::string mappings;  // names@versions of the mappings applied, for the dead-letter row
};

// "canonical+json" documents hold one record object or an array of them, taken as they are after
// validation. Every other format ("hl7v2", "xml", "csv", …, optionally "hl7v2;charset=GB18030"
// for a channel's charset override) goes through the mappings of `mappings` whose source.match
// holds; field errors come back in the sender's terms ("PID-19: …").
RecordsOrErrors records_from_documents(const std::vector<plugin_host::DecodedDocument>& documents,
                                       const mapping::MappingSet* mappings, const std::string& sender_org);

// Field errors as a JSON array [{"field": ..., "reason": ...}].
std::string errors_to_json(const std::vector<plugin_host::FieldError>& errors);

}  // namespace kq::pipeline
