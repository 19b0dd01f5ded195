#include "gateway/pipeline/merges.hpp"

#include <boost/json/value.hpp>

#include "gateway/core/record_kind.hpp"
#include "gateway/pipeline/identity_keys.hpp"

namespace kq::pipeline {

std::vector<store::PersonMerge> merges_of(const std::vector<store::RecordEnvelope>& records) {
  std::vector<store::PersonMerge> out;
  for (const store::RecordEnvelope& r : records) {
    if (r.kind != core::kind_name(core::RecordKind::person) || r.id.empty()) continue;
    const boost::json::value* merged = r.body.if_contains("merged_identifiers");
    if (merged == nullptr || !merged->is_array()) continue;
    for (const boost::json::value& id : merged->as_array()) {
      const boost::json::object* o = id.if_object();
      if (o == nullptr) continue;
      if (auto key = identity_key(*o)) out.push_back({r.id, std::move(key->system), std::move(key->value)});
    }
  }
  return out;
}

}  // namespace kq::pipeline
