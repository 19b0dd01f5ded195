// envelope_from_body for a body the caller gives up (the mapping engine's path): it may keep
// the body instead of writing the record again, so what it returns must be exactly what the
// copying overload returns — the same errors, ids and JSON text, key order included — for
// canonical bodies and for every way a body can differ from the canonical form.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gateway/core/json_codec.hpp"
#include "gateway/core/record.hpp"
#include "field_error_printer.hpp"
#include "sample_records.hpp"

namespace kq::core {
namespace {

using namespace kq::core::testing;
namespace json = boost::json;

ValidationContext fixed_day() {
  ValidationContext context;
  context.today = PartialDate::ymd(2025, 1, 1);
  return context;
}

// Runs both overloads on `body` and checks that the owned one gives what the copying one gives.
// Returns the JSON text of the result.
std::string expect_same_as_copying(RecordKind kind, const json::object& body) {
  const EnvelopeResult copied = envelope_from_body(kind, json::value(body), fixed_day());
  EnvelopeResult owned = envelope_from_body(kind, json::object(body), fixed_day());
  EXPECT_EQ(owned.errors, copied.errors);
  EXPECT_EQ(owned.envelope.kind, copied.envelope.kind);
  EXPECT_EQ(owned.envelope.id, copied.envelope.id);
  EXPECT_EQ(owned.envelope.person_id, copied.envelope.person_id);
  EXPECT_EQ(owned.envelope.org_id, copied.envelope.org_id);
  const std::string text = json::serialize(owned.envelope.body);
  EXPECT_EQ(text, json::serialize(copied.envelope.body));
  return text;
}

json::object reversed(const json::object& body) {
  json::object out;
  for (auto it = body.end(); it != body.begin();) {
    --it;
    out.emplace(it->key(), it->value());
  }
  return out;
}

TEST(OwnedBody, EverySampleRecordComesBackAsCoreWritesIt) {
  const std::vector<std::pair<RecordKind, json::object>> samples = {
      {RecordKind::person, to_json(sample_person())},
      {RecordKind::organization, to_json(sample_organization())},
      {RecordKind::enrollment, to_json(sample_enrollment())},
      {RecordKind::encounter, to_json(sample_encounter())},
      {RecordKind::observation, to_json(sample_observation())},
      {RecordKind::fitness_test, to_json(sample_fitness_test())},
      {RecordKind::vision_screening, to_json(sample_vision_screening())},
      {RecordKind::mental_health_screening, to_json(sample_mental_health_screening())},
      {RecordKind::diagnosis, to_json(sample_diagnosis())},
      {RecordKind::procedure, to_json(sample_procedure())},
      {RecordKind::inpatient_summary, to_json(sample_inpatient_summary())},
      {RecordKind::consent, to_json(sample_consent())},
      {RecordKind::provenance, to_json(sample_provenance())},
      {RecordKind::audit_event, to_json(sample_audit_event())},
      {RecordKind::alert, to_json(sample_alert())},
  };
  for (const auto& [kind, body] : samples) {
    SCOPED_TRACE(std::string(kind_name(kind)));
    // Canonical already: kept, and the text is core's own.
    EXPECT_EQ(expect_same_as_copying(kind, body), json::serialize(body));
    // The same fields in another order: written again in core's order.
    EXPECT_EQ(expect_same_as_copying(kind, reversed(body)), json::serialize(body));
  }
}

TEST(OwnedBody, NestedKeysOutOfOrderAreWrittenInCoresOrder) {
  json::object body = to_json(sample_person());
  json::object& name = body["name"].as_object();
  json::object name_reversed = reversed(name);
  name = std::move(name_reversed);
  const std::string text = expect_same_as_copying(RecordKind::person, body);
  EXPECT_EQ(text, json::serialize(to_json(sample_person())));
}

TEST(OwnedBody, ValuesCoreWritesDifferentlyAreNormalised) {
  // An empty text in a plain string field is left out; an integer in a number field becomes a
  // number; a date-time is written in core's form. Each makes the body non-canonical.
  json::object person = to_json(sample_person());
  person["id"] = "";  // not assigned yet: the store assigns one
  const std::string without_id = expect_same_as_copying(RecordKind::person, person);
  EXPECT_EQ(without_id.find("\"id\":\"\""), std::string::npos) << without_id;

  json::object observation = to_json(sample_observation());
  json::object& value = observation["value"].as_object();
  if (value.contains("value") && value["value"].is_double()) {
    value["value"] = std::int64_t{172};
    const std::string text = expect_same_as_copying(RecordKind::observation, observation);
    EXPECT_NE(text.find("\"value\":1.72E2"), std::string::npos) << text;
  }

  json::object encounter = to_json(sample_encounter());
  encounter["period"].as_object()["start"] = "2024-03-05T08:30+08:00";  // no seconds
  expect_same_as_copying(RecordKind::encounter, encounter);

  json::object zero = to_json(sample_observation());
  if (zero["value"].as_object().contains("value") && zero["value"].as_object()["value"].is_double()) {
    zero["value"].as_object()["value"] = -0.0;
    expect_same_as_copying(RecordKind::observation, zero);
  }
}

TEST(OwnedBody, ABodyWithErrorsIsKeptRawForTheDeadLetter) {
  json::object body = to_json(sample_person());
  body["nickname"] = "Xiao Ming";
  body["birth_date"] = "31/12/1949";
  const std::string text = expect_same_as_copying(RecordKind::person, body);
  EXPECT_EQ(text, json::serialize(body));
  const EnvelopeResult owned = envelope_from_body(RecordKind::person, json::object(body), fixed_day());
  ASSERT_EQ(owned.errors.size(), 2u);
  EXPECT_EQ(owned.envelope.id, "p-1");  // recovered for filing
}

TEST(OwnedBody, ARecordThatFailsValidationKeepsItsBody) {
  json::object body = to_json(sample_person());
  body["sex"] = "7";  // not a GB/T 2261.1 code
  const std::string text = expect_same_as_copying(RecordKind::person, reversed(body));
  EXPECT_EQ(text, json::serialize(reversed(body)));
}

}  // namespace
}  // namespace kq::core
