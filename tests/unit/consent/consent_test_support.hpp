#pragma once
// Builders for the consent tests: a request from a provincial CDC, consents written as the model
// holds them (and read through the same consent_terms() the store path uses), records placed in
// the requester's jurisdiction.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/consent/decide.hpp"
#include "gateway/consent/facts.hpp"
#include "gateway/consent/policy.hpp"
#include "gateway/core/dates.hpp"
#include "gateway/core/model.hpp"
#include "gateway/core/record_validation.hpp"
#include "tests/support/dates.hpp"

namespace kq::consent::testing {

using core::CategorySet;
using core::DataCategory;

using ::kq::testing::at;
using ::kq::testing::on;

inline std::int64_t day(const char* iso) { return on(iso).first_day_number(); }

// The CDC of a district, pulling for public health; its jurisdiction is one school and all of
// Beijing (110000).
inline Request cdc_request(const char* now = "2025-03-01T10:00:00+08:00", std::string purpose = "PUBHLTH") {
  Request r;
  r.requester.principal = "district-cdc";
  r.requester.organisation = "org-cdc";
  r.requester.roles = {"records.pull", "cdc"};
  r.requester.purposes = {"PUBHLTH", "HRESCH"};
  config::JurisdictionConfig j;
  j.organisations = {"org-school"};
  j.regions = {"110000"};
  r.requester.jurisdiction = Jurisdiction(j);
  r.purpose = std::move(purpose);
  r.now_ms = at(now).utc_millis();
  r.today = china_day(r.now_ms);
  r.guardian_age = 14;
  return r;
}

// A consent that permits the CDC everything a school exam produces for public health: active,
// separate, granted by a parent on 2024-09-01, valid through 2025-08-31.
inline core::Consent school_consent(std::string id = "c-1") {
  core::Consent c;
  c.id = std::move(id);
  c.person_id = "p-1";
  c.org_id = "org-school";
  c.status = "active";
  c.grantor = core::ConsentGrantor{std::nullopt, std::nullopt, std::string("52")};
  c.grantor_is_guardian = true;
  c.purposes = {"PUBHLTH"};
  c.data_categories = {"health_exam", "vision", "physical_fitness", "demographics", "enrollment"};
  c.recipients = {"org-cdc"};
  c.separate_consent = true;
  c.lawful_basis = "consent";
  c.granted_at = at("2024-09-01T09:00:00+08:00");
  c.period = core::DatePeriod{on("2024-09-01"), on("2025-08-31")};
  return c;
}

inline RecordFacts record_of(CategorySet categories, std::string subject = "p-1") {
  RecordFacts r;
  r.kind = core::RecordKind::observation;
  r.categories = categories;
  r.subject = std::move(subject);
  r.places.organisations = {"org-school"};
  return r;
}

// A subject born on `birth` (empty: unknown) with these consents, each read as version 1 and
// ordered by id as the store path orders them.
inline SubjectFacts subject_with(const char* birth, const std::vector<core::Consent>& consents) {
  SubjectFacts s;
  if (*birth != '\0') s.adult_from_day = core::age_reached_day(on(birth), 14);
  for (const core::Consent& c : consents) s.consents.push_back(consent_terms(c, 1));
  std::sort(s.consents.begin(), s.consents.end(),
            [](const ConsentTerms& a, const ConsentTerms& b) { return a.id < b.id; });
  return s;
}

inline const CategorySet kVision{DataCategory::vision};

}  // namespace kq::consent::testing
