// Scalar spellings: durations, sizes, integers, booleans, and the typo suggestions.
#include <gtest/gtest.h>

#include "gateway/config/values.hpp"

namespace kq::config {
namespace {

std::int64_t duration_ok(const char* text) {
  std::string error;
  auto v = parse_duration_ms(text, error);
  EXPECT_TRUE(v.has_value()) << text << ": " << error;
  return v.value_or(-1);
}

std::string duration_error(const char* text) {
  std::string error;
  EXPECT_FALSE(parse_duration_ms(text, error).has_value()) << text;
  return error;
}

std::int64_t bytes_ok(const char* text) {
  std::string error;
  auto v = parse_bytes(text, error);
  EXPECT_TRUE(v.has_value()) << text << ": " << error;
  return v.value_or(-1);
}

std::string bytes_error(const char* text) {
  std::string error;
  EXPECT_FALSE(parse_bytes(text, error).has_value()) << text;
  return error;
}

TEST(Durations, AcceptEachUnit) {
  EXPECT_EQ(duration_ok("250ms"), 250);
  EXPECT_EQ(duration_ok("5s"), 5'000);
  EXPECT_EQ(duration_ok("2m"), 120'000);
  EXPECT_EQ(duration_ok("1h"), 3'600'000);
  EXPECT_EQ(duration_ok("0s"), 0);
}

TEST(Durations, BareNumberAsksForAUnit) {
  EXPECT_EQ(duration_error("30"), "expected a duration such as 250ms, 5s, 2m or 1h, found '30'; add a unit, e.g. "
                                  "'30ms' or '30s'");
}

TEST(Durations, RejectsOtherForms) {
  EXPECT_EQ(duration_error("fast"), "expected a duration such as 250ms, 5s, 2m or 1h, found 'fast'");
  EXPECT_EQ(duration_error(""), "expected a duration such as 250ms, 5s, 2m or 1h, found an empty value");
  EXPECT_EQ(duration_error("5sec"), "unknown duration unit 'sec' in '5sec'; use ms, s, m, h or d");
  EXPECT_EQ(duration_error("1.5s"),
            "fractions are not supported in durations, found '1.5s'; use a smaller unit (e.g. 1500ms)");
  EXPECT_EQ(duration_error("-5s"), "expected a duration such as 250ms, 5s, 2m or 1h, found '-5s'");
  EXPECT_EQ(duration_error("5 s"), "unknown duration unit ' s' in '5 s'; use ms, s, m, h or d");
  EXPECT_EQ(duration_error("9999999999999999h"), "duration '9999999999999999h' is too large");
}

TEST(Sizes, AcceptBytesAndBinaryUnits) {
  EXPECT_EQ(bytes_ok("512"), 512);
  EXPECT_EQ(bytes_ok("512B"), 512);
  EXPECT_EQ(bytes_ok("64KiB"), 64 * 1024);
  EXPECT_EQ(bytes_ok("16MiB"), 16 * 1024 * 1024);
  EXPECT_EQ(bytes_ok("1GiB"), std::int64_t{1} << 30);
  EXPECT_EQ(bytes_ok("2TiB"), std::int64_t{2} << 40);
}

TEST(Sizes, DecimalUnitsAreAmbiguous) {
  EXPECT_EQ(bytes_error("16MB"), "ambiguous size unit 'MB' in '16MB'; use KiB, MiB, GiB or TiB (powers of 1024)");
  EXPECT_EQ(bytes_error("1k"), "ambiguous size unit 'k' in '1k'; use KiB, MiB, GiB or TiB (powers of 1024)");
}

TEST(Sizes, RejectsOtherForms) {
  EXPECT_EQ(bytes_error("big"), "expected a size such as 512, 64KiB, 16MiB or 1GiB, found 'big'");
  EXPECT_EQ(bytes_error("3PiB"), "unknown size unit 'PiB' in '3PiB'; use B, KiB, MiB, GiB or TiB");
  EXPECT_EQ(bytes_error("99999999999GiB"), "size '99999999999GiB' is too large");
  EXPECT_EQ(bytes_error("1.5MiB"),
            "fractions are not supported in sizes, found '1.5MiB'; use a smaller unit (e.g. 1536KiB)");
}

TEST(Formatting, PicksTheLargestExactUnit) {
  EXPECT_EQ(format_duration_ms(1500), "1500ms");
  EXPECT_EQ(format_duration_ms(90'000), "90s");
  EXPECT_EQ(format_duration_ms(120'000), "2m");
  EXPECT_EQ(format_duration_ms(7'200'000), "2h");
  EXPECT_EQ(format_duration_ms(0), "0ms");
  EXPECT_EQ(format_bytes(1000), "1000");
  EXPECT_EQ(format_bytes(65536), "64KiB");
  EXPECT_EQ(format_bytes(std::int64_t{1} << 30), "1GiB");
}

TEST(Integers, ParseStrictly) {
  std::string error;
  EXPECT_EQ(parse_integer("42", error), 42);
  EXPECT_EQ(parse_integer("-7", error), -7);
  EXPECT_FALSE(parse_integer("abc", error));
  EXPECT_EQ(error, "expected an integer, found 'abc'");
  EXPECT_FALSE(parse_integer("1.5", error));
  EXPECT_EQ(error, "expected an integer, found '1.5'");
  EXPECT_FALSE(parse_integer("0x10", error));
  EXPECT_FALSE(parse_integer("+1", error));
  EXPECT_FALSE(parse_integer("99999999999999999999", error));
  EXPECT_EQ(error, "integer '99999999999999999999' is out of range");
}

TEST(Booleans, OnlyTrueAndFalse) {
  std::string error;
  EXPECT_EQ(parse_boolean("true", error), true);
  EXPECT_EQ(parse_boolean("FALSE", error), false);
  EXPECT_FALSE(parse_boolean("yes", error));
  EXPECT_EQ(error, "expected true or false, found 'yes'");
}

TEST(Quoting, ShortensLongText) {
  EXPECT_EQ(quote_found("abc"), "'abc'");
  EXPECT_EQ(quote_found(std::string(50, 'x')), "'" + std::string(40, 'x') + "...'");
}

TEST(EditDistance, CountsTranspositionsAsOne) {
  EXPECT_EQ(edit_distance("prot", "port"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
}

TEST(NearestName, SuggestsOnlyPlausibleTypos) {
  const std::vector<std::string> keys{"name", "address", "port", "serve_health", "limits", "tls", "max_body_bytes"};
  EXPECT_EQ(nearest_name("prot", keys), "port");
  EXPECT_EQ(nearest_name("adress", keys), "address");
  EXPECT_EQ(nearest_name("serve-health", keys), "serve_health");
  EXPECT_EQ(nearest_name("Max-Body-Bytes", keys), "max_body_bytes");
  EXPECT_EQ(nearest_name("tsl", keys), "tls");
  EXPECT_FALSE(nearest_name("certificate", keys).has_value());
  EXPECT_FALSE(nearest_name("xyz", keys).has_value());
  EXPECT_FALSE(nearest_name("a", {"b"}).has_value());
}

}  // namespace
}  // namespace kq::config
