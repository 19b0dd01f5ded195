// The query string of an API request: values are percent-decoded, repeated names keep every
// value in order, comma lists are split (empty items dropped), and a malformed string is an
// error that says why instead of a crash or a guess. Numbers and instants are read strictly.
#include <gtest/gtest.h>

#include "gateway/pull/query.hpp"

namespace kq::pull {
namespace {

QueryParams parsed(std::string_view query) {
  std::string error;
  auto params = QueryParams::parse(query, error);
  EXPECT_TRUE(params.has_value()) << query << ": " << error;
  return params ? *params : QueryParams{};
}

TEST(QueryParams, ValuesArePercentDecoded) {
  const QueryParams p = parsed("identifier=urn%3Aoid%3A2.16.156.10011.1.3%7C110105201405010018&purpose=PUBHLTH");
  EXPECT_EQ(p.get("identifier"), "urn:oid:2.16.156.10011.1.3|110105201405010018");
  EXPECT_EQ(p.get("purpose"), "PUBHLTH");
  EXPECT_EQ(parsed("since=2025-03-01T08%3A00%3A00%2B08%3A00").get("since"), "2025-03-01T08:00:00+08:00");
  EXPECT_EQ(parsed("name=%E5%BA%B7%E6%A1%A5").get("name"), "康桥");
}

TEST(QueryParams, MissingNamesAndEmptyValues) {
  const QueryParams p = parsed("flag&empty=&x=1");
  EXPECT_EQ(p.get("flag"), "");
  EXPECT_EQ(p.get("empty"), "");
  EXPECT_EQ(p.get("absent"), std::nullopt);
  EXPECT_EQ(parsed("").get("x"), std::nullopt);
}

TEST(QueryParams, RepeatedNamesKeepEveryValueAndGetTakesTheFirst) {
  const QueryParams p = parsed("kind=observation&limit=5&kind=diagnosis&limit=9");
  EXPECT_EQ(p.get("limit"), "5");
  EXPECT_EQ(p.list("kind"), (std::vector<std::string>{"observation", "diagnosis"}));
}

TEST(QueryParams, CommaListsAreSplitAndEmptyItemsDropped) {
  EXPECT_EQ(parsed("kind=observation,diagnosis&kind=person").list("kind"),
            (std::vector<std::string>{"observation", "diagnosis", "person"}));
  EXPECT_EQ(parsed("kind=,a,,b,").list("kind"), (std::vector<std::string>{"a", "b"}));
  // An encoded comma is a comma once decoded: the list is split after decoding.
  EXPECT_EQ(parsed("kind=a%2Cb").list("kind"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(parsed("kind=").list("kind").empty());
  EXPECT_TRUE(parsed("other=1").list("kind").empty());
}

TEST(QueryParams, UnknownNamesAreListedInOrder) {
  const QueryParams p = parsed("limit=1&bogus=2&purpose=X&Limit=3");
  EXPECT_EQ(p.unknown({"limit", "purpose"}), (std::vector<std::string>{"bogus", "Limit"}));  // names are case-sensitive
  EXPECT_TRUE(p.unknown({"limit", "purpose", "bogus", "Limit"}).empty());
}

TEST(QueryParams, MalformedStringsAreRefusedWithAReason) {
  for (std::string_view bad : {"a=%zz", "a=%", "a=%4", "%GG=1", "a=b%2"}) {
    std::string error;
    EXPECT_EQ(QueryParams::parse(bad, error), std::nullopt) << bad;
    EXPECT_NE(error.find("malformed"), std::string::npos) << bad << ": " << error;
  }
}

TEST(ParseBounded, OnlyWholeNumbersInRange) {
  EXPECT_EQ(parse_bounded("1", 1, 10), 1);
  EXPECT_EQ(parse_bounded("10", 1, 10), 10);
  for (std::string_view bad : {"0", "11", "-1", "", " 5", "5 ", "5.0", "1e3", "abc", "0x5", "99999999999999999999"}) {
    EXPECT_EQ(parse_bounded(bad, 1, 10), std::nullopt) << bad;
  }
}

TEST(ParseInstant, DatesStartTheirDayInChinaAndInstantsKeepTheirOffset) {
  // 2025-03-01 00:00 in China is 2025-02-28 16:00 UTC.
  EXPECT_EQ(parse_instant_ms("2025-03-01"), parse_instant_ms("2025-02-28T16:00:00Z"));
  EXPECT_EQ(parse_instant_ms("2025-03-01T08:00:00+08:00"), parse_instant_ms("2025-03-01T00:00:00Z"));
  for (std::string_view bad : {"", "2025-02-30", "2025-3-1", "yesterday", "2025-03-01T25:00:00+08:00"}) {
    EXPECT_EQ(parse_instant_ms(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace kq::pull
