#include "gateway/store/person_update.hpp"

#include <string_view>

namespace kq::store {

namespace json = boost::json;

namespace {

constexpr std::string_view kIdentifiers = "identifiers";

// Fields that describe the message that sent them rather than the person.
bool carried_over(std::string_view key) { return key != "merged_identifiers"; }

// Fields whose change is an identity event. Not the identifiers: a second MRN of one hospital
// replaces the first in the body, but both keep naming the person in the identity index, and
// an identifier that names another person is an identity conflict, audited where it is found.
constexpr std::string_view kIdentityFields[] = {"name", "sex", "birth_date"};

std::string_view member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// The same issuer: one person has one identifier per system and assigner (one MRN per hospital).
bool same_issuer(const json::value& a, const json::value& b) {
  if (!a.is_object() || !b.is_object()) return a == b;
  return member(a.get_object(), "system") == member(b.get_object(), "system") &&
         member(a.get_object(), "assigner") == member(b.get_object(), "assigner");
}

// Removes a dotted path ("name.text"), and the objects it leaves empty.
void erase_path(json::object& o, std::string_view path) {
  const std::size_t dot = path.find('.');
  if (dot == std::string_view::npos) {
    o.erase(path);
    return;
  }
  json::value* child = o.if_contains(path.substr(0, dot));
  if (!child || !child->is_object()) return;
  erase_path(child->get_object(), path.substr(dot + 1));
  if (child->get_object().empty()) o.erase(path.substr(0, dot));
}

// Objects are merged field by field; anything else the update gives replaces what was stored.
void merge_field(json::object& into, std::string_view key, const json::value& value) {
  json::value* existing = into.if_contains(key);
  if (existing && existing->is_object() && value.is_object()) {
    for (const auto& entry : value.get_object()) merge_field(existing->get_object(), entry.key(), entry.value());
  } else {
    into[key] = value;
  }
}

void unite_identifiers(json::array& identifiers, const json::array& update) {
  // The stored order is kept (identifiers[0] stays what it was); the update's own identifiers
  // never replace one another, even two from one issuer.
  std::vector<bool> from_update(identifiers.size(), false);
  for (const json::value& u : update) {
    bool placed = false;
    for (std::size_t i = 0; i < identifiers.size() && !placed; ++i) {
      if (!from_update[i] && same_issuer(identifiers[i], u)) {
        identifiers[i] = u;
        from_update[i] = placed = true;
      }
    }
    if (!placed) {
      identifiers.push_back(u);
      from_update.push_back(true);
    }
  }
}

void note_identity_changes(const json::object& stored, const json::object& merged, std::vector<std::string>& out) {
  for (std::string_view key : kIdentityFields) {
    const json::value* before = stored.if_contains(key);
    if (!before) continue;
    const json::value* after = merged.if_contains(key);
    if (after && *after == *before) continue;
    if (before->is_object() && (!after || after->is_object())) {
      for (const auto& field : before->get_object()) {  // name.text, name.pinyin …
        const json::value* now = after ? after->get_object().if_contains(field.key()) : nullptr;
        if (!now || *now != field.value()) out.push_back(std::string(key) + "." + std::string(field.key()));
      }
    } else {
      out.emplace_back(key);
    }
  }
}

}  // namespace

PersonUpdate merge_person(const json::object& stored, const json::object& update,
                          const std::vector<std::string>& cleared) {
  PersonUpdate out;
  out.body = stored;
  for (auto it = out.body.begin(); it != out.body.end();) {
    it = carried_over(it->key()) ? it + 1 : out.body.erase(it);
  }
  for (const std::string& path : cleared) {
    // A null never removes an identifier: identifiers name the person in the identity index.
    if (path == "id" || path.compare(0, kIdentifiers.size(), kIdentifiers) == 0) continue;
    erase_path(out.body, path);
  }
  for (const auto& entry : update) {
    json::value* existing = out.body.if_contains(entry.key());
    if (entry.key() == kIdentifiers && existing && existing->is_array() && entry.value().is_array()) {
      unite_identifiers(existing->get_array(), entry.value().get_array());
    } else {
      merge_field(out.body, entry.key(), entry.value());
    }
  }
  note_identity_changes(stored, out.body, out.identity_changes);
  out.unchanged = out.body == stored;
  return out;
}

}  // namespace kq::store
