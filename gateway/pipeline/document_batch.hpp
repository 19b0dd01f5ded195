#pragma once
// Batches (plugin ABI 1.3, KQ_DOCUMENTS_INDEPENDENT): every document a plugin emitted is mapped
// and validated on its own, so one bad record of a card-reader batch or one bad row of a roster
// keeps only itself out. The accepted documents' records go into the plan together; the rejected
// documents' errors carry their document number and stay with the raw payload as its dead
// letter, from which `kangqiao reprocess` runs just those documents again.
#include <map>
#include <set>
#include <string>

#include <boost/json/value.hpp>

#include "gateway/pipeline/batch_builder.hpp"
#include "gateway/pipeline/documents.hpp"

namespace kq::pipeline {

// Fills `plan` (whose dedupe key and sequences are set) from the documents of `decoded`:
// COMMITTED when at least one document was accepted, CONTENT_ERROR when none was or when an
// error of the plugin names no document (it is about the batch as a whole).
void plan_independent_documents(const plugin_host::DecodeResult& decoded, const plugin_host::Inbound& in,
                                const MappingContext& context, const MessageOrigin& origin,
                                const std::set<std::size_t>* only_documents, MessagePlan& plan);

// Replaces, anywhere in `v`, a string equal to a key of `renamed` by its value: records of one
// message refer to each other by id (an observation to its encounter, to its person).
void rename_references(boost::json::value& v, const std::map<std::string, std::string>& renamed);

// The document numbers of the errors in a dead letter's JSON (errors_to_json), without 0: the
// documents of a batch that were rejected. Empty when the errors name no document.
std::set<std::size_t> documents_named(std::string_view errors_json);

}  // namespace kq::pipeline
