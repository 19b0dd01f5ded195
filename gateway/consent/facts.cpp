#include "gateway/consent/facts.hpp"

#include <boost/json/parse.hpp>

#include "gateway/consent/scratch_json.hpp"

#include "gateway/core/json_codec.hpp"

namespace kq::consent {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kChinaOffsetMs = std::int64_t{core::kChinaStandardOffsetMinutes} * 60'000;

ConsentTerms::State state_of(const core::Consent& c) {
  if (c.withdrawn_at || c.status == "withdrawn") return ConsentTerms::State::withdrawn;
  if (c.status == "active") return ConsentTerms::State::active;
  if (c.status == "expired") return ConsentTerms::State::expired;
  if (c.status == "rejected") return ConsentTerms::State::refusal;
  return ConsentTerms::State::inactive;
}

const boost::json::value* at_path(const boost::json::object& body, std::string_view key, std::string_view member) {
  const boost::json::value* v = body.if_contains(key);
  if (v == nullptr || member.empty()) return v;
  const boost::json::object* o = v->if_object();
  return o ? o->if_contains(member) : nullptr;
}

struct DayField {
  core::RecordKind kind;
  std::string_view key;
  std::string_view member;  // inside an object (period.start), or empty
};

constexpr DayField kDayFields[] = {
    {core::RecordKind::observation, "effective_time", ""},
    {core::RecordKind::encounter, "period", "start"},
    {core::RecordKind::fitness_test, "test_date", ""},
    {core::RecordKind::vision_screening, "date", ""},
    {core::RecordKind::mental_health_screening, "administered_at", ""},
    {core::RecordKind::diagnosis, "recorded_at", ""},
    {core::RecordKind::procedure, "performed_date", ""},
    {core::RecordKind::inpatient_summary, "admitted_at", ""},
    {core::RecordKind::enrollment, "period", "start"},
    {core::RecordKind::consent, "granted_at", ""},
    {core::RecordKind::provenance, "received_at", ""},
    {core::RecordKind::audit_event, "recorded_at", ""},
};

}  // namespace

ConsentTerms consent_terms(const core::Consent& c, std::int64_t version) {
  ConsentTerms t;
  t.id = c.id;
  t.version = version;
  t.state = state_of(c);
  t.by_consent = c.lawful_basis == "consent";
  t.separate = c.separate_consent;
  t.grantor_is_guardian = c.grantor_is_guardian;
  if (c.granted_at) {
    t.granted_ms = c.granted_at->utc_millis();
    t.grant_day = c.granted_at->local_date().first_day_number();
  }
  if (c.period && c.period->start) {
    t.valid_from_day = c.period->start->last_day_number();
    if (!t.grant_day) t.grant_day = c.period->start->first_day_number();
  }
  if (c.period && c.period->end) t.valid_to_day = c.period->end->first_day_number();
  t.purposes = c.purposes;
  for (const std::string& r : c.recipients) {
    if (r.starts_with("role:")) {
      t.recipient_roles.push_back(r.substr(5));
    } else {
      t.recipient_orgs.push_back(r);
    }
  }
  for (const std::string& code : c.data_categories) {
    if (auto category = core::parse_data_category(code)) {
      t.categories.add(*category);
    } else if (t.state == ConsentTerms::State::refusal) {
      t.all_categories = true;  // a "no" that cannot be read in full is read as "no to all"
    }
  }
  const bool refusal = t.state == ConsentTerms::State::refusal;
  if (c.granted_at) {
    t.expressed_ms = t.granted_ms;
  } else if (c.period && c.period->start) {
    t.expressed_ms = c.period->start->first_day_number() * kDayMs - kChinaOffsetMs;
  } else {
    t.expressed_ms = refusal ? kNever : kAlways;
  }
  return t;
}

ConsentTerms consent_terms_from_json(std::string_view id, std::int64_t version, std::string_view body_json) {
  const ScratchJson json(body_json);
  if (json.parsed()) {
    core::Decoded<core::Consent> decoded = core::from_json<core::Consent>(json.value());
    if (decoded.ok()) {
      ConsentTerms t = consent_terms(*decoded.value, version);
      t.id = std::string(id);  // the store's id is the one audits cite
      return t;
    }
  }
  ConsentTerms t;
  t.id = std::string(id);
  t.version = version;
  t.state = ConsentTerms::State::refusal;
  t.unreadable = true;
  t.all_categories = true;
  t.expressed_ms = kNever;
  return t;
}

std::optional<std::int64_t> record_day(core::RecordKind kind, const boost::json::object& body) {
  for (const DayField& f : kDayFields) {
    if (f.kind != kind) continue;
    const boost::json::value* v = at_path(body, f.key, f.member);
    const boost::json::string* text = v ? v->if_string() : nullptr;
    if (text == nullptr) return std::nullopt;
    std::string_view date(*text);
    date = date.substr(0, date.find('T'));  // the wall-clock date of a date-time
    auto parsed = core::PartialDate::parse_iso(date);
    if (!parsed) return std::nullopt;
    return parsed->first_day_number();
  }
  return std::nullopt;
}

}  // namespace kq::consent
