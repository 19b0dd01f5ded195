// The setter tables (record_setters.hpp): a record of every kind, filled member by member
// through its table from the values of core's own JSON body, must come out as exactly that
// body, and must validate like the record itself. That holds only if the table lists every
// member core reads and writes, at the right place, with the right kind of value.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gateway/core/json_codec.hpp"
#include "gateway/core/record_setters.hpp"
#include "gateway/core/record_validation.hpp"
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
