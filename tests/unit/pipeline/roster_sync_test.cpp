// Change detection of roster syncs (pipeline/roster_sync.hpp): what a mapped row's student is,
// and how it compares with the registry's snapshot.
#include "gateway/pipeline/roster_sync.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

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
  return {f.key, f.content_hash, f.school, f.grade, f.class_name, f.status, f.enrollment_id, ""};
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

TEST(RosterSync, GraduationFollowsTheFinalGradeOfEachSchoolStage) {
  for (const char* grade : {"16", "23", "33"}) EXPECT_EQ(departure_status(grade), "毕业") << grade;
  for (const char* grade : {"11", "15", "21", "22", "31", "32", ""}) EXPECT_EQ(departure_status(grade), "转出") << grade;
}

}  // namespace
}  // namespace kq::pipeline
