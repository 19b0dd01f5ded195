// RecordEnvelope: building, parsing and validating, with errors that carry paths; record kinds;
// UUIDs.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <set>
#include <string>

#include "gateway/core/json_codec.hpp"
#include "gateway/core/record.hpp"
#include "gateway/core/uuid.hpp"
#include "field_error_printer.hpp"
#include "sample_records.hpp"

namespace kq::core {
namespace {

using namespace kq::core::testing;
namespace json = boost::json;

// The canonical 36-character form: hex digits with dashes after 8, 12, 16 and 20 of them.
bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool dash_place = i == 8 || i == 13 || i == 18 || i == 23;
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash_place ? c != '-' : !hex) return false;
  }
  return true;
}

std::vector<RecordEnvelope> all_sample_envelopes() {
  return {to_envelope(sample_person()),           to_envelope(sample_organization()),
          to_envelope(sample_enrollment()),       to_envelope(sample_encounter()),
          to_envelope(sample_observation()),      to_envelope(sample_fitness_test()),
          to_envelope(sample_vision_screening()), to_envelope(sample_mental_health_screening()),
          to_envelope(sample_diagnosis()),        to_envelope(sample_procedure()),
          to_envelope(sample_inpatient_summary()), to_envelope(sample_consent()),
          to_envelope(sample_provenance()),       to_envelope(sample_audit_event()),
          to_envelope(sample_alert())};
}

TEST(RecordKind, NamesRoundTrip) {
  std::set<std::string_view> names;
  for (RecordKind kind : kAllRecordKinds) {
    names.insert(kind_name(kind));
    EXPECT_EQ(parse_kind(kind_name(kind)), kind);
  }
  EXPECT_EQ(names.size(), kAllRecordKinds.size());
  EXPECT_EQ(names.size(), 15u);
  EXPECT_EQ(kind_name(RecordKind::mental_health_screening), "mental_health_screening");
  EXPECT_EQ(parse_kind("Person"), std::nullopt);
  EXPECT_EQ(parse_kind("audit"), std::nullopt);
}

TEST(Envelope, BuiltFromTypedRecords) {
  const RecordEnvelope person = to_envelope(sample_person());
  EXPECT_EQ(person.kind, "person");
  EXPECT_EQ(person.id, "p-1");
  EXPECT_EQ(person.person_id, "p-1");  // a person is its own subject
  EXPECT_EQ(person.org_id, "");
  EXPECT_EQ(person.body, to_json(sample_person()));

  const RecordEnvelope org = to_envelope(sample_organization());
  EXPECT_EQ(org.org_id, "org-hospital");
  EXPECT_EQ(org.person_id, "");

  const RecordEnvelope obs = to_envelope(sample_observation());
  EXPECT_EQ(obs.kind, "observation");
  EXPECT_EQ(obs.person_id, "p-1");
  EXPECT_EQ(obs.org_id, "org-hospital");
}

TEST(Envelope, EverySampleValidates) {
  for (const RecordEnvelope& rec : all_sample_envelopes()) {
    auto errors = validate_envelope(rec, fixed_context());
    EXPECT_TRUE(errors.empty()) << rec.kind << ": " << errors.front().path << ": " << errors.front().message;
  }
}

TEST(Envelope, UnknownKindWithSuggestion) {
  RecordEnvelope rec = to_envelope(sample_person());
  rec.kind = "persn";
  EXPECT_EQ(validate_envelope(rec),
            (std::vector<FieldError>{
                {"kind", "'persn' is not a record kind (did you mean 'person'?)", ErrorKind::unsupported}}));
}

TEST(Envelope, BodyErrorsCarryFieldPaths) {
  RecordEnvelope rec = to_envelope(sample_person());
  rec.body["identifiers"].as_array()[0].as_object()["value"] = "110105194912310021";
  rec.body["sex"] = "M";
  auto errors = validate_envelope(rec, fixed_context());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], (FieldError{"identifiers[0].value", "check digit is 1, expected X", ErrorKind::data_type}));
  EXPECT_EQ(errors[1].path, "sex");
}

TEST(Envelope, UnknownKeyInBody) {
  RecordEnvelope rec = to_envelope(sample_observation());
  rec.body["efective_time"] = "2024-03-05T08:30:00+08:00";
  auto errors = validate_envelope(rec, fixed_context());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], (FieldError{"efective_time", "unknown key 'efective_time' (did you mean 'effective_time'?)",
                                   ErrorKind::structure}));
}

TEST(Envelope, IdsMustAgreeWithTheBody) {
  RecordEnvelope rec = to_envelope(sample_observation());
  rec.person_id = "p-9";
  rec.id = "";
  auto errors = validate_envelope(rec, fixed_context());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], (FieldError{"id", "is '' but the record says 'obs-1'", ErrorKind::data_type}));
  EXPECT_EQ(errors[1], (FieldError{"person_id", "is 'p-9' but the record says 'p-1'", ErrorKind::data_type}));
}

