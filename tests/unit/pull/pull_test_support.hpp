#pragma once
// A real SQLite store of one Beijing district for the pull tests: a hospital placed in 110108,
// children living in 110105 with or without the parent's consent for the provincial CDC, their
// health-exam observations, and the policy of a gateway whose CDC principal pulls for PUBHLTH.
// Everything is written through the store's own writer and decided at a fixed instant inside the
// consents' periods.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/consent/policy.hpp"
#include "gateway/core/json_codec.hpp"
#include "gateway/pull/api.hpp"
#include "tests/support/dates.hpp"
#include "tests/support/pull_config.hpp"
#include "tests/unit/store/store_test_support.hpp"

namespace kq::pull::testing {

using ::kq::testing::at;
using ::kq::testing::on;

inline constexpr const char* kHospital = "org-hospital";
inline constexpr const char* kCdc = "org-cdc";
inline constexpr const char* kNow = "2025-03-01T10:00:00+08:00";

enum class Consent { granted, none, withdrawn };

inline config::GatewayConfig district_config() { return ::kq::testing::cdc_pull_config("province-cdc", kCdc); }

inline core::Consent cdc_consent(const std::string& person, Consent state) {
  core::Consent c;
  c.id = "c-" + person;
  c.person_id = person;
  c.org_id = kHospital;
  c.status = state == Consent::withdrawn ? "withdrawn" : "active";
  c.grantor = core::ConsentGrantor{std::nullopt, std::nullopt, std::string("52")};
  c.grantor_is_guardian = true;
  c.purposes = {"PUBHLTH"};
  c.data_categories = {"health_exam", "vision", "physical_fitness", "demographics"};
  c.recipients = {kCdc};
  c.separate_consent = true;
  c.lawful_basis = "consent";
  c.granted_at = at("2024-09-02T09:00:00+08:00");
  c.period = core::DatePeriod{on("2024-09-02"), on("2026-08-31")};
  if (state == Consent::withdrawn) c.withdrawn_at = at("2025-01-20T12:00:00+08:00");
  return c;
}

class DistrictStore : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_ = open();
    write({core::RecordEnvelope{"organization", kHospital, "", kHospital,
                                {{"id", kHospital}, {"name", "district hospital"}, {"admin_code", "110108"}},
                                false,
                                {}}});
  }
  void TearDown() override { store_->shutdown(); }

  void write(std::vector<core::RecordEnvelope> records) {
    store::WriteBatch b;
    b.records = std::move(records);
    const store::WriteResult r = store::testing::submit_and_wait(*store_, std::move(b));
    ASSERT_EQ(r.status, store::WriteStatus::committed) << r.error;
  }

  static core::RecordEnvelope observation(const std::string& id, const std::string& person,
                                          const std::string& category = "vital-signs") {
    return {"observation", id, person, kHospital,
            {{"id", id}, {"person_id", person}, {"org_id", kHospital}, {"category", category},
             {"effective_time", "2024-10-12T09:30:00+08:00"}},
            false, {}};
  }

  // A child born in 2014 living in 110105, the consent in `state` (none: no consent record),
  // and `observations` health-exam observations "o-<person>-<k>", written as one batch.
  void child(const std::string& person, Consent state, int observations = 2) {
    std::vector<core::RecordEnvelope> records;
    records.push_back({"person", person, person, "",
                       {{"id", person}, {"birth_date", "2014-05-01"},
                        {"addresses", boost::json::array{{{"use", "home"}, {"admin_code", "110105"}}}}},
                       false, {}});
    if (state != Consent::none) {
      const core::Consent c = cdc_consent(person, state);
      records.push_back({"consent", c.id, person, kHospital, core::to_json(c), false, {}});
    }
    for (int k = 0; k < observations; ++k) records.push_back(observation("o-" + person + "-" + std::to_string(k), person));
    write(std::move(records));
  }

  consent::Request request() const {
    auto opened = policy_.open("province-cdc", "PUBHLTH", at(kNow).utc_millis());
    if (auto* refusal = std::get_if<consent::Refusal>(&opened)) throw std::runtime_error(refusal->message);
    return std::get<consent::Request>(opened);
  }

  const config::GatewayConfig config_ = district_config();
  const consent::Policy policy_{config_};
  std::unique_ptr<store::Store> store_;
};

}  // namespace kq::pull::testing
