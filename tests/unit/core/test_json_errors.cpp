// Reading canonical JSON is strict: unknown keys, wrong types and non-canonical dates are
// errors that name the field, and every error of a record is reported at once.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gateway/core/json_codec.hpp"
#include "field_error_printer.hpp"

namespace kq::core {
namespace {

namespace json = boost::json;

template <class T>
std::vector<FieldError> errors_of(std::string_view text) {
  Decoded<T> decoded = from_json<T>(json::parse(text));
  EXPECT_FALSE(decoded.value.has_value()) << "a record with errors must not be returned";
  return decoded.errors;
}

TEST(JsonErrors, UnknownKeyIsNamedWithSuggestion) {
  auto errors = errors_of<Person>(R"({"id":"p-1","birth_dat":"2014-03-07"})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "birth_dat");
  EXPECT_EQ(errors[0].message, "unknown key 'birth_dat' (did you mean 'birth_date'?)");
}

TEST(JsonErrors, UnknownKeyWithoutCloseMatch) {
  auto errors = errors_of<Organization>(R"({"name":"x","colour":"blue"})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], (FieldError{"colour", "unknown key 'colour'", ErrorKind::structure}));
}

TEST(JsonErrors, NestedUnknownKeyHasFullPath) {
  auto errors = errors_of<Person>(R"({"identifiers":[{"system":"s","value":"v"},{"system":"s","valu":"v"}]})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "identifiers[1].valu");
  EXPECT_EQ(errors[0].message, "unknown key 'valu' (did you mean 'value'?)");
}

TEST(JsonErrors, WrongTypes) {
  auto errors = errors_of<Person>(R"({"sex":1,"identifiers":{},"deceased":"no","name":"王秀英"})");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0], (FieldError{"identifiers", "expected an array, got an object", ErrorKind::data_type}));
  EXPECT_EQ(errors[1], (FieldError{"name", "expected an object, got a string", ErrorKind::data_type}));
  EXPECT_EQ(errors[2], (FieldError{"sex", "expected a string, got a number", ErrorKind::data_type}));
  EXPECT_EQ(errors[3], (FieldError{"deceased", "expected true or false, got a string", ErrorKind::data_type}));
}

TEST(JsonErrors, IntegersMustBeIntegers) {
  auto errors = errors_of<Encounter>(R"({"admission_count":1.5})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], (FieldError{"admission_count", "expected an integer", ErrorKind::data_type}));
  auto too_big = errors_of<Encounter>(R"({"admission_count":4294967296})");
  ASSERT_EQ(too_big.size(), 1u);
  EXPECT_EQ(too_big[0], (FieldError{"admission_count", "integer is out of range", ErrorKind::data_type}));
}

TEST(JsonErrors, DatesMustBeCanonical) {
  auto errors = errors_of<Person>(R"({"birth_date":"20140307"})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            (FieldError{"birth_date", "not a date: expected YYYY, YYYY-MM or YYYY-MM-DD", ErrorKind::data_type}));

  auto leap = errors_of<Person>(R"({"birth_date":"2023-02-29"})");
  ASSERT_EQ(leap.size(), 1u);
  EXPECT_EQ(leap[0].message, "day is 29, but 2023-02 has 28 days (2023 is not a leap year)");

  auto no_offset = errors_of<Observation>(R"({"effective_time":"2024-03-05T08:30:00"})");
  ASSERT_EQ(no_offset.size(), 1u);
  EXPECT_EQ(no_offset[0],
            (FieldError{"effective_time", "needs an explicit UTC offset (Z or +hh:mm)", ErrorKind::data_type}));

  auto nested = errors_of<Encounter>(R"({"period":{"start":"2024-03-05T08:30:00+08:00","end":20240305}})");
  ASSERT_EQ(nested.size(), 1u);
  EXPECT_EQ(nested[0],
            (FieldError{"period.end", "expected an ISO 8601 date-time string, got a number", ErrorKind::data_type}));
}

TEST(JsonErrors, ObservationValueVariants) {
  auto unknown_type = errors_of<Observation>(R"({"value":{"type":"ratio","numerator":1}})");
  ASSERT_EQ(unknown_type.size(), 1u);
  EXPECT_EQ(unknown_type[0], (FieldError{"value.type",
                                         "unknown value type 'ratio', expected quantity, coded, "
                                         "string, boolean or integer",
                                         ErrorKind::code_unknown}));

  auto missing_type = errors_of<Observation>(R"({"value":{"value":1}})");
  ASSERT_EQ(missing_type.size(), 1u);
  EXPECT_EQ(missing_type[0].path, "value.type");

  auto no_number = errors_of<Observation>(R"({"value":{"type":"quantity","unit":"cm"}})");
  ASSERT_EQ(no_number.size(), 1u);
  EXPECT_EQ(no_number[0], (FieldError{"value.value", "is required", ErrorKind::required}));

  auto fraction = errors_of<Observation>(R"({"value":{"type":"integer","value":3.5}})");
  ASSERT_EQ(fraction.size(), 1u);
  EXPECT_EQ(fraction[0], (FieldError{"value.value", "expected an integer", ErrorKind::data_type}));

  // A key of another variant is unknown here: "unit" belongs to quantities.
  auto mixed = errors_of<Observation>(R"({"value":{"type":"boolean","value":true,"unit":"cm"}})");
  ASSERT_EQ(mixed.size(), 1u);
  EXPECT_EQ(mixed[0].path, "value.unit");
}

TEST(JsonErrors, AllErrorsAreReportedTogether) {
  auto errors = errors_of<InpatientSummary>(
      R"({"los_days":"4","costs":{"lines":[{"category":"01"},{"category":"02","amount":1,"amout":2}]},"extra":1})");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0], (FieldError{"los_days", "expected an integer, got a string", ErrorKind::data_type}));
  EXPECT_EQ(errors[1], (FieldError{"costs.lines[0].amount", "is required", ErrorKind::required}));
  EXPECT_EQ(errors[2],
            (FieldError{"costs.lines[1].amout", "unknown key 'amout' (did you mean 'amount'?)", ErrorKind::structure}));
  EXPECT_EQ(errors[3].path, "extra");
}

TEST(JsonErrors, NullMeansAbsent) {
  Decoded<Person> decoded = from_json<Person>(json::parse(R"({"id":"p-1","sex":null,"name":null,"identifiers":null})"));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value->id, "p-1");
  EXPECT_FALSE(decoded.value->sex.has_value());
  EXPECT_FALSE(decoded.value->name.has_value());
}

TEST(JsonErrors, RootMustBeAnObject) {
  auto errors = errors_of<Consent>("[]");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], (FieldError{"", "expected an object, got an array", ErrorKind::data_type}));
}

}  // namespace
}  // namespace kq::core
