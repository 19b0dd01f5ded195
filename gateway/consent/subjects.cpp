#include "gateway/consent/subjects.hpp"

#include <algorithm>
#include <map>

#include "gateway/consent/scratch_json.hpp"
#include "gateway/core/record_validation.hpp"

namespace kq::consent {

std::optional<core::PartialDate> birth_date_of(std::string_view person_body_json) {
  const ScratchJson json(person_body_json);
  if (json.object() == nullptr) return std::nullopt;
  const boost::json::value* birth = json.object()->if_contains("birth_date");
  const boost::json::string* text = birth ? birth->if_string() : nullptr;
  if (text == nullptr) return std::nullopt;
  auto parsed = core::PartialDate::parse_iso(std::string_view(*text));
  if (!parsed) return std::nullopt;
  return *parsed;
}

SubjectTable subject_table(const store::ConsentSubjectRows& rows, int guardian_age) {
  std::map<std::string_view, std::int64_t> adult_from;  // person id → day
  for (const store::StoredRecord& person : rows.persons) {
    if (auto born = birth_date_of(person.body_json)) {
      adult_from[person.id] = core::age_reached_day(*born, guardian_age);
    }
  }
  std::map<std::string_view, std::vector<const store::StoredRecord*>> consents_of;
  for (const store::StoredRecord& c : rows.consents) consents_of[c.person_id].push_back(&c);

  SubjectTable table;
  for (const auto& [subject, same] : rows.same_person) {
    SubjectFacts facts;
    bool known = false;
    std::int64_t latest = kAlways;
    for (const std::string& member : same) {
      if (auto it = adult_from.find(member); it != adult_from.end()) {
        known = true;
        latest = std::max(latest, it->second);
      }
      if (auto it = consents_of.find(member); it != consents_of.end()) {
        for (const store::StoredRecord* c : it->second) {
          facts.consents.push_back(consent_terms_from_json(c->id, c->version, c->body_json));
        }
      }
    }
    facts.adult_from_day = known ? latest : kNever;
    std::sort(facts.consents.begin(), facts.consents.end(),
              [](const ConsentTerms& a, const ConsentTerms& b) { return a.id < b.id; });
    table.emplace(subject, std::move(facts));
  }
  return table;
}

}  // namespace kq::consent
