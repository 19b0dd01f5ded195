// The changes feed on a real store with permitted and denied records interleaved: pages are full
// whenever enough permitted records exist, no record comes twice and none is skipped across
// pages — also while new records are written between pages — denied records never come at all,
// the audit entries name each disclosed record with its consent or legal basis and each denial
// with its reason, and a long run of denied rows ends a page short with more=true.
#include <boost/json/parse.hpp>

#include <map>
#include <set>

#include "gateway/pull/changes.hpp"
#include "tests/unit/pull/pull_test_support.hpp"

namespace kq::pull::testing {
namespace {

struct Feed {
  std::vector<std::size_t> page_sizes;
  std::vector<std::string> ids;  // "id@version", in the order received
  std::vector<store::AuditEntry> audit;
  std::int64_t position = 0;
};

class ChangesFeed : public DistrictStore {
 protected:
  // One page, as get_changes reads it: a builder of its own, a reader of its own.
  ChangesPage page(std::int64_t after, std::size_t limit, const ChangesLimits& limits = {}) {
    const consent::Request r = request();
    DisclosureBuilder builder(r, "changes", "limit=" + std::to_string(limit));
    const std::unique_ptr<store::Reader> reader = store_->reader();
    return read_changes(builder, *reader, after, limit, limits);
  }

  // Pages from `feed.position` until the feed says there is no more.
  void read_to_end(Feed& feed, std::size_t limit, const ChangesLimits& limits = {}) {
    for (bool more = true; more;) {
      ChangesPage p = page(feed.position, limit, limits);
      feed.page_sizes.push_back(p.disclosure.records.size());
      for (const store::StoredRecord& r : p.disclosure.records) feed.ids.push_back(r.id + "@" + std::to_string(r.version));
      for (store::AuditEntry& e : p.disclosure.audit) feed.audit.push_back(std::move(e));
      ASSERT_GE(p.next_after, feed.position);
      feed.position = p.next_after;
      more = p.more;
    }
  }

