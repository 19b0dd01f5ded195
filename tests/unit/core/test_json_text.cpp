// The text form of canonical JSON: plain decimals (what the store keeps and people read).
#include <gtest/gtest.h>

#include <limits>

#include <boost/json.hpp>

#include "gateway/core/json_text.hpp"

namespace kq::core {
namespace {

namespace json = boost::json;

std::string number_text(double d) {
  std::string out;
  append_json_number(out, d);
  return out;
}

TEST(JsonText, NumbersArePlainDecimals) {
  // Boost.JSON's own serialize writes these as 1.385E2, 5E0 and 3.25E-1.
  EXPECT_EQ(number_text(138.5), "138.5");
  EXPECT_EQ(number_text(5.0), "5.0");  // stays a double when read back
  EXPECT_EQ(number_text(0.325), "0.325");
  EXPECT_EQ(number_text(-4.9), "-4.9");
  EXPECT_EQ(number_text(0.0), "0.0");
  EXPECT_EQ(number_text(0.1 + 0.2), "0.30000000000000004");  // exact: the text reads back as the same double
  EXPECT_EQ(number_text(123456789012.5), "123456789012.5");
  EXPECT_EQ(number_text(1e-9), "1e-09");  // far from what people measure: the short form
  EXPECT_EQ(number_text(std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonText, WholeDocumentsKeepOrderAndEscapes) {
  const json::value v = json::parse(R"({"b":1,"a":[138.5,5.0,true,null,"引号\"\n"],"c":{"d":-7,"e":18446744073709551615}})");
  const std::string text = json_text(v);
  EXPECT_EQ(text, R"({"b":1,"a":[138.5,5.0,true,null,"引号\"\n"],"c":{"d":-7,"e":18446744073709551615}})");
  // Read back, it is the same document, number kinds included.
  const json::value back = json::parse(text);
  EXPECT_EQ(back, v);
  EXPECT_TRUE(back.at("a").at(1).is_double());
}

// Strings are scanned eight bytes at a time: a special byte at every position of a block, at
// the ends, next to multi-byte UTF-8, must come out escaped exactly as Boost.JSON's serializer
// (one byte at a time) escapes it, and every other byte as it is.
TEST(JsonText, EscapesEverySpecialByteWhereverItFalls) {
  const auto reference = [](const std::string& text) { return json::serialize(json::string(text)); };
  const std::string specials[] = {"\"", "\\", "\n", std::string(1, '\0'), "\x1f", "\x7f",
                                  "\x20", "视", "\xff"};
  for (std::size_t length = 0; length <= 19; ++length) {
    for (std::size_t at = 0; at <= length; ++at) {
      for (const std::string& special : specials) {
        std::string text(length, 'a');
        text.insert(at, special);
        std::string out;
        append_json_string(out, text);
        ASSERT_EQ(out, reference(text)) << "length " << length << ", at " << at;
      }
    }
  }
}

}  // namespace
}  // namespace kq::core
