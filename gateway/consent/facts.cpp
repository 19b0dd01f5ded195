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

}  // namespace kq::consent
