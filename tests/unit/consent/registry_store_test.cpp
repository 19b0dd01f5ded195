// The consent registry on a real SQLite store: consents are versioned records read by subject
// (through merges, in both directions), a withdrawal is a new version that applies from the next
// read on, the write checks need the stored birth date, and a page of stored records is decided
// before paging with the records of another region answering "not found".
#include <boost/json/serialize.hpp>

#include "gateway/consent/page.hpp"
#include "gateway/consent/registry.hpp"
#include "gateway/consent/subjects.hpp"
#include "gateway/core/disclosure_facts.hpp"
#include "gateway/core/json_codec.hpp"
#include "tests/unit/consent/consent_test_support.hpp"
#include "tests/unit/store/store_test_support.hpp"

namespace kq::consent::testing {
namespace {

using store::testing::make_message;
using store::testing::submit_and_wait;

constexpr const char* kMrn = "urn:oid:2.16.156.10011.1.13";

class RegistryTest : public store::testing::StoreTest {
 protected:
  // A person known by `mrn`, born on `birth`; returns the store's person id.
  std::string admit(const std::string& mrn, const std::string& birth) {
    store::WriteBatch b;
    b.message = make_message("admit " + mrn);
    b.identities = {{"p", kMrn, mrn}};
    core::RecordEnvelope person;
    person.kind = "person";
    person.id = "p";
    person.body = {{"id", "p"}, {"birth_date", birth}};
    b.records.push_back(std::move(person));
    const store::WriteResult r = submit_and_wait(*store_, std::move(b));
    EXPECT_EQ(r.status, store::WriteStatus::committed) << r.error;
    return r.persons.at(0).person_id;
  }

  void merge(const std::string& surviving_mrn, const std::string& prior_mrn) {
    store::WriteBatch b;
    b.message = make_message("merge " + prior_mrn);
    b.identities = {{"s", kMrn, surviving_mrn}};
    b.merges = {{"s", kMrn, prior_mrn}};
    const store::WriteResult r = submit_and_wait(*store_, std::move(b));
    ASSERT_EQ(r.status, store::WriteStatus::committed) << r.error;
  }

  // Writes a consent (or any record) as the next version of its id.
  void write(core::RecordEnvelope record) {
    store::WriteBatch b;
    b.records.push_back(std::move(record));
    const store::WriteResult r = submit_and_wait(*store_, std::move(b));
    ASSERT_EQ(r.status, store::WriteStatus::committed) << r.error;
  }
  void write(const core::Consent& c) {
    write(core::RecordEnvelope{"consent", c.id, c.person_id, c.org_id, core::to_json(c), false, {}});
  }
  void write_observation(const std::string& id, const std::string& person, const std::string& org,
                         const std::string& category) {
    write(core::RecordEnvelope{"observation", id, person, org,
                               {{"id", id},
                                {"person_id", person},
                                {"org_id", org},
                                {"category", category},
                                {"effective_time", "2025-02-01T09:00:00+08:00"}},
                               false,
                               {}});
  }

  void SetUp() override {
    StoreTest::SetUp();
    store_ = open();
  }
  void TearDown() override { store_->shutdown(); }

