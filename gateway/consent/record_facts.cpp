#include "gateway/consent/record_facts.hpp"

#include <boost/json/parse.hpp>

#include "gateway/consent/scratch_json.hpp"
#include "gateway/core/disclosure_facts.hpp"
#include "gateway/core/identifier_systems.hpp"
#include "gateway/core/org_codes.hpp"

namespace kq::consent {

namespace {

using core::RecordKind;

constexpr int kMaxParents = 8;  // part_of chains are school → grade → class; this bounds a cycle

const boost::json::string* string_at(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

// Kinds whose facts need the body: codes that add categories (observation, diagnosis), places
// (person), and the record's day where the categories are not sensitive by themselves — for a
// sensitive category the age at the record's date changes nothing.
bool needs_body(RecordKind kind) {
  switch (kind) {
    case RecordKind::observation:
    case RecordKind::diagnosis:
    case RecordKind::person:
    case RecordKind::enrollment:
    case RecordKind::consent:
    case RecordKind::provenance:
    case RecordKind::audit_event: return true;
    default: return false;
  }
}

void add_org(Places& places, const std::string& org_id, OrgDirectory& orgs) {
  if (org_id.empty()) return;
  places.organisations.push_back(org_id);
  for (const std::string& region : orgs.regions_of(org_id)) places.regions.push_back(region);
}

void add_person_places(Places& places, const boost::json::object& body, OrgDirectory& orgs) {
  if (const boost::json::value* ids = body.if_contains("identifiers"); ids && ids->is_array()) {
    for (const boost::json::value& id : ids->get_array()) {
      const boost::json::object* o = id.if_object();
      const boost::json::string* assigner = o ? string_at(*o, "assigner") : nullptr;
      if (assigner) add_org(places, std::string(*assigner), orgs);
    }
  }
  if (const boost::json::value* addresses = body.if_contains("addresses"); addresses && addresses->is_array()) {
    for (const boost::json::value& a : addresses->get_array()) {
      const boost::json::object* o = a.if_object();
      const boost::json::string* code = o ? string_at(*o, "admin_code") : nullptr;
      if (code && !code->empty()) places.regions.emplace_back(*code);
    }
  }
}

}  // namespace

const std::vector<std::string>& OrgDirectory::regions_of(const std::string& org_id) {
  if (auto it = known_.find(org_id); it != known_.end()) return it->second;
  return known_.emplace(org_id, look_up(org_id)).first->second;
}

std::vector<std::string> OrgDirectory::look_up(const std::string& org_id) {
  std::vector<std::string> usccs{org_id};
  std::string current = org_id;
  for (int depth = 0; depth < kMaxParents && !current.empty(); ++depth) {
    const std::optional<store::StoredRecord> row = reader_->record(current);
    if (!row || row->kind != "organization") break;
    boost::system::error_code ec;
    const boost::json::value json = boost::json::parse(row->body_json, ec);
    if (ec || !json.is_object()) break;
    const boost::json::object& body = json.get_object();
    if (const boost::json::string* code = string_at(body, "admin_code"); code && !code->empty()) {
      return {std::string(*code)};
    }
    if (const boost::json::value* ids = body.if_contains("identifiers"); ids && ids->is_array()) {
      for (const boost::json::value& id : ids->get_array()) {
        const boost::json::object* o = id.if_object();
        const boost::json::string* system = o ? string_at(*o, "system") : nullptr;
        const boost::json::string* value = o ? string_at(*o, "value") : nullptr;
        if (system && value && *system == core::id_system::kUscc) usccs.emplace_back(*value);
      }
    }
    const boost::json::string* parent = string_at(body, "part_of");
    current = parent ? std::string(*parent) : std::string();
  }
  for (const std::string& code : usccs) {
    if (auto uscc = core::check_uscc(code)) return {uscc->admin_code};
  }
  return {};
}

namespace {

// What the writer computed from the body can stand for it: the rules were this build's. A
// person's places are in its body, so a person is always read.
bool stored_facts_current(const store::StoredRecord& row, RecordKind kind) {
  return row.facts_version == core::disclosure_facts_version() && kind != RecordKind::person;
}

// The day matters only where the categories are not sensitive by themselves (see needs_body).
RecordFacts facts_of(RecordKind kind, const core::DisclosureFacts& content, const std::string& person_id,
                     const std::string& org_id, OrgDirectory& orgs) {
  RecordFacts facts;
  facts.kind = kind;
  facts.categories = content.categories;
  facts.subject = person_id;
  if (!facts.categories.any_sensitive()) facts.day = content.day;
  add_org(facts.places, org_id, orgs);
  return facts;
}

}  // namespace

RecordFacts record_facts(RecordKind kind, const boost::json::object* body, const std::string& person_id,
                         const std::string& org_id, OrgDirectory& orgs) {
  static const boost::json::object kEmpty;
  const boost::json::object& fields = body ? *body : kEmpty;
  RecordFacts facts = facts_of(kind, core::disclosure_facts(kind, fields), person_id, org_id, orgs);
  if (kind == RecordKind::person) add_person_places(facts.places, fields, orgs);
  return facts;
}

RecordFacts record_facts(const store::StoredRecord& row, OrgDirectory& orgs) {
  const std::optional<RecordKind> kind = core::parse_kind(row.kind);
  if (!kind) {
    RecordFacts unreadable;
    unreadable.readable = false;
    unreadable.subject = row.person_id;
    add_org(unreadable.places, row.org_id, orgs);
    return unreadable;
  }
  // A person's own record carries its id as person_id and no org_id (see core/record.hpp).
  if (!needs_body(*kind)) return record_facts(*kind, nullptr, row.person_id, row.org_id, orgs);
  if (stored_facts_current(row, *kind)) {
    const core::DisclosureFacts stored{core::CategorySet::from_bits(row.category_bits), row.record_day};
    return facts_of(*kind, stored, row.person_id, row.org_id, orgs);
  }
  const ScratchJson body(row.body_json);
  if (body.object() == nullptr) {
    RecordFacts unreadable = record_facts(*kind, nullptr, row.person_id, row.org_id, orgs);
    unreadable.readable = false;
    return unreadable;
  }
  return record_facts(*kind, body.object(), row.person_id, row.org_id, orgs);
}

std::optional<core::CategorySet> categories_of_row(const store::StoredRecord& row) {
  const std::optional<RecordKind> kind = core::parse_kind(row.kind);
  if (!kind) return std::nullopt;
  if (stored_facts_current(row, *kind)) return core::CategorySet::from_bits(row.category_bits);
  const ScratchJson body(row.body_json);
  if (body.object() == nullptr) return std::nullopt;
  return core::categories_of(*kind, *body.object());
}

}  // namespace kq::consent