TEST(Envelope, SelfIdsMayBeLeftEmpty) {
  RecordEnvelope person = to_envelope(sample_person());
  person.person_id.clear();
  EXPECT_EQ(validate_envelope(person, fixed_context()), std::vector<FieldError>{});
  person.person_id = "p-2";
  EXPECT_EQ(validate_envelope(person, fixed_context()),
            (std::vector<FieldError>{{"person_id", "is 'p-2' but the record says 'p-1'", ErrorKind::data_type}}));
  RecordEnvelope org = to_envelope(sample_organization());
  org.org_id.clear();
  EXPECT_EQ(validate_envelope(org, fixed_context()), std::vector<FieldError>{});
  RecordEnvelope obs = to_envelope(sample_observation());
  obs.org_id.clear();  // not a self-id: the store would file the record under no organisation
  EXPECT_EQ(validate_envelope(obs, fixed_context()),
            (std::vector<FieldError>{{"org_id", "is '' but the record says 'org-hospital'", ErrorKind::data_type}}));
}

TEST(Envelope, ParsesTheFlatForm) {
  const std::string text = R"({"kind":"observation","id":"obs-7","person_id":"p-1","org_id":"org-h",
      "code":{"system":"http://loinc.org","code":"29463-7"},"value":{"type":"quantity","value":61.5,"unit":"kg"},
      "effective_time":"2024-03-05T08:30:00+08:00","reference_range":null})";
  EnvelopeResult result = parse_envelope(text, fixed_context());
  ASSERT_TRUE(result.ok()) << result.errors.front().path << ": " << result.errors.front().message;
  EXPECT_EQ(result.envelope.kind, "observation");
  EXPECT_EQ(result.envelope.id, "obs-7");
  EXPECT_EQ(result.envelope.person_id, "p-1");
  EXPECT_EQ(result.envelope.org_id, "org-h");
  EXPECT_FALSE(result.envelope.body.contains("kind"));
  EXPECT_FALSE(result.envelope.body.contains("reference_range"));  // normalised: null dropped
  EXPECT_EQ(result.envelope.body.at("status"), "final");
  EXPECT_TRUE(validate_envelope(result.envelope, fixed_context()).empty());

  Decoded<Observation> typed = from_json<Observation>(json::value(result.envelope.body));
  ASSERT_TRUE(typed.ok());
  EXPECT_EQ(std::get<Quantity>(*typed.value->value), (Quantity{61.5, "kg"}));
}

TEST(Envelope, FlatFormRoundTrip) {
  for (const RecordEnvelope& rec : all_sample_envelopes()) {
    EnvelopeResult back = parse_envelope(json::serialize(envelope_to_json(rec)), fixed_context());
    ASSERT_TRUE(back.ok()) << rec.kind << ": " << back.errors.front().path << ": " << back.errors.front().message;
    EXPECT_EQ(back.envelope.kind, rec.kind);
    EXPECT_EQ(back.envelope.id, rec.id);
    EXPECT_EQ(back.envelope.person_id, rec.person_id);
    EXPECT_EQ(back.envelope.org_id, rec.org_id);
    EXPECT_EQ(back.envelope.body, rec.body);
  }
}

TEST(Envelope, ParseErrors) {
  EnvelopeResult broken = parse_envelope(R"({"kind":"person",)");
  ASSERT_EQ(broken.errors.size(), 1u);
  EXPECT_EQ(broken.errors[0].path, "");
  EXPECT_EQ(broken.errors[0].message.rfind("invalid JSON at byte ", 0), 0u) << broken.errors[0].message;

  EnvelopeResult no_kind = parse_envelope(R"({"id":"p-1"})");
  EXPECT_EQ(no_kind.errors, (std::vector<FieldError>{{"kind", "is required", ErrorKind::required}}));
  EXPECT_EQ(no_kind.envelope.body.at("id"), "p-1");  // kept for the dead letter

  EnvelopeResult not_object = parse_envelope("[1]");
  ASSERT_EQ(not_object.errors.size(), 1u);
  EXPECT_EQ(not_object.errors[0],
            (FieldError{"", "expected a JSON object with a \"kind\" key, got an array", ErrorKind::structure}));
}

TEST(Envelope, InvalidRecordKeepsRawBodyAndIds) {
  const std::string text =
      R"({"kind":"consent","id":"c-1","person_id":"p-1","status":"active","lawful_basis":"consent","purpos":["x"]})";
  EnvelopeResult result = parse_envelope(text, fixed_context());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors[0],
            (FieldError{"purpos", "unknown key 'purpos' (did you mean 'purposes'?)", ErrorKind::structure}));
  EXPECT_EQ(result.envelope.kind, "consent");
  EXPECT_EQ(result.envelope.id, "c-1");
  EXPECT_EQ(result.envelope.person_id, "p-1");
  EXPECT_TRUE(result.envelope.body.contains("purpos"));
}