  std::unique_ptr<store::Store> store_;
};

core::Consent consent_for(const std::string& subject, std::string id = "c-1") {
  core::Consent c = school_consent(std::move(id));
  c.person_id = subject;
  return c;
}

TEST_F(RegistryTest, ConsentsAreReadBySubjectThroughMergesInBothDirections) {
  const std::string survivor = admit("MRN-1", "2014-05-01");
  const std::string prior = admit("MRN-2", "2013-01-01");
  const std::string stranger = admit("MRN-3", "2014-05-01");
  write(consent_for(survivor, "c-survivor"));
  write(consent_for(prior, "c-prior"));
  write(consent_for(stranger, "c-stranger"));
  merge("MRN-1", "MRN-2");

  auto reader = store_->reader();
  for (const std::string& asked : {survivor, prior}) {
    const store::ConsentSubjectRows rows = reader->consent_subjects({asked});
    EXPECT_EQ(rows.same_person.at(asked).size(), 2u) << asked;
    EXPECT_EQ(rows.persons.size(), 2u);
    ASSERT_EQ(rows.consents.size(), 2u);
    EXPECT_EQ(rows.consents[0].id, "c-prior");
    EXPECT_EQ(rows.consents[1].id, "c-survivor");
  }
  EXPECT_EQ(consents_of_subject(*reader, stranger).size(), 1u);
  EXPECT_TRUE(reader->consent_subjects({}).consents.empty());
  EXPECT_TRUE(reader->consent_subjects({"nobody"}).consents.empty());
  // The table a page is decided with: both consents, and the stricter (later) birth date.
  const SubjectTable table = subject_table(reader->consent_subjects({prior}), 14);
  EXPECT_EQ(table.at(prior).consents.size(), 2u);
  EXPECT_EQ(table.at(prior).adult_from_day, day("2028-05-01"));
}

TEST_F(RegistryTest, OnlyTheCurrentVersionCountsAndAWithdrawalIsFinal) {
  const std::string child = admit("MRN-1", "2014-05-01");
  const std::string other = admit("MRN-2", "2014-05-01");
  core::Consent c = consent_for(child);
  write(c);
  auto reader = store_->reader();
  ASSERT_TRUE(current_consent(*reader, "c-1"));
  EXPECT_EQ(current_consent(*reader, "c-1")->status, "active");

  const core::Consent gone = withdrawn(c, at("2025-02-01T08:00:00+08:00"));
  EXPECT_TRUE(check_consent_write(*reader, gone, 14, on("2025-02-01")).empty());
  write(gone);
  const store::ConsentSubjectRows rows = reader->consent_subjects({child});
  ASSERT_EQ(rows.consents.size(), 1u);
  EXPECT_EQ(rows.consents[0].version, 2);
  const SubjectTable table = subject_table(rows, 14);
  EXPECT_EQ(table.at(child).consents.at(0).state, ConsentTerms::State::withdrawn);

  // Agreeing again is a new consent; re-activating the withdrawn one is refused.
  const auto errors = check_consent_write(*reader, c, 14, on("2025-02-02"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "status");
  // So is moving a consent to another subject.
  core::Consent moved = gone;
  moved.person_id = other;
  bool subject_error = false;
  for (const core::FieldError& e : check_consent_write(*reader, moved, 14, on("2025-02-02"))) {
    subject_error = subject_error || e.path == "person_id";
  }
  EXPECT_TRUE(subject_error);
}

TEST_F(RegistryTest, TheWriteCheckKnowsTheSubjectsAgeFromTheStore) {
  const std::string child = admit("MRN-1", "2014-05-01");
  core::Consent own = consent_for(child);
  own.grantor = core::ConsentGrantor{child, std::nullopt, std::nullopt};
  own.grantor_is_guardian = false;
  auto reader = store_->reader();
  bool guardian_error = false;
  for (const core::FieldError& e : check_consent_write(*reader, own, 14, on("2025-02-02"))) {
    guardian_error = guardian_error || e.path.find("grantor") != std::string::npos;
  }
  EXPECT_TRUE(guardian_error) << "a 10-year-old cannot consent alone";
  EXPECT_TRUE(check_consent_write(*reader, consent_for(child), 14, on("2025-02-02")).empty());

  const auto unknown = check_consent_write(*reader, consent_for("no-such-person"), 14, on("2025-02-02"));
  ASSERT_FALSE(unknown.empty());
  EXPECT_EQ(unknown[0].path, "person_id");
}

TEST_F(RegistryTest, APageIsDecidedFromTheStoreAndAWithdrawalAppliesToTheNextPage) {
  const std::string child = admit("MRN-1", "2014-05-01");
  const std::string unconsented = admit("MRN-2", "2014-05-01");
  // Two schools: one in Beijing (its organisation record says so), one in Hebei.
  write(core::RecordEnvelope{"organization", "org-bj", "", "org-bj",
                             {{"id", "org-bj"}, {"name", "Beijing school"}, {"admin_code", "110108"}}, false, {}});
  write(core::RecordEnvelope{"organization", "org-hb", "", "org-hb",
                             {{"id", "org-hb"}, {"name", "Hebei school"}, {"admin_code", "130102"}}, false, {}});
  write(consent_for(child));
  write_observation("o-1", child, "org-bj", "vital-signs");
  write_observation("o-2", unconsented, "org-bj", "vital-signs");
  write_observation("o-3", child, "org-hb", "vital-signs");
  write_observation("o-4", child, "org-bj", "survey");  // mental health: not in the consent

  Request request = cdc_request();
  config::JurisdictionConfig beijing;
  beijing.regions = {"110000"};
  request.requester.jurisdiction = Jurisdiction(beijing);
  auto reader = store_->reader();
  std::vector<store::StoredRecord> rows;
  for (const char* id : {"o-1", "o-2", "o-3", "o-4", "org-bj"}) rows.push_back(*reader->record(id));

  const PageDecisions page = decide_page(request, *reader, rows);
  ASSERT_EQ(page.decisions.size(), rows.size());
  EXPECT_EQ(page.decisions[0].reason, Reason::consent);
  EXPECT_EQ(page.decisions[0].consent->id, "c-1");
  EXPECT_EQ(page.decisions[1].reason, Reason::no_consent);
  EXPECT_EQ(page.decisions[2].outcome, Outcome::not_found);
  EXPECT_EQ(page.decisions[3].reason, Reason::category_not_covered);
  EXPECT_EQ(page.decisions[4].reason, Reason::not_personal);

  write(withdrawn(consent_for(child), at("2025-02-20T08:00:00+08:00")));
  const PageDecisions next = decide_page(request, *reader, rows);
  EXPECT_EQ(next.decisions[0].reason, Reason::consent_withdrawn);
  EXPECT_EQ(next.decisions[0].consent->version, 2);
}

// The writer stores each record's categories and day beside its body (migration 6), tagged with
// the rules' fingerprint; a row whose tag is not this build's is read from its body again, so a
// rule change cannot leave a stale category in force.
TEST_F(RegistryTest, StoredFactsAreUsedOnlyUnderTheRulesThatComputedThem) {
  const std::string child = admit("MRN-1", "2014-05-01");
  write(consent_for(child));
  write_observation("o-1", child, "org-school", "vital-signs");
  write_observation("o-2", child, "org-school", "survey");  // mental health: not in the consent

  store::testing::RawDb db(db_path());
  const std::string current = std::to_string(core::disclosure_facts_version());
  EXPECT_EQ(db.text("SELECT facts_version FROM record WHERE id = 'o-2'"), current);
  const core::CategorySet survey{core::DataCategory::mental_health};
  EXPECT_EQ(db.text("SELECT category_bits FROM record WHERE id = 'o-2'"), std::to_string(survey.bits()));
  EXPECT_EQ(db.text("SELECT record_day FROM record WHERE id = 'o-1'"),
            std::to_string(core::PartialDate::parse_iso("2025-02-01")->first_day_number()));
  // A person's places are read from its body, so the writer stores nothing for it.
  EXPECT_EQ(db.text("SELECT count(*) FROM record WHERE kind = 'person' AND facts_version IS NULL"), "1");

  const Request request = cdc_request();
  auto reader = store_->reader();
  std::vector<store::StoredRecord> rows{*reader->record("o-1"), *reader->record("o-2")};
  const PageDecisions tagged = decide_page(request, *reader, rows);
  EXPECT_EQ(tagged.decisions[0].reason, Reason::consent);
  EXPECT_EQ(tagged.decisions[1].reason, Reason::category_not_covered);

  // Facts from other rules (here: wrong bits under another tag) are not believed.
  ASSERT_EQ(db.exec("UPDATE record SET facts_version = 1, category_bits = 0 WHERE id IN ('o-1', 'o-2')"), "");
  rows = {*reader->record("o-1"), *reader->record("o-2")};
  EXPECT_EQ(rows[1].facts_version, 1);
  const PageDecisions reread = decide_page(request, *reader, rows);
  EXPECT_EQ(reread.decisions[0].reason, Reason::consent);
  EXPECT_EQ(reread.decisions[1].reason, Reason::category_not_covered);
  EXPECT_EQ(reread.records[1].categories, survey);
}

}  // namespace
}  // namespace kq::consent::testing
