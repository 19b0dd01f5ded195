// Change detection of roster syncs (pipeline/roster_sync.hpp): what a mapped row's student is,
// and how it compares with the registry's snapshot.
#include "gateway/pipeline/roster_sync.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "tests/unit/store/store_test_support.hpp"

namespace kq::pipeline {
namespace {

store::RecordEnvelope envelope(const char* kind, const char* id, const char* body) {
  store::RecordEnvelope r;
  r.kind = kind;
  r.id = id;
  r.body = boost::json::parse(body).as_object();
  return r;
}

std::vector<store::RecordEnvelope> row(const char* person_ref, const char* school, const char* klass,
                                       const char* student_no = "G110105201203151233") {
  const std::string enrollment = std::string(R"({"id":"e-1","person_id":")") + person_ref +
                                 R"(","org_id":"o-1","grade":"16","class_name":")" + klass +
                                 R"(","status":"在读","student_no":")" + student_no + "\"}";
  const std::string org = std::string(R"({"id":"o-1","name":")") + school + "\"}";
  return {envelope("organization", "o-1", org.c_str()),
          envelope("person", person_ref,
                   (std::string(R"({"id":")") + person_ref +
                    R"(","identifiers":[{"system":"urn:oid:2.16.156.10011.1.3","value":"110105201203151233"}],)"
                    R"("name":{"text":"张小明"}})")
                       .c_str()),
          envelope("enrollment", "e-1", enrollment.c_str()), envelope("provenance", "p-9", R"({"id":"p-9"})")};
}

store::RosterEntry entry_of(const StudentFacts& f) {
  return {f.key, f.content_hash, f.school, f.grade, f.class_name, f.status, f.enrollment_id, "", ""};
}

TEST(RosterSync, TheStudentKeyIsTheStudentNumberElseTheResidentId) {
  const StudentFacts f = student_of(row("ref:student", "实验小学", "3班"));
  EXPECT_EQ(f.key, "student-no:G110105201203151233");
  EXPECT_EQ(f.school, "实验小学");
  EXPECT_EQ(f.grade, "16");
  EXPECT_EQ(f.enrollment_id, "e-1");
  EXPECT_EQ(student_of(row("ref:student", "实验小学", "3班", "")).key, "resident-id:110105201203151233");
}

TEST(RosterSync, TheHashIgnoresMessageLocalIdsAndProvenance) {
  EXPECT_EQ(student_of(row("ref:student", "实验小学", "3班")).content_hash,
            student_of(row("ref:7/student", "实验小学", "3班")).content_hash);
  EXPECT_NE(student_of(row("ref:student", "实验小学", "3班")).content_hash,
            student_of(row("ref:student", "实验小学", "4班")).content_hash);
}

TEST(RosterSync, ClassifiesNewChangedTransferredUnchanged) {
  const StudentFacts now = student_of(row("ref:student", "实验小学", "3班"));
  EXPECT_EQ(classify(std::nullopt, now), ChangeKind::added);
  EXPECT_EQ(classify(entry_of(now), now), ChangeKind::unchanged);
  EXPECT_EQ(classify(entry_of(student_of(row("ref:student", "实验小学", "4班"))), now), ChangeKind::changed);
  EXPECT_EQ(classify(entry_of(student_of(row("ref:student", "第二小学", "3班"))), now), ChangeKind::transferred);
  store::RosterEntry left = entry_of(now);
  left.status = "转出";
  EXPECT_EQ(classify(left, now), ChangeKind::changed);  // listed again after leaving
}

// A chunk of one row (line 9) whose only document maps to `records`, classified against a real
// store and the chunk before it, which may still be being written.
class ChunkClassifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteOptions options;
    options.path = dir_.path() / "gateway.db";
    store_ = store::make_sqlite_store(options);
    chunk_.run.id = "run-2";
    chunk_.run.registry = "registry|org-1";
    chunk_.number = 1;
    chunk_.header_size = 7;
    chunk_.rows = {{7, 5, 9}};
    in_.payload = "header\nrow9\n";
    decoded_.documents.resize(1);
    decoded_.documents[0].format = "csv";
  }
  void TearDown() override { store_->shutdown(); }

  // What keep() says of the row, and the chunk's write.
  std::pair<bool, store::RosterSyncWrite> classify(std::shared_ptr<const PlannedChunk> previous) {
    auto reader = store_->reader();
    ChunkClassifier c(chunk_, *reader, std::move(previous));
    EXPECT_TRUE(c.split(in_, decoded_));
    RecordsOrErrors converted;
    converted.records = row("ref:student", "实验小学", "3班");
    c.inspect(1, converted);
    const bool kept = c.keep(1, converted);
    return {kept, c.finish({})};
  }

  store::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  RosterChunk chunk_;
  plugin_host::Inbound in_;
  plugin_host::DecodeResult decoded_;
};

TEST_F(ChunkClassifierTest, AStudentOfTheChunkBeforeIsADuplicateEvenBeforeThatChunkIsWritten) {
  auto previous = std::make_shared<PlannedChunk>();
  previous->run_id = "run-2";
  previous->number = 0;
  previous->keys["student-no:G110105201203151233"] = 4;
  const auto [kept, write] = classify(previous);
  EXPECT_FALSE(kept);
  ASSERT_EQ(write.rejects.size(), 1u);
  EXPECT_EQ(write.rejects[0].line, 9);
  EXPECT_EQ(write.rejects[0].reason, "the student of line 4 appears again");
  EXPECT_TRUE(write.upserts.empty());
}

TEST_F(ChunkClassifierTest, AStudentThisRunAlreadyWroteIsADuplicate) {
  // An earlier chunk of run-2, committed: the snapshot row says run-2 saw the student.
  const StudentFacts f = student_of(row("ref:student", "实验小学", "3班"));
  store::RosterSyncWrite earlier;
  earlier.run = chunk_.run;
  earlier.chunk = 0;
  earlier.upserts.push_back(entry_of(f));
  store::WriteBatch batch;
  batch.message = store::testing::make_message("chunk 0");
  batch.roster = earlier;
  ASSERT_TRUE(store::testing::submit_and_wait(*store_, std::move(batch)).ok());

  const auto [kept, write] = classify(nullptr);
  EXPECT_FALSE(kept);
  ASSERT_EQ(write.rejects.size(), 1u);
  EXPECT_EQ(write.rejects[0].reason, "the student of an earlier row of the file appears again");
}

TEST_F(ChunkClassifierTest, AStudentOfAnotherRunIsComparedAsUsual) {
  auto previous = std::make_shared<PlannedChunk>();
  previous->keys["student-no:G999"] = 4;
  const auto [kept, write] = classify(previous);
  EXPECT_TRUE(kept);
  EXPECT_EQ(write.counts.added, 1);
  EXPECT_TRUE(write.rejects.empty());
}

TEST(RosterSync, GraduationFollowsTheFinalGradeOfEachSchoolStage) {
  for (const char* grade : {"16", "23", "33"}) EXPECT_EQ(departure_status(grade), "毕业") << grade;
  for (const char* grade : {"11", "15", "21", "22", "31", "32", ""}) EXPECT_EQ(departure_status(grade), "转出") << grade;
}

}  // namespace
}  // namespace kq::pipeline
