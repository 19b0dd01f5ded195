// The setter tables (record_setters.hpp): a record of every kind, filled member by member
// through its table from the values of core's own JSON body, must come out as exactly that
// body, and must validate like the record itself. That holds only if the table lists every
// member core reads and writes, at the right place, with the right kind of value.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gateway/core/json_codec.hpp"
#include "gateway/core/record_setters.hpp"
#include "gateway/core/record_validation.hpp"
#include "field_error_printer.hpp"
#include "sample_records.hpp"

namespace kq::core {
namespace {

namespace json = boost::json;
using setters::LeafValue;
using setters::Member;
using setters::Shape;

// Sets one leaf from its JSON value, as the mapping engine does after converting a value.
void set_leaf(const Member& m, void* at, const json::value& v) {
  LeafValue leaf;
  leaf.kind = m.takes;
  std::optional<PartialDate> date;
  std::optional<DateTime> datetime;
  std::string error;
  switch (m.takes) {
    case LeafValue::Kind::text: leaf.text = v.as_string(); break;
    case LeafValue::Kind::number: leaf.number = v.to_number<double>(); break;
    case LeafValue::Kind::integer: leaf.integer = v.to_number<std::int64_t>(); break;
    case LeafValue::Kind::boolean: leaf.boolean = v.as_bool(); break;
    case LeafValue::Kind::date:
      date = *PartialDate::parse_iso(v.as_string());
      leaf.date = &*date;
      break;
    case LeafValue::Kind::datetime:
      datetime = *DateTime::parse_iso(v.as_string());
      leaf.datetime = &*datetime;
      break;
  }
  ASSERT_TRUE(m.set(at, leaf, error)) << m.key << ": " << error;
}

// A JSON leaf as the LeafValue of the kind its JSON type is (what a mapping gives a union's
// fields): a string is text, a double a number, an integer an integer.
LeafValue leaf_of(const json::value& v) {
  LeafValue leaf;
  if (v.is_string()) {
    leaf.text = v.get_string();
  } else if (v.is_double()) {
    leaf.kind = LeafValue::Kind::number;
    leaf.number = v.get_double();
  } else if (v.is_int64()) {
    leaf.kind = LeafValue::Kind::integer;
    leaf.integer = v.get_int64();
  } else if (v.is_bool()) {
    leaf.kind = LeafValue::Kind::boolean;
    leaf.boolean = v.get_bool();
  } else {
    ADD_FAILURE() << "not a leaf: " << json::serialize(v);
  }
  return leaf;
}

setters::TaggedFields tagged_of(const json::object& object) {
  setters::TaggedFields fields;
  for (const auto& [key, value] : object) fields.add(key, leaf_of(value));
  return fields;
}

void fill(const setters::Type& type, void* object, const json::object& body) {
  for (const auto& [key, value] : body) {
    const Member* member = type.find(key);
    ASSERT_NE(member, nullptr) << type.name << " has no member " << key;
    void* at = member->in(object);
    switch (member->shape) {
      case Shape::leaf: set_leaf(*member, at, value); break;
      case Shape::leaf_list:
        for (const json::value& item : value.as_array()) set_leaf(*member, at, item);
        break;
      case Shape::object: fill(*member->type, member->open(at), value.as_object()); break;
      case Shape::object_list:
        for (const json::value& item : value.as_array()) fill(*member->type, member->open(at), item.as_object());
        break;
      case Shape::tagged: {
        std::vector<FieldError> errors;
        member->set_tagged(at, tagged_of(value.as_object()), std::string(key), errors);
        EXPECT_TRUE(errors.empty()) << key;
        break;
      }
      case Shape::json: {
        std::vector<FieldError> errors;
        member->read(at, value, std::string(key), errors);
        EXPECT_TRUE(errors.empty()) << key;
        break;
      }
    }
  }
}

template <class T>
void expect_round_trip(RecordKind kind, const T& sample) {
  const json::object body = to_json(sample);
  setters::Record record(kind);
  fill(setters::record_type(kind), record.data(), body);
  EXPECT_TRUE(*static_cast<const T*>(record.data()) == sample) << kind_name(kind);
  const auto arena = json::make_shared_resource<json::monotonic_resource>();
  const EnvelopeResult result = setters::envelope_from_record(std::move(record), testing::fixed_context(), arena);
  EXPECT_TRUE(result.errors.empty()) << kind_name(kind) << ": " << (result.errors.empty() ? "" : result.errors[0].path);
  EXPECT_EQ(json::serialize(result.envelope.body), json::serialize(body)) << kind_name(kind);
  EXPECT_EQ(result.envelope.body.storage().get(), arena.get()) << kind_name(kind) << ": the body left its arena";
  const RecordEnvelope reference = to_envelope(sample);
  EXPECT_EQ(result.envelope.id, reference.id);
  EXPECT_EQ(result.envelope.person_id, reference.person_id);
  EXPECT_EQ(result.envelope.org_id, reference.org_id);
}

TEST(RecordSetters, FillEveryKindExactlyAsCoreReadsIt) {
  using namespace testing;
  expect_round_trip(RecordKind::person, sample_person());
  expect_round_trip(RecordKind::organization, sample_organization());
  expect_round_trip(RecordKind::enrollment, sample_enrollment());
  expect_round_trip(RecordKind::encounter, sample_encounter());
  expect_round_trip(RecordKind::observation, sample_observation());
  expect_round_trip(RecordKind::fitness_test, sample_fitness_test());
  expect_round_trip(RecordKind::vision_screening, sample_vision_screening());
  expect_round_trip(RecordKind::mental_health_screening, sample_mental_health_screening());
  expect_round_trip(RecordKind::diagnosis, sample_diagnosis());
  expect_round_trip(RecordKind::procedure, sample_procedure());
  expect_round_trip(RecordKind::inpatient_summary, sample_inpatient_summary());
  expect_round_trip(RecordKind::consent, sample_consent());
  expect_round_trip(RecordKind::provenance, sample_provenance());
  expect_round_trip(RecordKind::audit_event, sample_audit_event());
  expect_round_trip(RecordKind::alert, sample_alert());
}

TEST(RecordSetters, AnIntegerOutOfRangeIsRefusedAsTheReaderRefusesIt) {
  const setters::Type& type = setters::record_type(RecordKind::encounter);
  const Member* count = type.find("admission_count");
  ASSERT_NE(count, nullptr);
  setters::Record record(RecordKind::encounter);
  LeafValue v;
  v.kind = LeafValue::Kind::integer;
  v.integer = std::int64_t{1} << 40;
  std::string error;
  EXPECT_FALSE(count->set(count->in(record.data()), v, error));
  const auto decoded = from_json<Encounter>(json::parse(R"({"admission_count": 1099511627776})"));
  ASSERT_EQ(decoded.errors.size(), 1u);
  EXPECT_EQ(error, decoded.errors[0].message);
}

// Observation.value set from its fields must be refused exactly when, and in exactly the words
// with which, core's reader refuses the same fields in a body — and be the same value when not.
TEST(RecordSetters, ATaggedUnionIsMadeAndRefusedAsTheReaderReadsIt) {
  const setters::Type& type = setters::record_type(RecordKind::observation);
  const Member* value = type.find("value");
  ASSERT_NE(value, nullptr);
  ASSERT_EQ(value->shape, Shape::tagged);
  const char* const cases[] = {
      // well formed, one of each type
      R"({"type":"quantity","value":172.5,"unit":"cm"})",
      R"({"type":"quantity","value":3})",  // an integer is a number
      R"({"type":"coded","system":"http://loinc.org","code":"718-7","display":"Hb"})",
      R"({"type":"coded"})",
      R"({"type":"string","value":"阴性"})",
      R"({"type":"boolean","value":false})",
      R"({"type":"integer","value":-4})",
      // the type missing, empty, unknown or not text
      R"({"value":1})",
      R"({"type":"","value":1})",
      R"({"type":"ratio","numerator":1})",
      R"({"type":3,"value":1})",
      // a value its type requires missing, or of the wrong JSON type
      R"({"type":"quantity","unit":"cm"})",
      R"({"type":"string"})",
      R"({"type":"boolean"})",
      R"({"type":"integer"})",
      R"({"type":"integer","value":3.5})",
      R"({"type":"integer","value":"3"})",
      R"({"type":"quantity","value":"tall"})",
      R"({"type":"boolean","value":1})",
      R"({"type":"string","value":true})",
      R"({"type":"coded","code":7})",
      // keys the type does not have, with and without a near miss
      R"({"type":"boolean","value":true,"unit":"cm"})",
      R"({"type":"coded","cod":"x","colour":"red"})",
  };
  std::size_t refused = 0;
  for (const char* text : cases) {
    const json::object fields = json::parse(text).as_object();
    json::object body;
    body["value"] = fields;
    const Decoded<Observation> read = from_json<Observation>(body);
    std::vector<FieldError> read_errors = read.errors;
    Observation by_reader;
    if (read.value) by_reader = *read.value;

    setters::Record record(RecordKind::observation);
    std::vector<FieldError> set_errors;
    value->set_tagged(value->in(record.data()), tagged_of(fields), "value", set_errors);
    const Observation& by_setter = *static_cast<const Observation*>(record.data());

    EXPECT_EQ(set_errors, read_errors) << text;
    refused += read_errors.empty() ? 0 : 1;
    if (read_errors.empty()) {
      EXPECT_TRUE(by_setter.value == by_reader.value) << text;
      ASSERT_TRUE(by_setter.value.has_value()) << text;
    }
  }
  // The cases exercise what they are meant to: all but the first seven are refused.
  EXPECT_EQ(refused, std::size(cases) - 7);
}

TEST(RecordSetters, ATaggedUnionsFieldsAreItsOwnCopies) {
  setters::TaggedFields fields;
  {
    std::string unit = "mmol/L, a unit longer than a short string's buffer";
    LeafValue text;
    text.text = "quantity";
    fields.add("type", text);
    LeafValue number;
    number.kind = LeafValue::Kind::number;
    number.number = 5.4;
    fields.add("value", number);
    LeafValue u;
    u.text = unit;
    fields.add("unit", u);
    unit.assign(unit.size(), 'x');  // the caller's text changes, then is gone
  }
  const Member* value = setters::record_type(RecordKind::observation).find("value");
  setters::Record record(RecordKind::observation);
  std::vector<FieldError> errors;
  value->set_tagged(value->in(record.data()), fields, "value", errors);
  EXPECT_TRUE(errors.empty());
  const Observation& o = *static_cast<const Observation*>(record.data());
  ASSERT_TRUE(o.value.has_value());
  EXPECT_TRUE(*o.value == ObservationValue(Quantity{5.4, "mmol/L, a unit longer than a short string's buffer"}));
  // Cleared and filled again, the entries are reused: what was there before is not read.
  fields.clear();
  LeafValue flag;
  flag.text = "boolean";
  fields.add("type", flag);
  errors.clear();
  value->set_tagged(value->in(record.data()), fields, "value", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], (FieldError{"value.value", "is required", ErrorKind::required}));
}

TEST(RecordSetters, AnInvalidRecordHasErrorsAndNoBody) {
  setters::Record record(RecordKind::encounter);  // no encounter_class
  const auto arena = json::make_shared_resource<json::monotonic_resource>();
  const EnvelopeResult result = setters::envelope_from_record(std::move(record), testing::fixed_context(), arena);
  EXPECT_FALSE(result.errors.empty());
  EXPECT_TRUE(result.envelope.body.empty());
  EXPECT_EQ(result.envelope.kind, "encounter");
}

}  // namespace
}  // namespace kq::core
