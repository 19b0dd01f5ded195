// to_fhir on rows read back from a real SQLite store, as the pull API will read them: the
// person id the store assigned, the version counter and the write time reach the resource.
#include "gateway/core/identifier_systems.hpp"
#include "tests/unit/fhir/fhir_samples.hpp"
#include "tests/unit/fhir/json_paths.hpp"
#include "tests/unit/store/store_test_support.hpp"

namespace kq::fhir::testing {
namespace {

using store::testing::make_message;
using store::testing::submit_and_wait;

class FhirFromStore : public store::testing::StoreTest {
 protected:
  store::WriteResult write(store::WriteBatch batch) {
    store::WriteResult r = submit_and_wait(*store_, std::move(batch));
    EXPECT_EQ(r.status, store::WriteStatus::committed) << r.error;
    return r;
  }

  // The sample person admitted as ingest does: identified by its resident ID, its id assigned by
  // the store. Returns that id.
  std::string admit() {
    core::Person person = core::testing::sample_person();
    person.id = "p";
    store::WriteBatch b;
    b.message = make_message("ADT^A01");
    b.identities = {{"p", std::string(core::id_system::kResidentId), "11010519491231002X"}};
    b.records.push_back(core::to_envelope(person));
    return write(std::move(b)).persons.at(0).person_id;
  }

  void write_diagnosis(const core::Diagnosis& d) {
    store::WriteBatch b;
    b.records.push_back(core::to_envelope(d));
    write(std::move(b));
  }

  boost::json::value resource(const std::string& id, store::StoredRecord* row_out = nullptr) {
    const std::optional<store::StoredRecord> row = store_->reader()->record(id);
    EXPECT_TRUE(row) << id;
    if (!row) return {};
    if (row_out) *row_out = *row;
    ToFhirResult result = to_fhir(*row);
    EXPECT_TRUE(result.resource) << result.problem.value_or("no FHIR form");
    return result.resource ? boost::json::value(std::move(*result.resource)) : boost::json::value();
  }

  void SetUp() override {
    StoreTest::SetUp();
    store_ = open();
  }
  void TearDown() override { store_.reset(); }

  std::unique_ptr<store::Store> store_;
};

TEST_F(FhirFromStore, PatientCarriesTheStoreAssignedIdAndTheWriteTime) {
  const std::string person_id = admit();
  ASSERT_NE(person_id, "p");
  store::StoredRecord row;
  const boost::json::value p = resource(person_id, &row);
  EXPECT_EQ(text(p, "/id"), person_id);
  EXPECT_EQ(text(p, "/meta/versionId"), "1");
  const std::string last_updated = text(p, "/meta/lastUpdated");
  ASSERT_TRUE(last_updated.ends_with("+08:00")) << last_updated;
  const auto instant = core::DateTime::parse_iso(last_updated);
  ASSERT_TRUE(instant) << last_updated;
  EXPECT_EQ(instant->utc_millis(), row.written_at_ms);
  EXPECT_EQ(text(p, "/name/0/text"), "王秀英");
  EXPECT_EQ(text(p, "/identifier/0/value"), "11010519491231002X");
}

TEST_F(FhirFromStore, EachStoredVersionIsItsOwnVersionIdAndTheLatestIsServed) {
  const std::string person_id = admit();
  core::Diagnosis d = core::testing::sample_diagnosis();
  d.person_id = person_id;
  d.clinical_status = "active";
  write_diagnosis(d);
  EXPECT_EQ(text(resource(d.id), "/meta/versionId"), "1");
  d.clinical_status = "resolved";
  write_diagnosis(d);
  const boost::json::value c = resource(d.id);
  EXPECT_EQ(text(c, "/meta/versionId"), "2");
  EXPECT_EQ(text(c, "/clinicalStatus/coding/0/code"), "resolved");
  EXPECT_EQ(text(c, "/subject/reference"), "Patient/" + person_id);
}

}  // namespace
}  // namespace kq::fhir::testing
