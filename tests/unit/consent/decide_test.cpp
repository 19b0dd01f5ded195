// The decision rules one by one: jurisdiction, non-personal records, statutory flows, and every
// check a consent goes through, each with the reason it gives when it fails.
#include <set>

#include "tests/unit/consent/consent_test_support.hpp"

namespace kq::consent::testing {
namespace {

using C = DataCategory;

Decision decide_for(const Request& request, const RecordFacts& record, const SubjectFacts& subject) {
  return decide(request, record, &subject);
}

// A 10-year-old (born 2014-05-01) with the standard school consent.
SubjectFacts child(std::vector<core::Consent> consents = {school_consent()}) {
  return subject_with("2014-05-01", consents);
}
// A 20-year-old who consented themself.
SubjectFacts adult(std::vector<core::Consent> consents) { return subject_with("2005-01-01", consents); }

core::Consent own(core::Consent c) {
  c.grantor = core::ConsentGrantor{std::string("p-1"), std::nullopt, std::nullopt};
  c.grantor_is_guardian = false;
  return c;
}

TEST(Decide, AMatchingConsentPermitsAndIsCited) {
  const Request r = cdc_request();
  const SubjectFacts s = child();
  const Decision d = decide_for(r, record_of(kVision), s);
  EXPECT_EQ(d.outcome, Outcome::permit);
  EXPECT_EQ(d.reason, Reason::consent);
  ASSERT_NE(d.consent, nullptr);
  EXPECT_EQ(d.consent->id, "c-1");
  EXPECT_EQ(d.consent->version, 1);
  EXPECT_EQ(explain(r, record_of(kVision), d), "permitted by consent c-1 (version 1)");
}

TEST(Decide, OutsideTheJurisdictionIsNotFoundWhateverElseHolds) {
  const Request r = cdc_request();
  const SubjectFacts s = child();
  RecordFacts elsewhere = record_of(kVision);
  elsewhere.places = {{"org-other-school"}, {"130102"}};  // Hebei
  EXPECT_EQ(decide_for(r, elsewhere, s).outcome, Outcome::not_found);
  EXPECT_EQ(decide_for(r, elsewhere, s).reason, Reason::outside_jurisdiction);
  elsewhere.categories = CategorySet{C::organization};  // not even an organisation record shows
  EXPECT_EQ(decide_for(r, elsewhere, s).outcome, Outcome::not_found);
  Request statutory = r;
  statutory.flows.push_back({"stats", "org-cdc", {"PUBHLTH"}, CategorySet{C::organization, C::vision}, "law"});
  elsewhere.categories = kVision;
  EXPECT_EQ(decide_for(statutory, elsewhere, s).outcome, Outcome::not_found);
  // A region inside Beijing is inside.
  elsewhere.places = {{}, {"110108"}};
  EXPECT_EQ(decide_for(r, elsewhere, s).outcome, Outcome::permit);
}

TEST(Jurisdiction, OrganisationsAndRegionPrefixes) {
  config::JurisdictionConfig config;
  config.organisations = {"org-a"};
  config.regions = {"110000", "310100", "440305"};
  const Jurisdiction j(config);
  auto covers = [&](std::vector<std::string> orgs, std::vector<std::string> regions) {
    return j.covers(Places{std::move(orgs), std::move(regions)});
  };
  EXPECT_TRUE(covers({"org-a"}, {}));
  EXPECT_FALSE(covers({"org-b", ""}, {}));
  EXPECT_TRUE(covers({}, {"110108"}));        // a Beijing district
  EXPECT_TRUE(covers({}, {"110108001000"}));  // a street in it (12 digits)
  EXPECT_TRUE(covers({}, {"310101"}));        // a district of Shanghai's city districts (3101)
  EXPECT_FALSE(covers({}, {"310200"}));       // outside 3101
  EXPECT_TRUE(covers({}, {"440305"}));        // exactly the county
  EXPECT_FALSE(covers({}, {"440306"}));
  EXPECT_FALSE(covers({}, {"1"}));  // shorter than any listed region: not known to lie in one
  EXPECT_FALSE(covers({}, {}));
  EXPECT_TRUE(Jurisdiction().empty());
  EXPECT_FALSE(Jurisdiction().covers(Places{{"org-a"}, {"110108"}}));
}

TEST(Decide, RecordsThatAreNotAboutAPersonArePermittedWithoutConsent) {
  const Decision d = decide(cdc_request(), record_of(CategorySet{C::organization}, ""), nullptr);
  EXPECT_EQ(d.outcome, Outcome::permit);
  EXPECT_EQ(d.reason, Reason::not_personal);
}

TEST(Decide, AnUnreadableRecordIsDenied) {
  RecordFacts r = record_of(CategorySet{C::organization});
  r.readable = false;
  EXPECT_EQ(decide(cdc_request(), r, nullptr).reason, Reason::record_unreadable);
}

TEST(Decide, AStatutoryFlowPermitsWhatItCoversWithoutConsent) {
  Request r = cdc_request();
  r.flows.push_back({"national-fitness-monitoring", "org-cdc", {"PUBHLTH"},
                     CategorySet{C::physical_fitness, C::vision}, "《学生体质健康监测评价办法》"});
  const SubjectFacts none = subject_with("2014-05-01", {});
  Decision d = decide_for(r, record_of(kVision), none);
  EXPECT_EQ(d.outcome, Outcome::permit);
  EXPECT_EQ(d.reason, Reason::statutory);
  ASSERT_NE(d.flow, nullptr);
  EXPECT_EQ(explain(r, record_of(kVision), d),
            "permitted by the statutory flow 'national-fitness-monitoring': 《学生体质健康监测评价办法》");
  // Only categories the flow names; a record with one more category is not covered.
  EXPECT_EQ(decide_for(r, record_of(CategorySet{C::diagnosis}), none).reason, Reason::no_consent);
  EXPECT_EQ(decide_for(r, record_of(CategorySet{C::vision, C::mental_health}), none).reason, Reason::no_consent);
  // A legal duty does not depend on consent: a refusal does not stop it.
  core::Consent refusal = school_consent("c-no");
  refusal.status = "rejected";
  const SubjectFacts refused = subject_with("2014-05-01", {refusal});
  EXPECT_EQ(decide_for(r, record_of(kVision), refused).reason, Reason::statutory);
  // Nor does a record without a subject.
  EXPECT_EQ(decide(r, record_of(kVision, ""), nullptr).reason, Reason::statutory);
}

TEST(Decide, WithoutASubjectOrConsentsTheDefaultIsDeny) {
  const Request r = cdc_request();
  EXPECT_EQ(decide(r, record_of(kVision, ""), nullptr).reason, Reason::no_subject);
  EXPECT_EQ(decide(r, record_of(kVision), nullptr).reason, Reason::no_consent);
  const SubjectFacts none = subject_with("2014-05-01", {});
  const Decision d = decide_for(r, record_of(kVision), none);
  EXPECT_EQ(d.outcome, Outcome::deny);
  EXPECT_EQ(d.reason, Reason::no_consent);
  EXPECT_EQ(d.consent, nullptr);
  // Other lawful bases on a subject's record permit only as configured statutory flows.
  core::Consent duty = school_consent();
  duty.lawful_basis = "statutory_duty";
  EXPECT_EQ(decide_for(r, record_of(kVision), child({duty})).reason, Reason::no_consent);
}

TEST(Decide, StatusOtherThanActiveDenies) {
  const Request r = cdc_request();
  core::Consent c = school_consent();
  c.status = "withdrawn";
  c.withdrawn_at = at("2025-01-10T08:00:00+08:00");
  EXPECT_EQ(decide_for(r, record_of(kVision), child({c})).reason, Reason::consent_withdrawn);
  c.status = "expired";
  c.withdrawn_at.reset();
  EXPECT_EQ(decide_for(r, record_of(kVision), child({c})).reason, Reason::consent_expired);
  c.status = "draft";
  EXPECT_EQ(decide_for(r, record_of(kVision), child({c})).reason, Reason::consent_inactive);
  // A withdrawal time on an "active" consent (stored before validation caught it) still withdraws.
  c.status = "active";
  c.withdrawn_at = at("2025-02-01T08:00:00+08:00");
  EXPECT_EQ(decide_for(r, record_of(kVision), child({c})).reason, Reason::consent_withdrawn);
}

TEST(Decide, TheWithdrawalAppliesAtOnceAndOnlyToThatConsent) {
  const Request r = cdc_request("2025-01-10T08:00:01+08:00");
  core::Consent c = school_consent();
  c.status = "withdrawn";
  c.withdrawn_at = at("2025-01-10T08:00:00+08:00");
  EXPECT_EQ(decide_for(r, record_of(kVision), child({c})).reason, Reason::consent_withdrawn);
  core::Consent other = school_consent("c-2");
  other.data_categories = {"vision"};
  const Decision d = decide_for(r, record_of(kVision), child({c, other}));
  EXPECT_EQ(d.reason, Reason::consent);
  EXPECT_EQ(d.consent->id, "c-2");
}

TEST(Decide, ThePeriodIsInclusiveAndTheGrantTimeMatters) {
  const SubjectFacts s = child();
  EXPECT_EQ(decide_for(cdc_request("2024-09-01T00:00:00+08:00"), record_of(kVision), s).reason,
            Reason::consent_not_yet_valid);  // granted at 09:00 that day
  EXPECT_EQ(decide_for(cdc_request("2024-09-01T09:00:00+08:00"), record_of(kVision), s).reason, Reason::consent);
  EXPECT_EQ(decide_for(cdc_request("2025-08-31T23:59:59+08:00"), record_of(kVision), s).reason, Reason::consent);
  EXPECT_EQ(decide_for(cdc_request("2025-09-01T00:00:00+08:00"), record_of(kVision), s).reason,
            Reason::consent_expired);
  // 2025-08-31T16:00Z is already 1 September in Beijing.
  EXPECT_EQ(decide_for(cdc_request("2025-08-31T16:00:00Z"), record_of(kVision), s).reason, Reason::consent_expired);
  core::Consent later = school_consent();
  later.granted_at.reset();
  later.period = core::DatePeriod{on("2025-04-01"), std::nullopt};
  EXPECT_EQ(decide_for(cdc_request(), record_of(kVision), child({later})).reason, Reason::consent_not_yet_valid);
  later.period->start = on("2025-03-01");  // from today, open-ended
  EXPECT_EQ(decide_for(cdc_request(), record_of(kVision), child({later})).reason, Reason::consent);
}

TEST(Decide, PartialDatesInAPeriodAreReadNarrowly) {
  core::Consent c = school_consent();
  c.period = core::DatePeriod{on("2025-03"), on("2025")};  // starts 31 March at the latest, ends 1 January
  c.granted_at.reset();
  EXPECT_EQ(decide_for(cdc_request("2025-03-30T12:00:00+08:00"), record_of(kVision), child({c})).reason,
            Reason::consent_not_yet_valid);
  c.period = core::DatePeriod{on("2024"), on("2025-03")};  // from 31 December 2024 to 1 March 2025
  EXPECT_EQ(decide_for(cdc_request("2025-03-01T12:00:00+08:00"), record_of(kVision), child({c})).reason,
            Reason::consent);
  EXPECT_EQ(decide_for(cdc_request("2025-03-02T12:00:00+08:00"), record_of(kVision), child({c})).reason,
            Reason::consent_expired);
}

TEST(Decide, TheRecipientIsTheOrganisationOrOneOfItsRoles) {
  const Request r = cdc_request();
  core::Consent c = school_consent();
  c.recipients = {"org-hospital"};
  EXPECT_EQ(decide_for(r, record_of(kVision), child({c})).reason, Reason::recipient_not_covered);
  c.recipients = {"role:cdc"};
  EXPECT_EQ(decide_for(r, record_of(kVision), child({c})).reason, Reason::consent);
  c.recipients = {"role:school-doctor", "cdc"};  // a bare "cdc" is an organisation id, not the role
  EXPECT_EQ(decide_for(r, record_of(kVision), child({c})).reason, Reason::recipient_not_covered);
  // A requester without an organisation matches no organisation recipient, not even "".
  Request nameless = r;
  nameless.requester.organisation.clear();
  c.recipients = {""};
  EXPECT_EQ(decide_for(nameless, record_of(kVision), child({c})).reason, Reason::recipient_not_covered);
}

TEST(Decide, ThePurposeMustBeNamed) {
  const Request research = cdc_request("2025-03-01T10:00:00+08:00", "HRESCH");
  const SubjectFacts s = child();  // outlives d, whose consent points into it
  const Decision d = decide_for(research, record_of(kVision), s);
  EXPECT_EQ(d.reason, Reason::purpose_not_covered);
  EXPECT_EQ(explain(research, record_of(kVision), d), "denied: consent c-1 (version 1) does not cover the purpose HRESCH");
}

TEST(Decide, EveryCategoryOfTheRecordMustBeNamed) {
  const Request r = cdc_request();
  const Decision d = decide_for(r, record_of(CategorySet{C::mental_health}), child());
  EXPECT_EQ(d.reason, Reason::category_not_covered);
  core::Consent c = school_consent();
  c.data_categories = {"diagnosis"};
  const RecordFacts psychiatric = record_of(CategorySet{C::diagnosis, C::mental_health});
  EXPECT_EQ(decide_for(r, psychiatric, child({c})).reason, Reason::category_not_covered);
  EXPECT_EQ(explain(r, psychiatric, decide_for(r, psychiatric, child({c}))),
            "denied: consent c-1 (version 1) does not cover every category of the record (mental_health,diagnosis)");
  c.data_categories = {"diagnosis", "mental_health"};
  EXPECT_EQ(decide_for(r, psychiatric, child({c})).reason, Reason::consent);
}

TEST(Decide, SensitiveDataNeedsASeparateConsent) {
  const Request r = cdc_request();
  core::Consent general = own(school_consent());
  general.separate_consent = false;
  const SubjectFacts grown = adult({general});
  EXPECT_EQ(decide_for(r, record_of(kVision), grown).reason, Reason::separate_consent_required);
  // An adult's demographics and enrolment are not sensitive: a general consent covers them.
  EXPECT_EQ(decide_for(r, record_of(CategorySet{C::demographics}), grown).reason, Reason::consent);
  RecordFacts enrolment = record_of(CategorySet{C::enrollment});
  enrolment.day = day("2024-09-01");
  EXPECT_EQ(decide_for(r, enrolment, grown).reason, Reason::consent);
}

TEST(Decide, EverythingAboutAChildUnderTheGuardianAgeIsSensitive) {
  const Request r = cdc_request();
  core::Consent general = school_consent();
  general.separate_consent = false;
  // A 10-year-old's demographics need a separate consent too (PIPL art. 28).
  EXPECT_EQ(decide_for(r, record_of(CategorySet{C::demographics}), child({general})).reason,
            Reason::separate_consent_required);
  // So does an enrolment record from when a 16-year-old was 10, but not one from last year.
  core::Consent own_general = own(general);
  own_general.granted_at = at("2025-01-01T10:00:00+08:00");
  const SubjectFacts sixteen = subject_with("2008-06-01", {own_general});
  RecordFacts old_enrolment = record_of(CategorySet{C::enrollment});
  old_enrolment.day = day("2018-09-01");
  EXPECT_EQ(decide_for(r, old_enrolment, sixteen).reason, Reason::separate_consent_required);
  old_enrolment.day = day("2024-09-01");
  EXPECT_EQ(decide_for(r, old_enrolment, sixteen).reason, Reason::consent);
  // A subject whose birth date is unknown is read as a child.
  EXPECT_EQ(decide_for(r, record_of(CategorySet{C::demographics}), subject_with("", {own_general})).reason,
            Reason::separate_consent_required);
}

TEST(Decide, UnderTheGuardianAgeOnTheGrantDateOnlyAGuardianCanConsent) {
  const Request r = cdc_request();
  core::Consent by_child = own(school_consent());  // granted 2024-09-01
  EXPECT_EQ(decide_for(r, record_of(kVision), child({by_child})).reason, Reason::guardian_required);
  // 14 exactly on the grant date: may consent alone.
  EXPECT_EQ(decide_for(r, record_of(kVision), subject_with("2010-09-01", {by_child})).reason, Reason::consent);
  EXPECT_EQ(decide_for(r, record_of(kVision), subject_with("2010-09-02", {by_child})).reason,
            Reason::guardian_required);
  // 15 now, but 13 when they signed: the consent never was valid.
  const SubjectFacts fifteen = subject_with("2010-12-01", {by_child});
  const Decision d = decide_for(r, record_of(kVision), fifteen);
  EXPECT_EQ(d.reason, Reason::guardian_required);
  EXPECT_EQ(explain(r, record_of(kVision), d),
            "denied: consent c-1 (version 1) was not granted by a guardian, and the subject was under 14 on the "
            "grant date (or the birth or grant date is unknown)");
  // Unknown birth date, or unknown grant date: not shown to be old enough.
  EXPECT_EQ(decide_for(r, record_of(kVision), subject_with("", {by_child})).reason, Reason::guardian_required);
  core::Consent undated = own(school_consent());
  undated.granted_at.reset();
  undated.period.reset();
  EXPECT_EQ(decide_for(r, record_of(kVision), adult({undated})).reason, Reason::guardian_required);
  // A guardian's consent for a 20-year-old is still the guardian's: fine as long as the rest holds.
  EXPECT_EQ(decide_for(r, record_of(kVision), adult({school_consent()})).reason, Reason::consent);
}

TEST(Decide, TheDenialNamesTheConsentThatCameNearest) {
  const Request r = cdc_request();
  core::Consent withdrawn = school_consent("c-a");
  withdrawn.status = "withdrawn";
  withdrawn.withdrawn_at = at("2024-12-01T00:00:00+08:00");
  core::Consent other_purpose = school_consent("c-b");
  other_purpose.purposes = {"HRESCH"};
  core::Consent other_recipient = school_consent("c-c");
  other_recipient.recipients = {"org-hospital"};
  const Decision d = decide_for(r, record_of(kVision), child({withdrawn, other_purpose, other_recipient}));
  EXPECT_EQ(d.reason, Reason::purpose_not_covered);
  EXPECT_EQ(d.consent->id, "c-b");
  // Equally near: the first in id order.
  core::Consent also_other_purpose = school_consent("c-0");
  also_other_purpose.purposes = {"TREAT"};
  EXPECT_EQ(decide_for(r, record_of(kVision), child({other_purpose, also_other_purpose})).consent->id, "c-0");
}

TEST(Decide, OfSeveralPermittingConsentsTheLatestIsCited) {
  core::Consent first = school_consent("c-1");
  core::Consent second = school_consent("c-2");
  second.granted_at = at("2024-10-01T09:00:00+08:00");
  EXPECT_EQ(decide_for(cdc_request(), record_of(kVision), child({second, first})).consent->id, "c-2");
}

TEST(Decide, ARefusalDeniesUnlessALaterConsentOvertakesIt) {
  const Request r = cdc_request();
  core::Consent refusal = school_consent("c-no");
  refusal.status = "rejected";
  refusal.data_categories = {"vision"};
  refusal.granted_at = at("2024-10-01T09:00:00+08:00");
  // Consent on 1 September, refusal on 1 October: the refusal wins.
  Decision d = decide_for(r, record_of(kVision), child({school_consent(), refusal}));
  EXPECT_EQ(d.outcome, Outcome::deny);
  EXPECT_EQ(d.reason, Reason::refused);
  EXPECT_EQ(d.consent->id, "c-no");
  EXPECT_EQ(explain(r, record_of(kVision), d), "denied: the subject refused in consent c-no (version 1)");
  // The refusal names vision only: other categories are still permitted.
  EXPECT_EQ(decide_for(r, record_of(CategorySet{C::health_exam}), child({school_consent(), refusal})).reason,
            Reason::consent);
  // A record that is vision and something else is refused too.
  core::Consent wide = school_consent();
  wide.data_categories.push_back("mental_health");
  EXPECT_EQ(decide_for(r, record_of(CategorySet{C::vision, C::mental_health}), child({wide, refusal})).reason,
            Reason::refused);
  // A consent after the refusal overtakes it; one at the very same time does not (deny wins ties).
  core::Consent again = school_consent("c-again");
  again.granted_at = at("2024-11-01T09:00:00+08:00");
  EXPECT_EQ(decide_for(r, record_of(kVision), child({refusal, again})).consent->id, "c-again");
  again.granted_at = refusal.granted_at;
  EXPECT_EQ(decide_for(r, record_of(kVision), child({refusal, again})).reason, Reason::refused);
  // An undated refusal is never overtaken.
  refusal.granted_at.reset();
  refusal.period.reset();
  again.granted_at = at("2025-01-01T09:00:00+08:00");
  EXPECT_EQ(decide_for(r, record_of(kVision), child({refusal, again})).reason, Reason::refused);
}

TEST(Decide, ARefusalForSomethingElseDoesNotApply) {
  const Request r = cdc_request();
  core::Consent refusal = school_consent("c-no");
  refusal.status = "rejected";
  refusal.granted_at = at("2024-10-01T09:00:00+08:00");
  refusal.purposes = {"HRESCH"};
  EXPECT_EQ(decide_for(r, record_of(kVision), child({school_consent(), refusal})).reason, Reason::consent);
  refusal.purposes = {"PUBHLTH"};
  refusal.recipients = {"org-hospital"};
  EXPECT_EQ(decide_for(r, record_of(kVision), child({school_consent(), refusal})).reason, Reason::consent);
  refusal.recipients = {"org-cdc"};
  refusal.period = core::DatePeriod{on("2024-10-01"), on("2024-12-31")};  // a refusal for a while
  EXPECT_EQ(decide_for(r, record_of(kVision), child({school_consent(), refusal})).reason, Reason::consent);
  // Alone, a refusal that does not apply leaves nothing: no consent.
  EXPECT_EQ(decide_for(r, record_of(kVision), child({refusal})).reason, Reason::no_consent);
}

TEST(Decide, AConsentThatCannotBeReadDeniesEverythingConsentWouldDecide) {
  SubjectFacts s = child();
  s.consents.push_back(consent_terms_from_json("c-broken", 3, "{\"status\": \"active\", \"purposes\": 7}"));
  const Request r = cdc_request();
  const Decision d = decide_for(r, record_of(kVision), s);
  EXPECT_EQ(d.reason, Reason::consent_unreadable);
  EXPECT_EQ(d.consent->id, "c-broken");
  EXPECT_EQ(d.consent->version, 3);
  EXPECT_EQ(explain(r, record_of(kVision), d), "denied: consent c-broken (version 3) cannot be read");
  // A refusal naming a category this build does not know refuses every category.
  core::Consent refusal = school_consent("c-no");
  refusal.status = "rejected";
  refusal.data_categories = {"future_category"};
  refusal.granted_at = at("2024-10-01T09:00:00+08:00");
  EXPECT_EQ(decide_for(r, record_of(kVision), child({school_consent(), refusal})).reason, Reason::refused);
}

TEST(Decide, TheSubjectTableOverloadLooksTheSubjectUp) {
  SubjectTable table;
  table.emplace("p-1", child());
  EXPECT_EQ(decide(cdc_request(), record_of(kVision), table).reason, Reason::consent);
  EXPECT_EQ(decide(cdc_request(), record_of(kVision, "p-2"), table).reason, Reason::no_consent);
}

TEST(Decide, ReasonAndOutcomeCodesAreDistinct) {
  std::set<std::string_view> codes;
  for (int i = 0; i <= static_cast<int>(Reason::guardian_required); ++i) {
    EXPECT_TRUE(codes.insert(reason_code(static_cast<Reason>(i))).second) << i;
  }
  EXPECT_EQ(outcome_code(Outcome::not_found), "not_found");
  EXPECT_EQ(reason_code(Reason::separate_consent_required), "separate_consent_required");
}

}  // namespace
}  // namespace kq::consent::testing