  // 12 children in the order granted, none, withdrawn, granted, …: 4 of each.
  std::set<std::string> write_district() {
    std::set<std::string> permitted = {std::string(kHospital) + "@1"};  // not about a person
    const Consent states[] = {Consent::granted, Consent::none, Consent::withdrawn};
    for (int n = 0; n < 12; ++n) {
      const std::string person = "p" + std::to_string(n);
      child(person, states[n % 3], 3);
      if (states[n % 3] == Consent::granted) {
        permitted.insert(person + "@1");
        for (int k = 0; k < 3; ++k) permitted.insert("o-" + person + "-" + std::to_string(k) + "@1");
      }
    }
    return permitted;
  }
};

std::set<std::string> as_set(const std::vector<std::string>& ids) { return {ids.begin(), ids.end()}; }

boost::json::object detail_of(const store::AuditEntry& e) { return boost::json::parse(e.detail_json).as_object(); }

TEST_F(ChangesFeed, PagesAreFullWhileEnoughPermittedRecordsExistAndNothingDeniedComes) {
  const std::set<std::string> permitted = write_district();  // 17 permitted among 1 + 12×4 + 8 consents
  for (const std::size_t chunk : {std::size_t{1000}, std::size_t{4}, std::size_t{1}}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    Feed feed;
    read_to_end(feed, 5, ChangesLimits{chunk, 100'000});
    ASSERT_GE(feed.page_sizes.size(), 4u);
    // Full pages until the permitted records run out: 5, 5, 5, then the 2 left (and possibly an
    // empty last page when the fourth page ended exactly on the feed's last row).
    EXPECT_EQ(feed.page_sizes[0], 5u);
    EXPECT_EQ(feed.page_sizes[1], 5u);
    EXPECT_EQ(feed.page_sizes[2], 5u);
    EXPECT_EQ(feed.page_sizes[3], 2u);
    EXPECT_EQ(feed.ids.size(), permitted.size()) << "a record came twice";
    EXPECT_EQ(as_set(feed.ids), permitted);
  }
}

TEST_F(ChangesFeed, WritesBetweenPagesAreNeitherSkippedNorRepeated) {
  std::set<std::string> permitted = write_district();
  Feed feed;
  ChangesPage first = page(0, 6);
  for (const store::StoredRecord& r : first.disclosure.records) feed.ids.push_back(r.id + "@" + std::to_string(r.version));
  feed.position = first.next_after;
  ASSERT_TRUE(first.more);

  // Between two pages: a new child with consent, a new version of an observation already read
  // (p0's came in the first page), and one of a child without consent.
  child("p-new", Consent::granted, 2);
  for (const char* id : {"p-new@1", "o-p-new-0@1", "o-p-new-1@1"}) permitted.insert(id);
  write({observation("o-p0-0", "p0", "exam")});
  permitted.insert("o-p0-0@2");
  write({observation("o-p1-0", "p1", "exam")});

  read_to_end(feed, 6);
  EXPECT_EQ(feed.ids.size(), permitted.size()) << "a record came twice";
  EXPECT_EQ(as_set(feed.ids), permitted);
  // The feed is in write order: the new version comes after everything written before it.
  EXPECT_EQ(feed.ids.back(), "o-p0-0@2");
}

TEST_F(ChangesFeed, TheAuditNamesEachDisclosureWithItsBasisAndEachDenialWithItsReason) {
  child("granted", Consent::granted, 2);
  child("withdrawn", Consent::withdrawn, 2);
  child("unconsented", Consent::none, 1);
  // A notifiable disease of the child without consent: the reporting duty discloses it.
  write({{"diagnosis", "d-1", "unconsented", kHospital,
          {{"id", "d-1"}, {"person_id", "unconsented"}, {"org_id", kHospital},
           {"code", {{"system", "ICD-10"}, {"code", "B05.9"}}}},
          false, {}}});

  const ChangesPage p = page(0, 100);
  EXPECT_FALSE(p.more);
  std::vector<std::string> ids;
  for (const store::StoredRecord& r : p.disclosure.records) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::string>{kHospital, "granted", "o-granted-0", "o-granted-1", "d-1"}));

  ASSERT_EQ(p.disclosure.audit.size(), 4u);  // the request, then one per person
  const store::AuditEntry& request_entry = p.disclosure.audit[0];
  EXPECT_EQ(request_entry.event_type, store::audit_event::query);
  const boost::json::object req = detail_of(request_entry);
  EXPECT_EQ(req.at("api"), "changes");
  EXPECT_EQ(req.at("purpose"), "PUBHLTH");
  EXPECT_EQ(req.at("decided").to_number<int>(), 12);  // hospital + 3 persons + 2 consents + 5 observations + 1 diagnosis
  EXPECT_EQ(req.at("returned").to_number<int>(), 5);

  std::map<std::string, boost::json::object> by_person;
  for (std::size_t i = 1; i < p.disclosure.audit.size(); ++i) {
    const store::AuditEntry& e = p.disclosure.audit[i];
    EXPECT_EQ(e.event_type, store::audit_event::export_data);
    EXPECT_EQ(e.actor, "province-cdc");
    const boost::json::object d = detail_of(e);
    by_person[std::string(d.at("person_id").as_string())] = d;
    // Identity numbers and names never reach the audit detail: the bodies are not in it.
    EXPECT_EQ(e.detail_json.find("birth_date"), std::string::npos);
  }
  ASSERT_EQ(by_person.size(), 3u);

  const boost::json::object& granted = by_person.at("granted");
  EXPECT_EQ(granted.at("disclosed"), (boost::json::array{"granted@1", "o-granted-0@1", "o-granted-1@1"}));
  EXPECT_EQ(granted.at("bases"), (boost::json::array{"consent:c-granted"}));
  // Its own consent record is not covered by the consent (a consent_record is not a category it names).
  EXPECT_EQ(granted.at("denied").at("category_not_covered").to_number<int>(), 1);

  const boost::json::object& withdrawn = by_person.at("withdrawn");
  EXPECT_FALSE(withdrawn.contains("disclosed"));
  // The person, both observations and the consent record itself: the withdrawn consent came nearest.
  EXPECT_EQ(withdrawn.at("denied").at("consent_withdrawn").to_number<int>(), 4);
  EXPECT_EQ(withdrawn.at("denied_consents"), (boost::json::array{"c-withdrawn"}));

  const boost::json::object& unconsented = by_person.at("unconsented");
  EXPECT_EQ(unconsented.at("disclosed"), (boost::json::array{"d-1@1"}));
  EXPECT_EQ(unconsented.at("bases"), (boost::json::array{"statutory:notifiable-disease"}));
  EXPECT_EQ(unconsented.at("legal_basis"), (boost::json::array{::kq::testing::kNotifiableDiseaseBasis}));
  EXPECT_EQ(unconsented.at("denied").at("no_consent").to_number<int>(), 2);  // the person and an observation

  // A person with nothing disclosed is a minor failure of the export, one with something a success.
  for (std::size_t i = 1; i < p.disclosure.audit.size(); ++i) {
    const boost::json::object d = detail_of(p.disclosure.audit[i]);
    EXPECT_EQ(p.disclosure.audit[i].outcome,
              d.contains("disclosed") ? store::AuditOutcome::success : store::AuditOutcome::minor_failure);
  }
}

TEST_F(ChangesFeed, ALongRunOfDeniedRowsEndsAPageShortWithMore) {
  for (int n = 0; n < 6; ++n) child("denied-" + std::to_string(n), Consent::none, 3);  // 24 denied rows
  child("late", Consent::granted, 1);

  // 10 rows scanned at most, 4 at a time: the first page finds only the hospital and stops short.
  const ChangesLimits limits{4, 10};
  ChangesPage p = page(0, 5, limits);
  EXPECT_TRUE(p.more);
  EXPECT_LT(p.disclosure.records.size(), 5u);
  EXPECT_GT(p.next_after, 0);
  Feed feed;
  read_to_end(feed, 5, limits);
  EXPECT_EQ(as_set(feed.ids), (std::set<std::string>{std::string(kHospital) + "@1", "late@1", "o-late-0@1"}));
  EXPECT_EQ(feed.ids.size(), 3u);
  // 28 rows with a budget of 10 (a page overshoots it by at most one read): three pages at least.
  EXPECT_GE(feed.page_sizes.size(), 3u);
  // Every page's request entry says how far it got; together they cover every row once.
  int decided = 0;
  for (const store::AuditEntry& e : feed.audit) {
    if (e.event_type == store::audit_event::query) decided += detail_of(e).at("decided").to_number<int>();
  }
  EXPECT_EQ(decided, 1 + 6 * 4 + 3);  // hospital, six unconsented children, the late child with its consent
}

}  // namespace
}  // namespace kq::pull::testing
