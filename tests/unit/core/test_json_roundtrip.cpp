// Every record type survives record → JSON → text → JSON → record unchanged, and the JSON has
// the documented shape (snake_case keys, dates at their precision, absent values omitted).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gateway/core/json_codec.hpp"
#include "sample_records.hpp"

namespace kq::core {
namespace {

using namespace kq::core::testing;
namespace json = boost::json;

template <class T>
void expect_round_trip(const T& record) {
  const json::object object = to_json(record);

  Decoded<T> direct = from_json<T>(json::value(object));
  ASSERT_TRUE(direct.ok()) << direct.errors.front().path << ": " << direct.errors.front().message;
  EXPECT_EQ(*direct.value, record);

  // Through text as well, as records travel between processes and into the store.
  const std::string text = json::serialize(object);
  Decoded<T> reparsed = from_json<T>(json::parse(text));
  ASSERT_TRUE(reparsed.ok()) << reparsed.errors.front().path << ": " << reparsed.errors.front().message;
  EXPECT_EQ(*reparsed.value, record) << text;
  EXPECT_EQ(json::serialize(to_json(*reparsed.value)), text);
}

TEST(JsonRoundTrip, Person) { expect_round_trip(sample_person()); }
TEST(JsonRoundTrip, Organization) { expect_round_trip(sample_organization()); }
TEST(JsonRoundTrip, Enrollment) { expect_round_trip(sample_enrollment()); }
TEST(JsonRoundTrip, Encounter) { expect_round_trip(sample_encounter()); }
TEST(JsonRoundTrip, Observation) { expect_round_trip(sample_observation()); }
TEST(JsonRoundTrip, FitnessTest) { expect_round_trip(sample_fitness_test()); }
TEST(JsonRoundTrip, VisionScreening) { expect_round_trip(sample_vision_screening()); }
TEST(JsonRoundTrip, MentalHealthScreening) { expect_round_trip(sample_mental_health_screening()); }
TEST(JsonRoundTrip, Diagnosis) { expect_round_trip(sample_diagnosis()); }
TEST(JsonRoundTrip, Procedure) { expect_round_trip(sample_procedure()); }
TEST(JsonRoundTrip, InpatientSummary) { expect_round_trip(sample_inpatient_summary()); }
TEST(JsonRoundTrip, Consent) { expect_round_trip(sample_consent()); }
TEST(JsonRoundTrip, Provenance) { expect_round_trip(sample_provenance()); }
TEST(JsonRoundTrip, AuditEvent) { expect_round_trip(sample_audit_event()); }
TEST(JsonRoundTrip, Alert) { expect_round_trip(sample_alert()); }

TEST(JsonRoundTrip, ProvenanceLineageIsOneObjectFromTargetToSource) {
  const json::object object = to_json(sample_provenance());
  EXPECT_EQ(json::serialize(object.at("lineage")),
            R"({"identifiers[0].value":"PID-3[1].1","name.text":"PID-5.1"})");
  // A source place that is not text is an error at that target path.
  json::object bad = object;
  bad["lineage"] = json::object{{"name.text", 5}};
  const Decoded<Provenance> decoded = from_json<Provenance>(json::value(bad));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.errors.front().path, "lineage.name.text");
  bad["lineage"] = "PID-5.1";
  EXPECT_FALSE(from_json<Provenance>(json::value(bad)).ok());
  // The array form written before is still read, as the same lineage.
  json::object legacy = object;
  legacy["lineage"] = json::array{json::object{{"target_path", "identifiers[0].value"}, {"source_location", "PID-3[1].1"}},
                                  json::object{{"target_path", "name.text"}, {"source_location", "PID-5.1"}}};
  const Decoded<Provenance> old = from_json<Provenance>(json::value(legacy));
  ASSERT_TRUE(old.ok()) << old.errors.front().path << ": " << old.errors.front().message;
  EXPECT_EQ(old.value->lineage, sample_provenance().lineage);
  // One field written from two places keeps both (location_text from PV1-3.1 and PV1-3.2).
  Provenance joined = sample_provenance();
  joined.lineage = {{"location_text", "PV1-3.1"}, {"location_text", "PV1-3.2"}, {"dept", "PV1-3.1"}};
  EXPECT_EQ(json::serialize(to_json(joined).at("lineage")),
            R"({"location_text":"PV1-3.1, PV1-3.2","dept":"PV1-3.1"})");
}

TEST(JsonRoundTrip, MinimalRecordsStayMinimal) {
  Person bare;
  EXPECT_TRUE(to_json(bare).empty());  // nothing known, nothing written
  expect_round_trip(bare);
  Consent consent;
  consent.person_id = "p-1";
  const json::object object = to_json(consent);
  // Plain booleans are always written: "not separate" is a statement, not an absence.
  EXPECT_EQ(object, json::parse(R"({"person_id":"p-1","grantor_is_guardian":false,"separate_consent":false})"));
  expect_round_trip(consent);
}

TEST(JsonRoundTrip, EveryObservationValueType) {
  Observation o = sample_observation();
  const ObservationValue values[] = {Quantity{-0.75, "[diop]"},
                                     Coding{"urn:kangqiao:cs:local", "pos", std::string("阳性")},
                                     std::string("见附件"), true, std::int64_t{42}};
  for (const ObservationValue& v : values) {
    o.value = v;
    expect_round_trip(o);
  }
  o.value = std::int64_t{3};
  EXPECT_EQ(to_json(o).at("value"), json::parse(R"({"type":"integer","value":3})"));
  o.value = Quantity{3, "1"};
  EXPECT_EQ(to_json(o).at("value").at("type"), "quantity");
}

TEST(JsonShape, DatesKeepPrecisionAndOffset) {
  const json::object enrollment = to_json(sample_enrollment());
  EXPECT_EQ(enrollment.at("period").at("start"), "2024-09-01");
  EXPECT_EQ(enrollment.at("period").at("end"), "2025-07");  // a month stays a month

  Person p;
  p.birth_date = PartialDate::ymd(2014, 3, 7);
  EXPECT_EQ(to_json(p).at("birth_date"), "2014-03-07");
  p.birth_date = *PartialDate::parse("2014");
  EXPECT_EQ(to_json(p).at("birth_date"), "2014");

  Observation o;
  o.effective_time = *DateTime::parse("20240305083000");  // no offset in the source: +08:00 assumed
  EXPECT_EQ(to_json(o).at("effective_time"), "2024-03-05T08:30:00+08:00");
  o.effective_time = *DateTime::parse("202403050830");
  EXPECT_EQ(to_json(o).at("effective_time"), "2024-03-05T08:30+08:00");
}

TEST(JsonShape, KeysAreFieldNamesAndAbsentValuesAreOmitted) {
  const json::object person = to_json(sample_person());
  EXPECT_EQ(person.at("id"), "p-1");
  EXPECT_EQ(person.at("identifiers").at(0).at("system"), "urn:oid:2.16.156.10011.1.3");
  EXPECT_EQ(person.at("identifiers").at(0).at("type"), "01");
  EXPECT_FALSE(person.at("identifiers").at(0).as_object().contains("assigner"));
  EXPECT_EQ(person.at("name").at("text"), "王秀英");
  EXPECT_EQ(person.at("contacts").at(0).at("is_guardian"), true);
  EXPECT_FALSE(person.contains("deceased_at"));
  EXPECT_FALSE(person.contains("person_id"));

  const json::object encounter = to_json(sample_encounter());
  EXPECT_EQ(encounter.at("encounter_class"), "inpatient");
  EXPECT_EQ(encounter.at("admission_count"), 1);

  Observation o;
  o.code = {"http://loinc.org", "8302-2", std::nullopt};
  const json::object obs = to_json(o);
  EXPECT_EQ(obs, json::parse(R"({"code":{"system":"http://loinc.org","code":"8302-2"},"status":"final"})"));
}

}  // namespace
}  // namespace kq::core
