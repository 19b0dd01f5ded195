#include "gateway/pipeline/derived_values.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include <boost/json/parse.hpp>

#include "gateway/core/json_codec.hpp"
#include "gateway/derived/derive_records.hpp"
#include "gateway/log/log.hpp"

namespace kq::pipeline {

namespace {

namespace json = boost::json;

bool derivable(const std::string& kind) {
  return kind == "fitness_test" || kind == "vision_screening" || kind == "mental_health_screening";
}

std::string text_of(const json::object& body, std::string_view key) {
  const json::value* v = body.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t day_of(const std::optional<core::PartialDate>& date) {
  return date ? date->first_day_number() : std::numeric_limits<std::int64_t>::min();
}

// What the store knows about one person the message is about.
struct StoredSubject {
  derived::FitnessSubject subject;
  std::string enrollment_year;  // academic_year of the enrollment `subject.grade` came from
  std::int64_t enrollment_seq = 0;
  std::vector<core::VisionScreening> screenings;
};

// The store's answers for the persons of one message, read in two queries: which stored person
// each of the message's person references is, and that person's records the rules read.
class StoredSubjects {
 public:
  StoredSubjects(const MessagePlan& plan, store::Store& store) {
    std::set<std::string> refs;
    for (const store::RecordEnvelope& r : plan.records) {
      if (derivable(r.kind) && !r.person_id.empty()) refs.insert(r.person_id);
    }
    if (refs.empty()) return;
    // A reference the batch resolves through identifiers, or (canonical JSON) a stored person id.
    std::vector<store::IdentifierKey> keys;
    std::multimap<std::string, store::IdentifierKey> keys_of;
    for (const store::IdentityLink& link : plan.identities) {
      if (!refs.contains(link.person_ref)) continue;
      keys.push_back({link.system, link.value});
      keys_of.emplace(link.person_ref, keys.back());
    }
    std::unique_ptr<store::Reader> reader = store.reader();
    const std::map<store::IdentifierKey, std::string> found = reader->persons_by_identifiers(keys);
    std::set<std::string> persons;
    for (const std::string& ref : refs) {
      std::string person = keys_of.contains(ref) ? std::string() : ref;
      for (auto [it, end] = keys_of.equal_range(ref); it != end && person.empty(); ++it) {
        if (auto hit = found.find(it->second); hit != found.end()) person = hit->second;
      }
      if (person.empty()) continue;  // a new person: the store knows nothing of it yet
      person_of_ref_[ref] = person;
      persons.insert(person);
    }
    if (persons.empty()) return;
    const std::vector<store::StoredRecord> rows = reader->subject_records(
        {persons.begin(), persons.end()}, {"vision_screening", "enrollment"});
    for (const store::StoredRecord& row : rows) read(row);
  }

  const StoredSubject* of(const std::string& ref) const {
    const auto person = person_of_ref_.find(ref);
    if (person == person_of_ref_.end()) return nullptr;
    const auto it = subjects_.find(person->second);
    return it == subjects_.end() ? nullptr : &it->second;
  }

 private:
  void read(const store::StoredRecord& row) {
    boost::system::error_code ec;
    json::value body = json::parse(row.body_json, ec);
    if (ec || !body.is_object()) return;
    if (row.kind == "person") {
      subjects_[row.id].subject.sex = text_of(body.as_object(), "sex");
    } else if (row.kind == "enrollment") {
      // The latest school year wins; within one, the latest written.
      StoredSubject& s = subjects_[row.person_id];
      const std::string year = text_of(body.as_object(), "academic_year");
      const std::string grade = text_of(body.as_object(), "grade");
      if (grade.empty() || std::tie(year, row.seq) < std::tie(s.enrollment_year, s.enrollment_seq)) return;
      s.subject.grade = grade;
      s.enrollment_year = year;
      s.enrollment_seq = row.seq;
    } else if (row.kind == "vision_screening") {
      core::Decoded<core::VisionScreening> decoded = core::from_json<core::VisionScreening>(body);
      if (decoded.ok()) subjects_[row.person_id].screenings.push_back(std::move(*decoded.value));
    }
  }

  std::unordered_map<std::string, std::string> person_of_ref_;
  std::unordered_map<std::string, StoredSubject> subjects_;
};

// The latest stored screening of the person dated before `current`, other than `current` itself
// (a resend or a reprocessed message carries the same record id).
std::optional<core::VisionScreening> previous_stored(const StoredSubject* subject,
                                                     const core::VisionScreening& current) {
  if (subject == nullptr || !current.date) return std::nullopt;
  const core::VisionScreening* best = nullptr;
  for (const core::VisionScreening& s : subject->screenings) {
    if (s.id == current.id || !s.date || day_of(s.date) >= day_of(current.date)) continue;
    if (best == nullptr || day_of(s.date) > day_of(best->date)) best = &s;
  }
  return best != nullptr ? std::optional<core::VisionScreening>(*best) : std::nullopt;
}

// Where in the sender's terms a record's field came from: the provenance lineage of the record
// ("row 3, column 是否近视"), the field's own entry when there is one, else the row alone. A
// provenance record covers the records of one mapping run; its lineage keys say which one
// ("target_ids[2].screening_myopia").
class SourcePlaces {
 public:
  // Only the records in `wanted` are looked up; the views point into `records`' bodies, which
  // must not change while this lives.
  SourcePlaces(const std::vector<store::RecordEnvelope>& records, const std::set<std::string_view>& wanted) {
    constexpr std::string_view kTarget = "target_ids[";
    for (const store::RecordEnvelope& r : records) {
      if (r.kind != "provenance" || wanted.empty()) continue;
      const json::value* targets = r.body.if_contains("target_ids");
      const json::value* lineage = r.body.if_contains("lineage");
      if (targets == nullptr || !targets->is_array() || lineage == nullptr || !lineage->is_object()) continue;
      const json::array& ids = targets->as_array();
      const bool any = std::any_of(ids.begin(), ids.end(), [&](const json::value& id) {
        return id.is_string() && wanted.contains(std::string_view(id.as_string()));
      });
      if (!any) continue;
      for (const auto& entry : lineage->as_object()) {
        const std::string_view key = entry.key();
        if (!key.starts_with(kTarget) || !entry.value().is_string()) continue;
        const std::size_t close = key.find("].", kTarget.size());
        if (close == std::string_view::npos) continue;
        std::size_t index = 0;
        for (char c : key.substr(kTarget.size(), close - kTarget.size())) index = index * 10 + static_cast<std::size_t>(c - '0');
        if (index >= ids.size() || !ids[index].is_string()) continue;
        const std::string_view id(ids[index].as_string());
        if (wanted.contains(id)) places_[id].emplace_back(key.substr(close + 2), std::string_view(entry.value().as_string()));
      }
    }
  }

  std::string of(const std::string& record_id, const std::string& path) const {
    const auto it = places_.find(record_id);
    if (it == places_.end()) return {};
    std::string_view any;
    for (const auto& [field, place] : it->second) {
      if (!path.empty() && field.starts_with(path) &&
          (field.size() == path.size() || field[path.size()] == '.' || field[path.size()] == '[')) {
        return std::string(place);
      }
      if (any.empty()) any = place;
    }
    // "row 3, column 姓名" → "row 3": the row is right even when the column is not the field's.
    const std::size_t comma = any.find(", column");
    return any.find("row ") != std::string_view::npos && comma != std::string_view::npos ? std::string(any.substr(0, comma))
                                                                                         : std::string();
  }

 private:
  std::unordered_map<std::string_view, std::vector<std::pair<std::string_view, std::string_view>>> places_;
};

std::string mismatch_reason(const derived::QualityWarning& w) {
  return "sent " + w.sent + ", the gateway computes " + w.computed + " (" + w.rule + "); the computed value is stored";
}

}  // namespace

DerivedValues derive_values(MessagePlan& plan, const derived::SchoolHealthRules* rules, store::Store& store,
                            std::int64_t now_ms) {
  DerivedValues out;
  if (rules == nullptr || plan.intended != KQ_OUTCOME_COMMITTED) return out;
  if (std::none_of(plan.records.begin(), plan.records.end(),
                   [](const store::RecordEnvelope& r) { return derivable(r.kind); })) {
    return out;
  }
  const StoredSubjects stored(plan, store);
  derived::DeriveContext context{*rules, core::DateTime::from_utc_millis(now_ms), {}, {}};
  context.previous_vision = [&](const core::VisionScreening& current) {
    return previous_stored(stored.of(current.person_id), current);
  };
  context.fitness_subject = [&](const std::string& person_id) -> std::optional<derived::FitnessSubject> {
    const StoredSubject* s = stored.of(person_id);
    return s != nullptr ? std::optional<derived::FitnessSubject>(s->subject) : std::nullopt;
  };
  const std::size_t before = plan.records.size();
  const derived::DeriveReport report = derived::derive_records(plan.records, context);
  out.derived = report.derived;

  const bool by_document = plan.record_documents.size() == before;
  const auto document_of = [&](std::size_t record) { return by_document ? plan.record_documents[record] : 0; };
  std::set<std::string_view> noted;
  for (const derived::RecordWarning& w : report.warnings) noted.insert(plan.records[w.record].id);
  for (const derived::RecordRefusal& r : report.refusals) noted.insert(plan.records[r.record].id);
  const SourcePlaces places(plan.records, noted);
  const auto note = [&](std::size_t record, kq_note_kind kind, const std::string& path) {
    plugin_host::OutcomeNote n;
    n.kind = kind;
    n.document = document_of(record);
    n.location = places.of(plan.records[record].id, path);
    n.field = plan.records[record].kind + (path.empty() ? "" : "." + path);
    return n;
  };
  for (const derived::RecordWarning& w : report.warnings) {
    plugin_host::OutcomeNote n = note(w.record, KQ_NOTE_MISMATCH, w.warning.path);
    n.reason = mismatch_reason(w.warning);
    n.sent = w.warning.sent;
    n.computed = w.warning.computed;
    n.rule = w.warning.rule;
    out.notes.push_back(std::move(n));
  }
  for (const derived::RecordRefusal& r : report.refusals) {
    plugin_host::OutcomeNote n = note(r.record, KQ_NOTE_NOT_DERIVED, r.refusal.path);
    n.reason = r.refusal.reason;
    out.notes.push_back(std::move(n));
  }

  // The alerts: each belongs to the document of the record it was raised from.
  std::unordered_map<std::string, std::size_t> index_of;
  if (by_document) {
    for (std::size_t i = 0; i < before; ++i) index_of.emplace(plan.records[i].id, i);
  }
  for (std::size_t i = before; i < plan.records.size(); ++i) {
    const store::RecordEnvelope& alert = plan.records[i];
    out.alert_rules.push_back(text_of(alert.body, "rule_id"));
    if (!by_document) continue;
    std::size_t document = 0;
    if (const json::value* sources = alert.body.if_contains("source_ids");
        sources != nullptr && sources->is_array() && !sources->as_array().empty() && sources->as_array()[0].is_string()) {
      if (auto it = index_of.find(std::string(sources->as_array()[0].as_string())); it != index_of.end()) {
        document = plan.record_documents[it->second];
      }
    }
    plan.record_documents.push_back(document);
  }
  return out;
}

}  // namespace kq::pipeline
