// Person merges (ADT^A40) in the identity index: the prior person is linked, never deleted; its
// identifiers resolve to the surviving person from then on; repeating a merge changes nothing;
// merging a person into itself fails the batch as a content error.
#include <boost/json/parse.hpp>

#include "tests/unit/store/store_test_support.hpp"

namespace kq::store::testing {
namespace {

constexpr const char* kMrn = "urn:oid:2.16.156.10011.1.13";

class MergeTest : public StoreTest {
 protected:
  // A message that knows one patient by one MRN, with a person record and an observation.
  std::string admit(Store& store, const std::string& mrn, const std::string& payload) {
    WriteBatch b;
    b.message = make_message(payload);
    b.identities = {{"p", kMrn, mrn}};
    RecordEnvelope person = make_record("person", "p");
    person.org_id.clear();
    person.body = {{"id", "p"}};
    b.records.push_back(std::move(person));
    b.records.push_back(make_record("observation", {}, "p"));
    WriteResult r = submit_and_wait(store, std::move(b));
    EXPECT_EQ(r.status, WriteStatus::committed) << r.error;
    return r.persons.at(0).person_id;
  }

  // An A40: the person known by `surviving_mrn` absorbs the one known by `prior_mrn`.
  WriteResult merge(Store& store, const std::string& surviving_mrn, const std::string& prior_mrn,
                    const std::string& payload) {
    WriteBatch b;
    b.message = make_message(payload);
    b.identities = {{"s", kMrn, surviving_mrn}};
    b.merges = {{"s", kMrn, prior_mrn}};
    RecordEnvelope person = make_record("person", "s");
    person.org_id.clear();
    person.body = {{"id", "s"}};
    b.records.push_back(std::move(person));
    return submit_and_wait(store, std::move(b));
  }
};

TEST_F(MergeTest, LinksThePersonsKeepsEverythingAndResolvesLaterMessagesToTheSurvivor) {
  auto store = open();
  const std::string surviving = admit(*store, "MRN-0001", "A01 one");
  const std::string prior = admit(*store, "MRN-0002", "A01 two");
  ASSERT_NE(surviving, prior);
  auto prior_records = store->reader()->changes_since(0, 100);

  WriteResult r = merge(*store, "MRN-0001", "MRN-0002", "A40");
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
  ASSERT_EQ(r.merges.size(), 1u);
  EXPECT_EQ(r.merges[0].merged_person_id, prior);
  EXPECT_EQ(r.merges[0].surviving_person_id, surviving);
  EXPECT_FALSE(r.merges[0].already_linked);

  auto reader = store->reader();
  // The identity index links them: the prior identifier names the survivor now, and still
  // records whom it was first given to.
  EXPECT_EQ(reader->person_by_identifier(kMrn, "MRN-0002"), surviving);
  EXPECT_EQ(reader->identifier_owner(kMrn, "MRN-0002"), prior);
  auto links = reader->person_links(prior);
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].merged_person_id, prior);
  EXPECT_EQ(links[0].surviving_person_id, surviving);
  EXPECT_EQ(links[0].message_id, r.message_id);
  EXPECT_EQ(links[0].identifier_system, kMrn);
  EXPECT_GT(links[0].linked_at_ms, 0);
  EXPECT_EQ(reader->person_links(surviving).size(), 1u);

  // Nothing was deleted or rewritten: the prior person's record and observation are as they were.
  for (const StoredRecord& before : prior_records) {
    auto now = reader->record(before.id);
    ASSERT_TRUE(now.has_value()) << before.id;
    if (now->id != surviving) {
      EXPECT_EQ(now->version, before.version) << before.kind;
    }
    if (before.person_id == prior) {
      EXPECT_EQ(now->person_id, prior);
    }
  }
  auto counts = reader->row_counts();
  EXPECT_EQ(counts["person"], 2);
  EXPECT_EQ(counts["person_identifier"], 2);
  EXPECT_EQ(counts["person_link"], 1);

