#pragma once
// Person merges (ADT^A40): a person record whose `merged_identifiers` name a prior person asks the
// store to link that person to this one (store::PersonMerge). Shared by ingest and reprocess.
#include <vector>

#include "gateway/store/write_batch.hpp"

namespace kq::pipeline {

// One PersonMerge per merged identifier of every person record. The person record's id is the
// person_ref the store resolves (documents.cpp gives every person record one).
std::vector<store::PersonMerge> merges_of(const std::vector<store::RecordEnvelope>& records);

}  // namespace kq::pipeline
