#include "gateway/derived/derive_records.hpp"

#include <algorithm>
#include <unordered_map>

#include <boost/json.hpp>

#include "gateway/core/json_codec.hpp"
#include "gateway/derived/alert_rules.hpp"
#include "gateway/derived/mental_health_rules.hpp"
#include "gateway/derived/vision_rules.hpp"

namespace kq::derived {

namespace {

namespace json = boost::json;

struct PersonFacts {
  FitnessSubject subject;
  std::optional<core::PartialDate> birth_date;
};

std::string text_of(const json::object& body, std::string_view key) {
  const json::value* v = body.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Sex and birth date from the batch's Person records, grade from its Enrollment records, read
// straight from the bodies: cheaper than decoding records that are not derived from.
std::unordered_map<std::string, PersonFacts> facts_of(const std::vector<core::RecordEnvelope>& records) {
  std::unordered_map<std::string, PersonFacts> facts;
  for (const core::RecordEnvelope& r : records) {
    if (r.kind == "person") {
      std::string id = text_of(r.body, "id");
      if (id.empty()) id = r.id;
      PersonFacts& f = facts[id];
      f.subject.sex = text_of(r.body, "sex");
      if (auto parsed = core::PartialDate::parse_iso(text_of(r.body, "birth_date")); parsed.ok()) {
        f.birth_date = parsed.value();
      }
    } else if (r.kind == "enrollment") {
      facts[text_of(r.body, "person_id")].subject.grade = text_of(r.body, "grade");
    }
  }
  return facts;
}

template <class T>
std::optional<T> decode(const core::RecordEnvelope& r) {
  core::Decoded<T> decoded = core::from_json<T>(json::value(r.body));
  return decoded.ok() ? std::move(decoded.value) : std::nullopt;
}

std::int64_t day_of(const std::optional<core::PartialDate>& date) {
  return date ? date->first_day_number() : std::numeric_limits<std::int64_t>::max();
}

class Deriver {
 public:
  Deriver(std::vector<core::RecordEnvelope>& records, const DeriveContext& context, DeriveReport& report)
      : records_(records), context_(context), report_(report), facts_(facts_of(records)) {}

  void run();

 private:
  void fitness(std::size_t index);
  void vision(std::size_t index);
  void mental_health(std::size_t index);
  const core::VisionScreening* previous_of(const core::VisionScreening& current, std::optional<core::VisionScreening>& stored);

  void note(std::size_t index, std::vector<QualityWarning> warnings, const std::vector<Refusal>& refusals) {
    for (QualityWarning& w : warnings) report_.warnings.push_back({index, std::move(w)});
    for (const Refusal& r : refusals) report_.refusals.push_back({index, r});
    ++report_.derived;
  }
  void raise(std::vector<core::Alert> alerts) {
    for (const core::Alert& alert : alerts) alerts_.push_back(core::to_envelope(alert));
  }

  std::vector<core::RecordEnvelope>& records_;
  const DeriveContext& context_;
  DeriveReport& report_;
  std::unordered_map<std::string, PersonFacts> facts_;
  std::unordered_map<std::string, std::vector<core::VisionScreening>> screened_;  // this batch, per person
  std::vector<core::RecordEnvelope> alerts_;
};

void Deriver::run() {
  const SchoolHealthRules& rules = context_.rules;
  std::vector<std::size_t> vision_order;
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const std::string& kind = records_[i].kind;
    if (kind == "fitness_test" && rules.fitness) fitness(i);
    if (kind == "vision_screening" && rules.vision) vision_order.push_back(i);
    if (kind == "mental_health_screening" && rules.mental_health) mental_health(i);
  }
  // Oldest first, so a batch holding two screenings of a person compares the later with the earlier.
  std::stable_sort(vision_order.begin(), vision_order.end(), [&](std::size_t a, std::size_t b) {
    auto date = [&](std::size_t i) {
      auto parsed = core::PartialDate::parse_iso(text_of(records_[i].body, "date"));
      return parsed.ok() ? std::optional<core::PartialDate>(parsed.value()) : std::nullopt;
    };
    return day_of(date(a)) < day_of(date(b));
  });
  for (std::size_t i : vision_order) vision(i);
  report_.alerts = alerts_.size();
  for (core::RecordEnvelope& alert : alerts_) records_.push_back(std::move(alert));
}

void Deriver::fitness(std::size_t index) {
  auto test = decode<core::FitnessTest>(records_[index]);
  if (!test) return;
  FitnessSubject subject;
  if (auto it = facts_.find(test->person_id); it != facts_.end()) subject = it->second.subject;
  if ((subject.sex.empty() || subject.grade.empty()) && context_.fitness_subject) {
    if (auto asked = context_.fitness_subject(test->person_id)) {
      if (subject.sex.empty()) subject.sex = asked->sex;
      if (subject.grade.empty()) subject.grade = asked->grade;
    }
  }
  const FitnessScore score = score_fitness(*context_.rules.fitness, *test, subject);
  note(index, apply_fitness(*test, score), score.refusals);
  if (context_.rules.alerts) raise(fitness_alerts(*context_.rules.alerts, *test, context_.now));
  records_[index].body = core::to_json(*test);
}

const core::VisionScreening* Deriver::previous_of(const core::VisionScreening& current,
                                                  std::optional<core::VisionScreening>& stored) {
  const core::VisionScreening* best = nullptr;
  const std::int64_t today = day_of(current.date);
  if (auto it = screened_.find(current.person_id); it != screened_.end()) {
    for (const core::VisionScreening& earlier : it->second) {
      if (day_of(earlier.date) < today && (best == nullptr || day_of(earlier.date) > day_of(best->date))) best = &earlier;
    }
  }
  if (context_.previous_vision) stored = context_.previous_vision(current);
  if (stored && day_of(stored->date) < today && (best == nullptr || day_of(stored->date) > day_of(best->date))) {
    best = &*stored;
  }
  return best;
}

void Deriver::vision(std::size_t index) {
  auto screening = decode<core::VisionScreening>(records_[index]);
  if (!screening) return;
  VisionSubject subject;
  if (auto it = facts_.find(screening->person_id); it != facts_.end()) subject.birth_date = it->second.birth_date;
  const VisionFindings findings = assess_vision(*context_.rules.vision, *screening, subject);
  note(index, apply_vision(*screening, findings), findings.refusals);
  if (context_.rules.alerts) {
    std::optional<core::VisionScreening> stored;
    raise(vision_alerts(*context_.rules.alerts, *screening, previous_of(*screening, stored), context_.now));
  }
  records_[index].body = core::to_json(*screening);
  screened_[screening->person_id].push_back(std::move(*screening));
}

void Deriver::mental_health(std::size_t index) {
  auto screening = decode<core::MentalHealthScreening>(records_[index]);
  if (!screening) return;
  const MentalHealthFindings findings = assess_mental_health(*context_.rules.mental_health, *screening);
  apply_mental_health(*screening, findings);
  note(index, {}, findings.refusals);
  if (context_.rules.alerts) {
    raise(mental_health_alerts(*context_.rules.alerts, *screening, findings, context_.now));
  }
  records_[index].body = core::to_json(*screening);
}

}  // namespace

DeriveReport derive_records(std::vector<core::RecordEnvelope>& records, const DeriveContext& context) {
  DeriveReport report;
  Deriver(records, context, report).run();
  return report;
}

}  // namespace kq::derived
