// Consents that arrive through an adapter (pipeline/consent_checks.cpp), against a real SQLite
// store: a consent whose subject is a person of the same batch is checked against that person, and
// in a batch of independent documents a consent that fails keeps the whole batch out — consents
// are judged across the batch (a grant and a withdrawal may meet in it), so no document of it is
// stored, and the documents' own errors stay with the refusal.
#include <gtest/gtest.h>

#include "../consent/consent_test_support.hpp"
#include "../store/store_test_support.hpp"
#include "gateway/core/json_codec.hpp"
#include "gateway/pipeline/consent_checks.hpp"

namespace kq::pipeline {
namespace {

using consent::testing::on;
using consent::testing::school_consent;

constexpr int kGuardianAge = 14;

store::RecordEnvelope person_born(const char* birth_date) {
  core::Person p;
  p.id = "ref:1/student";
  p.sex = "1";
  p.birth_date = on(birth_date);
  return core::to_envelope(p);
}

store::RecordEnvelope consent_of(const std::string& subject) {
  core::Consent c = school_consent("c-batch");
  c.person_id = subject;
  return core::to_envelope(c);
}

// Three documents: the person (1), the consent (2) and one the mapping already rejected (3).
MessagePlan independent_batch(store::RecordEnvelope consent) {
  MessagePlan plan;
  plan.document_mode = KQ_DOCUMENTS_INDEPENDENT;
  plan.records = {person_born("2014-05-01"), std::move(consent)};
  plan.documents = {{1, true, 1, 0}, {2, true, 1, 0}, {3, false, 0, 1}};
  plan.errors = {{"sex", "sex code '7' is not GB/T 2261.1", core::ErrorKind::code_unknown}};
  plan.errors.back().document = 3;
  plan.dedupe = store::DedupeKey{"batch-test", "key-1", true, 0};
  return plan;
}

class ConsentChecksTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_ = open();
  }
  void TearDown() override { store_->shutdown(); }
  std::unique_ptr<store::Store> store_;
};

TEST_F(ConsentChecksTest, AConsentForAPersonOfTheBatchIsCheckedAgainstThatPerson) {
  MessagePlan plan = independent_batch(consent_of("ref:1/student"));
  check_consents(plan, *store_, kGuardianAge);
  EXPECT_EQ(plan.intended, KQ_OUTCOME_COMMITTED);
  EXPECT_EQ(plan.records.size(), 2u);
  EXPECT_TRUE(plan.documents[0].accepted);
  EXPECT_TRUE(plan.documents[1].accepted);
}

TEST_F(ConsentChecksTest, ARefusedConsentKeepsTheWholeIndependentBatchOut) {
  MessagePlan plan = independent_batch(consent_of("nobody"));
  check_consents(plan, *store_, kGuardianAge);
  EXPECT_EQ(plan.intended, KQ_OUTCOME_CONTENT_ERROR);
  EXPECT_TRUE(plan.records.empty());
  for (const plugin_host::DocumentResult& d : plan.documents) {
    EXPECT_FALSE(d.accepted) << d.number;
    EXPECT_EQ(d.records, 0u) << d.number;
  }
  // The mapping's error about document 3 comes first, then the consent's, by its record.
  ASSERT_GE(plan.errors.size(), 2u);
  EXPECT_EQ(plan.errors[0].document, 3u);
  bool subject_named = false;
  for (const core::FieldError& e : plan.errors) subject_named = subject_named || e.path == "records[1].person_id";
  EXPECT_TRUE(subject_named);
  // As for any content error: the key is not claimed, so the corrected resend can take it.
  ASSERT_TRUE(plan.dedupe);
  EXPECT_FALSE(plan.dedupe->claim);
}

TEST_F(ConsentChecksTest, AMinorsConsentGrantedWithoutAGuardianIsRefused) {
  core::Consent c = school_consent("c-batch");
  c.person_id = "ref:1/student";
  c.grantor_is_guardian = false;  // a ten-year-old cannot consent alone (PIPL art. 31)
  MessagePlan plan = independent_batch(core::to_envelope(c));
  check_consents(plan, *store_, kGuardianAge);
  EXPECT_EQ(plan.intended, KQ_OUTCOME_CONTENT_ERROR);
}

}  // namespace
}  // namespace kq::pipeline