  // The merge is audited, without the identifier's value.
  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT count(*) FROM audit_log WHERE event_type = '110110' AND message_id = '" +
                     r.message_id + "'"),
            "1");
  EXPECT_EQ(raw.text("SELECT count(*) FROM audit_log WHERE detail LIKE '%MRN-0002%'"), "0");

  // A later message that only knows the prior MRN lands on the surviving person.
  WriteBatch later;
  later.identities = {{"x", kMrn, "MRN-0002"}};
  later.records.push_back(make_record("observation", {}, "x"));
  WriteResult l = submit_and_wait(*store, std::move(later));
  ASSERT_EQ(l.status, WriteStatus::committed) << l.error;
  EXPECT_FALSE(l.persons.at(0).created);
  EXPECT_EQ(l.persons.at(0).person_id, surviving);
  EXPECT_TRUE(l.identity_conflicts.empty());
  EXPECT_EQ(store->reader()->record(l.records.at(0).id)->person_id, surviving);
}

TEST_F(MergeTest, RepeatingAMergeChangesNothing) {
  auto store = open();
  const std::string surviving = admit(*store, "MRN-0001", "one");
  const std::string prior = admit(*store, "MRN-0002", "two");
  ASSERT_EQ(merge(*store, "MRN-0001", "MRN-0002", "A40 first").status, WriteStatus::committed);
  WriteResult again = merge(*store, "MRN-0001", "MRN-0002", "A40 resent with a new control id");
  ASSERT_EQ(again.status, WriteStatus::committed) << again.error;
  ASSERT_EQ(again.merges.size(), 1u);
  EXPECT_TRUE(again.merges[0].already_linked);
  EXPECT_EQ(again.merges[0].merged_person_id, prior);
  EXPECT_EQ(store->reader()->row_counts()["person_link"], 1);
  EXPECT_EQ(store->reader()->person_by_identifier(kMrn, "MRN-0002"), surviving);
}

TEST_F(MergeTest, MergingAPersonIntoItselfIsAContentErrorAndWritesNothing) {
  auto store = open();
  admit(*store, "MRN-0001", "one");
  auto before = store->reader()->row_counts();
  WriteResult r = merge(*store, "MRN-0001", "MRN-0001", "A40 to itself");
  EXPECT_EQ(r.status, WriteStatus::failed);
  EXPECT_TRUE(r.content_error);
  EXPECT_NE(r.error.find("merged into itself"), std::string::npos) << r.error;
  EXPECT_EQ(store->reader()->row_counts(), before);

  // A store failure is not a content error.
  WriteBatch broken;
  broken.records.push_back(make_record("observation"));
  broken.reprocess = Reprocess{"no-such-message", "m@1", true, ""};
  WriteResult f = submit_and_wait(*store, std::move(broken));
  EXPECT_EQ(f.status, WriteStatus::failed);
  EXPECT_FALSE(f.content_error);
}

TEST_F(MergeTest, ChainsOfMergesResolveToTheLastSurvivorAndUnknownPriorIdsAreAdopted) {
  auto store = open();
  const std::string a = admit(*store, "MRN-A", "a");
  const std::string b = admit(*store, "MRN-B", "b");
  const std::string c = admit(*store, "MRN-C", "c");
  ASSERT_EQ(merge(*store, "MRN-B", "MRN-A", "A into B").status, WriteStatus::committed);
  WriteResult r = merge(*store, "MRN-C", "MRN-B", "B into C");
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
  EXPECT_EQ(r.merges.at(0).merged_person_id, b);
  auto reader = store->reader();
  EXPECT_EQ(reader->person_by_identifier(kMrn, "MRN-A"), c);
  EXPECT_EQ(reader->person_by_identifier(kMrn, "MRN-B"), c);
  EXPECT_EQ(reader->identifier_owner(kMrn, "MRN-A"), a);

  // Merging A again (now part of C) into C: already linked through the chain.
  WriteResult again = merge(*store, "MRN-C", "MRN-A", "A into C");
  ASSERT_EQ(again.status, WriteStatus::committed) << again.error;
  EXPECT_TRUE(again.merges.at(0).already_linked);

  // A prior identifier nobody was stored under simply names the survivor from now on.
  WriteResult adopted = merge(*store, "MRN-C", "MRN-NEVER-SEEN", "unknown prior");
  ASSERT_EQ(adopted.status, WriteStatus::committed) << adopted.error;
  EXPECT_TRUE(adopted.merges.at(0).merged_person_id.empty());
  EXPECT_EQ(store->reader()->person_by_identifier(kMrn, "MRN-NEVER-SEEN"), c);
  EXPECT_EQ(store->reader()->row_counts()["person_link"], 2);
}

}  // namespace
}  // namespace kq::store::testing
