// Finishing the records of a document: fields the mapping requires, then core's validation of
// every record, with core's findings put in the sender's terms through the lineage. Records
// with errors are left out; the rest become the MapResult.
#include <map>

#include "gateway/mapping/runtime/applier.hpp"

namespace kq::mapping::detail {

namespace json = boost::json;

bool related(const std::string& a, const std::string& b) {
  auto under = [](const std::string& inner, const std::string& outer) {
    return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
           (inner[outer.size()] == '.' || inner[outer.size()] == '[');
  };
  return a == b || under(a, b) || under(b, a);
}

void Applier::check_required(const ObjectSpec& spec, const json::object& object, Pending& pending) {
  for (const RequiredPlan& required : spec.required) {
    const json::value* v = nullptr;
    const json::object* at = &object;
    for (const std::string& key : required.keys) {
      v = at ? at->if_contains(key) : nullptr;
      at = v && v->is_object() ? &v->get_object() : nullptr;
      if (!v) break;
    }
    const bool empty = !v || (v->is_array() && v->get_array().empty());
    if (!empty) continue;
    const std::string target = path_.empty() ? required.path : path_ + "." + required.path;
    bool echoed = false;
    for (const std::string& f : pending.failed) echoed = echoed || related(f, target);
    if (echoed) continue;
    pending.errors.push_back({pending.rule->name, target, required.sources,
                              required.sources.empty() ? "is required" : "is required but has no value here",
                              core::ErrorKind::required});
    pending.failed.push_back(target);
  }
}

std::string Applier::location_of(const Pending& pending, const std::string& path) const {
  for (const auto& l : pending.lineage) {
    if (l.target_path == path) return l.source_location;
  }
  for (const auto& l : pending.lineage) {
    if (related(l.target_path, path)) return l.source_location;
  }
  return {};
}

void Applier::finish() {
  core::ValidationContext context;
  context.today = options_.today;
  std::map<std::pair<core::RecordKind, std::string>, std::size_t> keyed;
  for (Pending& pending : pending_) {
    const RecordRule& rule = *pending.rule;
    core::EnvelopeResult checked = core::envelope_from_body(rule.kind, std::move(pending.body), context);
    for (core::FieldError& e : checked.errors) {
      bool echoed = false;
      for (const std::string& f : pending.failed) echoed = echoed || related(f, e.path);
      if (!echoed) {
        pending.errors.push_back({rule.name, e.path, location_of(pending, e.path), std::move(e.message), e.kind});
      }
    }
    if (!pending.errors.empty()) {
      keep_errors(pending);
      continue;
    }
    if (rule.key) {  // the same key twice in one document: one record, if they agree
      auto [it, fresh] = keyed.emplace(std::make_pair(rule.kind, checked.envelope.id), result_.records.size());
      if (!fresh) {
        const MappedRecord& first = result_.records[it->second];
        if (first.envelope.body != checked.envelope.body) {
          result_.errors.push_back({rule.name, "id", pending.lineage.empty() ? "" : pending.lineage.front().source_location,
                                    "another " + std::string(core::kind_name(rule.kind)) +
                                        " with the same key has different content" +
                                        (first.lineage.empty() ? "" : " (" + first.lineage.front().source_location + ")"),
                                    core::ErrorKind::duplicate_key});
        }
        continue;
      }
    }
    // Constructed, not assigned, so that the body keeps its arena (core::adopt_body).
    MappedRecord record{std::move(checked.envelope), rule.name,
                        options_.lineage ? std::move(pending.lineage) : std::vector<core::FieldLineage>()};
    record.envelope.new_id = pending.minted_id;
    record.envelope.cleared = std::move(pending.cleared);
    result_.records.push_back(std::move(record));
  }
}

}  // namespace kq::mapping::detail
