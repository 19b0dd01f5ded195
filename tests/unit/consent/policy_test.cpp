// The request-level gate of a pull: who may pull at all, for which purposes, and which statutory
// flows come with the request; the calendar day decisions are made on.
#include "gateway/config/loader.hpp"
#include "tests/unit/consent/consent_test_support.hpp"

namespace kq::consent::testing {
namespace {

config::GatewayConfig configuration() {
  return config::load_gateway_config_from_string(R"(data_dir: .
listeners: [{name: a, port: 0}]
principals:
  - name: cdc
    organisation: org-cdc
    roles: [records.pull]
    subject: "CN=cdc"
    purposes: [PUBHLTH, SCHFEEDBACK]
    jurisdiction: { regions: ["110108"] }
  - { name: hospital, organisation: org-hosp, roles: [his.push], subject: "CN=hosp", purposes: [TREAT] }
  - { name: idle, organisation: org-idle, roles: [records.pull], subject: "CN=idle" }
consent:
  purposes: [{code: SCHFEEDBACK}]
  statutory:
    - {name: fitness, organisation: org-cdc, purposes: [PUBHLTH], categories: [physical_fitness], legal_basis: law A}
    - {name: idle-duty, organisation: org-idle, purposes: [PUBHLTH], categories: [vision], legal_basis: law B}
    - {name: feedback, organisation: org-cdc, purposes: [SCHFEEDBACK], categories: [vision], legal_basis: law C}
)",
                                                 "gw.yaml");
}

RefusalReason refusal_of(const std::variant<Request, Refusal>& opened) {
  EXPECT_TRUE(std::holds_alternative<Refusal>(opened));
  return std::holds_alternative<Refusal>(opened) ? std::get<Refusal>(opened).reason : RefusalReason::unknown_principal;
}

TEST(Policy, OpensAPullOnlyForAPullingPrincipalAndOneOfItsPurposes) {
  const Policy policy(configuration());
  const std::int64_t now = at("2025-03-01T10:00:00+08:00").utc_millis();
  EXPECT_EQ(refusal_of(policy.open("nobody", "PUBHLTH", now)), RefusalReason::unknown_principal);
  EXPECT_EQ(refusal_of(policy.open("hospital", "TREAT", now)), RefusalReason::missing_role);
  EXPECT_EQ(refusal_of(policy.open("cdc", "", now)), RefusalReason::purpose_missing);
  EXPECT_EQ(refusal_of(policy.open("cdc", "MARKETING", now)), RefusalReason::purpose_unknown);
  EXPECT_EQ(refusal_of(policy.open("cdc", "TREAT", now)), RefusalReason::purpose_not_allowed);
  EXPECT_EQ(std::get<Refusal>(policy.open("cdc", "TREAT", now)).message,
            "principal 'cdc' may not pull for the purpose 'TREAT'");
  EXPECT_EQ(refusal_of(policy.open("idle", "PUBHLTH", now)), RefusalReason::purpose_not_allowed);

  const auto opened = policy.open("cdc", "PUBHLTH", now);
  ASSERT_TRUE(std::holds_alternative<Request>(opened));
  const Request& r = std::get<Request>(opened);
  EXPECT_EQ(r.requester.organisation, "org-cdc");
  EXPECT_EQ(r.purpose, "PUBHLTH");
  EXPECT_EQ(r.today, day("2025-03-01"));
  EXPECT_EQ(r.guardian_age, 14);
  // Only the flows for this organisation and this purpose come along.
  ASSERT_EQ(r.flows.size(), 1u);
  EXPECT_EQ(r.flows[0].name, "fitness");
  EXPECT_EQ(r.flows[0].categories, CategorySet{DataCategory::physical_fitness});
  const auto local = policy.open("cdc", "SCHFEEDBACK", now);
  ASSERT_TRUE(std::holds_alternative<Request>(local));
  ASSERT_EQ(std::get<Request>(local).flows.size(), 1u);
  EXPECT_EQ(std::get<Request>(local).flows[0].name, "feedback");
}

TEST(Policy, WarnsAboutPullingPrincipalsThatCanReceiveNothing) {
  const Policy policy(configuration());
  EXPECT_EQ(policy.warnings(),
            (std::vector<std::string>{
                "principal 'idle' has the role records.pull but no purposes: every pull it makes is refused",
                "principal 'idle' has the role records.pull but no jurisdiction: it receives no record"}));
}

TEST(Policy, TheDayIsChinasCalendarDay) {
  // 16:00 UTC is midnight in Beijing: the next day there.
  EXPECT_EQ(china_day(at("2025-02-28T15:59:59Z").utc_millis()), day("2025-02-28"));
  EXPECT_EQ(china_day(at("2025-02-28T16:00:00Z").utc_millis()), day("2025-03-01"));
  EXPECT_EQ(china_day(at("1969-12-31T15:59:59Z").utc_millis()), day("1969-12-31"));
  EXPECT_EQ(china_day(at("1969-12-31T16:00:00Z").utc_millis()), day("1970-01-01"));
}

}  // namespace
}  // namespace kq::consent::testing