TEST(Envelope, ValidationErrorsFromParse) {
  const std::string text = R"({"kind":"consent","person_id":"p-1","status":"active","lawful_basis":"consent"})";
  EnvelopeResult result = parse_envelope(text, fixed_context());
  EXPECT_EQ(
      result.errors,
      (std::vector<FieldError>{
          {"purposes", "at least one purpose is required: consent covers stated purposes only", ErrorKind::required},
          {"data_categories", "at least one data category is required: consent covers named categories only",
           ErrorKind::required},
          {"recipients", "at least one recipient (an organisation id, or role:<name>) is required",
           ErrorKind::required}}));
}

TEST(Envelope, BodyOfAKnownKind) {
  EnvelopeResult ok = parse_envelope(R"({"name":"某小学","type":"school"})", RecordKind::organization);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.envelope.kind, "organization");
  EXPECT_EQ(ok.envelope.id, "");

  EnvelopeResult same_kind = parse_envelope(R"({"kind":"organization","name":"某小学"})", RecordKind::organization);
  EXPECT_TRUE(same_kind.ok());

  EnvelopeResult other_kind = parse_envelope(R"({"kind":"person","name":"某小学"})", RecordKind::organization);
  EXPECT_EQ(
      other_kind.errors,
      (std::vector<FieldError>{{"kind", "does not match the expected kind 'organization'", ErrorKind::unsupported}}));
}

TEST(Envelope, AssignIdFillsEnvelopeAndBody) {
  Person p = sample_person();
  p.id.clear();
  RecordEnvelope rec = to_envelope(p);
  EXPECT_EQ(rec.id, "");
  EXPECT_FALSE(rec.body.contains("id"));
  assign_id(rec, "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(rec.id, "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(rec.person_id, rec.id);
  EXPECT_EQ(rec.body.at("id").as_string(), rec.id);
  EXPECT_TRUE(validate_envelope(rec, fixed_context()).empty());

  RecordEnvelope obs = to_envelope(sample_observation());
  assign_id(obs, "obs-new");
  EXPECT_EQ(obs.person_id, "p-1");  // unchanged: the subject is not the record
  EXPECT_TRUE(validate_envelope(obs, fixed_context()).empty());
}

TEST(Envelope, OnlyAMintedIdIsMarkedNew) {
  RecordEnvelope obs = to_envelope(sample_observation());
  assign_new_id(obs);
  EXPECT_TRUE(obs.new_id);
  EXPECT_TRUE(is_uuid(obs.id));
  EXPECT_EQ(obs.body.at("id").as_string(), obs.id);
  // An id given by someone else (reprocessing reuses the earlier version's) may exist already.
  assign_id(obs, "obs-earlier");
  EXPECT_FALSE(obs.new_id);
}

TEST(Envelope, PersonReferencesAreWhereTheModelPutsThem) {
  const auto references = [](RecordEnvelope rec) {
    std::vector<std::string> seen;
    for_each_person_reference(rec, [&](boost::json::value& v) { seen.emplace_back(v.as_string()); });
    return seen;
  };
  EXPECT_EQ(references(to_envelope(sample_person())), std::vector<std::string>{"p-1"});
  EXPECT_EQ(references(to_envelope(sample_observation())), std::vector<std::string>{"p-1"});
  EXPECT_EQ(references(to_envelope(sample_provenance())),
            (std::vector<std::string>{"p-1", "p-1", "enc-1"}));  // person_id, then target_ids
  // The visitor may replace what it is shown.
  RecordEnvelope obs = to_envelope(sample_observation());
  for_each_person_reference(obs, [](boost::json::value& v) { v = "p-2"; });
  EXPECT_EQ(obs.body.at("person_id").as_string(), "p-2");
}

// Canonical lower-case form, the given version digit, the RFC 9562 variant.
void expect_uuid_version(const std::string& id, char version) {
  ASSERT_TRUE(is_uuid(id)) << id;
  EXPECT_EQ(id[14], version) << id;
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  EXPECT_EQ(id.find_first_of("ABCDEF"), std::string::npos) << "canonical form is lower-case: " << id;
}

TEST(Uuid, RandomVersion4) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string id = new_uuid();
    expect_uuid_version(id, '4');
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_FALSE(is_uuid("11111111-2222-4333-8444-55555555555"));
  EXPECT_FALSE(is_uuid("11111111-2222-4333-8444_555555555555"));
  EXPECT_FALSE(is_uuid("g1111111-2222-4333-8444-555555555555"));
}

TEST(Uuid, TimeOrderedVersion7CarriesTheMillisecond) {
  using namespace std::chrono;
  const auto before = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  std::string previous;
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string id = new_time_ordered_uuid();
    expect_uuid_version(id, '7');
    // The first 12 hex digits are the Unix time in milliseconds, so ids sort by time.
    const long long ms = std::stoll(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
    EXPECT_GE(ms, before);
    EXPECT_LE(ms, duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
    EXPECT_GE(id.substr(0, 13), previous.substr(0, std::min<std::size_t>(13, previous.size())));
    previous = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

}  // namespace
}  // namespace kq::core
