// Finishing the records of a document: fields the mapping requires, then core's validation of
// every record, with core's findings put in the sender's terms through the lineage. Records
// with errors are left out; the rest become the MapResult.
#include <map>

#include "gateway/mapping/runtime/applier.hpp"

namespace kq::mapping::detail {

bool related(const std::string& a, const std::string& b) {
  auto under = [](const std::string& inner, const std::string& outer) {
    return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
           (inner[outer.size()] == '.' || inner[outer.size()] == '[');
  };
  return a == b || under(a, b) || under(b, a);
}

// Whether `keys` ("name", "text") lead to a value in a typed object: a leaf the mapping set, an
// object with such a leaf, a list or tagged union core's writer would write (holds_value).
bool Applier::has_typed(const core::setters::Type* type, const void* object,
                        const std::vector<std::string>& keys) const {
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const core::setters::Member* member = type->find(keys[k]);
    if (member == nullptr) return false;
    const void* at = member->in(object);
    if (!holds_value(*member, at)) return false;
    if (k + 1 == keys.size()) return true;
    if (member->shape != core::setters::Shape::object || !member->peek) return true;  // no deeper look
    object = member->peek(at);
    type = member->type;
  }
  return true;
}

namespace {

// An empty required cell has no place of its own: name the row the record's other fields came
// from ("row 3, column 学籍号"), so that a clerk can find it.
std::string with_row(const std::vector<core::FieldLineage>& lineage, const std::string& columns) {
  for (const core::FieldLineage& l : lineage) {
    const std::size_t column = l.source_location.find(", column ");
    if (l.source_location.find("row ") != std::string::npos && column != std::string::npos) {
      return l.source_location.substr(0, column) + ", column " + columns;
    }
  }
  return columns;
}

}  // namespace

void Applier::check_required(const ObjectSpec& spec, const Target& object, Pending& pending) {
  for (const RequiredPlan& required : spec.required) {
    // A union's fields are leaves: a key of one is present when it was given.
    const bool present = object.tagged ? required.keys.size() == 1 && object.tagged->find(required.keys.front())
                                       : has_typed(object.type, object.object, required.keys);
    if (present) continue;
    const std::string target = path_.empty() ? required.path : path_ + "." + required.path;
    bool echoed = false;
    for (const std::string& f : pending.failed) echoed = echoed || related(f, target);
    if (echoed) continue;
    pending.errors.push_back({pending.rule->name, target, with_row(pending.lineage, required.sources),
                              required.sources.empty() ? "is required" : "is required but has no value here",
                              core::ErrorKind::required});
    pending.failed.push_back(target);
  }
}

std::string Applier::location_of(const Pending& pending, const std::string& path) const {
  for (const auto& l : lineage_of(pending)) {
    if (l.target_path == path) return l.source_location;
  }
  for (const auto& l : lineage_of(pending)) {
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
    // What core's reader would have refused is reported as it would have been, without
    // validating; everything else is validated, and the body written into the arena.
    // Initialised, never assigned: an assignment would copy the body out of its arena.
    core::EnvelopeResult checked = [&] {
      if (pending.read_errors.empty()) {
        return core::setters::envelope_from_record(std::move(*pending.record), context, arena_);
      }
      core::EnvelopeResult refused;
      refused.errors = std::move(pending.read_errors);
      return refused;
    }();
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
          result_.errors.push_back({rule.name, "id", lineage_of(pending).empty() ? "" : lineage_of(pending).front().source_location,
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
