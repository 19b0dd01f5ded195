// GB 11643-1999 resident ID numbers. Every vector's check character is worked out in the
// comment next to it: S = Σ digit × weight (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2),
// check = "10X98765432"[S mod 11].
#include <gtest/gtest.h>

#include "gateway/core/resident_id.hpp"

namespace kq::core {
namespace {

const PartialDate kToday = PartialDate::ymd(2024, 6, 1);

TEST(ResidentId, ComputesCheckCharacter) {
  // 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → 'X'
  EXPECT_EQ(compute_id_check_char("11010519491231002"), 'X');
  // S = 195; 195 mod 11 = 8 → '4'
  EXPECT_EQ(compute_id_check_char("44052418800101001"), '4');
  // S = 177; 177 mod 11 = 1 → '0'
  EXPECT_EQ(compute_id_check_char("32010620000229123"), '0');
}

TEST(ResidentId, CheckCharacterNeedsSeventeenDigits) {
  EXPECT_EQ(compute_id_check_char("1101051949123100"), std::nullopt);
  EXPECT_EQ(compute_id_check_char("110105194912310021"), std::nullopt);
  EXPECT_EQ(compute_id_check_char("1101051949123100A"), std::nullopt);
}

TEST(ResidentId, AcceptsTheWellKnownSample) {
  auto id = check_resident_id("11010519491231002X", kToday);
  ASSERT_TRUE(id) << id.error();
  EXPECT_EQ(id->address_code, "110105");
  EXPECT_EQ(id->birth_date, PartialDate::ymd(1949, 12, 31));
  EXPECT_EQ(id->sex, SexCode::female);  // 17th digit 2 is even
}

// A number found valid is remembered (it is asked about several times per message), but only
// for the day it was checked against: the same number asked again about a day before its birth
// date is refused, and asked about today again it is still valid, with the same details.
TEST(ResidentId, ARememberedAnswerHoldsOnlyForItsDay) {
  ASSERT_TRUE(check_resident_id("320106200002291230", kToday));
  const auto before_birth = check_resident_id("320106200002291230", PartialDate::ymd(1999, 1, 1));
  ASSERT_FALSE(before_birth);
  EXPECT_EQ(before_birth.error(), "birth date (characters 7-14) is in the future");
  const auto again = check_resident_id("320106200002291230", kToday);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->birth_date, PartialDate::ymd(2000, 2, 29));
  EXPECT_EQ(again->address_code, "320106");
  // Another number right after is checked, not taken for the remembered one.
  EXPECT_FALSE(check_resident_id("320106200002291231", kToday));
}

TEST(ResidentId, OddSeventeenthDigitIsMale) {
  // S = 222; 222 mod 11 = 2 → 'X'; 17th digit 3
  auto id = check_resident_id("11010119900307803X", kToday);
  ASSERT_TRUE(id) << id.error();
  EXPECT_EQ(id->sex, SexCode::male);
  EXPECT_EQ(id->birth_date.iso(), "1990-03-07");
}

TEST(ResidentId, AcceptsLeapDayInLeapYear) {
  auto id = check_resident_id("320106200002291230", kToday);
  ASSERT_TRUE(id) << id.error();
  EXPECT_EQ(id->birth_date, PartialDate::ymd(2000, 2, 29));
}

TEST(ResidentId, RejectsWrongCheckDigitNamingBoth) {
  auto id = check_resident_id("110105194912310021", kToday);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error(), "check digit is 1, expected X");
}

TEST(ResidentId, RejectsWrongCheckX) {
  // 11010520121231004 → S = 125, 125 mod 11 = 4 → '8'
  auto id = check_resident_id("11010520121231004X", kToday);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error(), "check digit is X, expected 8");
}

TEST(ResidentId, RejectsLowerCaseX) {
  auto id = check_resident_id("11010519491231002x", kToday);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error(), "check character must be an upper-case 'X', not 'x'");
  EXPECT_EQ(normalise_resident_id(" 11010519491231002x "), "11010519491231002X");
  EXPECT_TRUE(check_resident_id(normalise_resident_id("11010519491231002x"), kToday));
}

TEST(ResidentId, RejectsWrongLength) {
  auto id = check_resident_id("11010519491231002", kToday);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error(), "a resident ID number has 18 characters, got 17");
}

TEST(ResidentId, NamesTheBadCharacter) {
  auto id = check_resident_id("1101A519491231002X", kToday);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error(), "character 5 is 'A', expected a digit");
  auto bad_check = check_resident_id("11010519491231002Y", kToday);
  ASSERT_FALSE(bad_check);
  EXPECT_EQ(bad_check.error(), "check character is 'Y', expected a digit or 'X'");
}

TEST(ResidentId, RejectsLeapDayInCommonYear) {
  // Check character correct for these 17 digits (S = 180 → '8'), so only the date is wrong.
  auto id = check_resident_id("320106200102291238", kToday);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error(),
            "birth date (characters 7-14) is not a real date: day is 29, but 2001-02 has 28 days "
            "(2001 is not a leap year)");
}

TEST(ResidentId, RejectsMonthThirteen) {
  auto id = check_resident_id("330106199913011232", kToday);  // S = 230 → '2'
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error(), "birth date (characters 7-14) is not a real date: month is 13, expected 01-12");
}

TEST(ResidentId, RejectsBirthDateInTheFuture) {
  auto id = check_resident_id("320106203501011233", kToday);  // S = 141 → '3'
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error(), "birth date (characters 7-14) is in the future");
  // The same number is fine once "today" has passed the birth date.
  EXPECT_TRUE(check_resident_id("320106203501011233", PartialDate::ymd(2035, 1, 1)));
}

TEST(ResidentId, RejectsBirthBefore1900EvenWithCorrectCheckDigit) {
  auto id = check_resident_id("440524188001010014", kToday);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error(), "birth date (characters 7-14) is before 1900");
}

TEST(ResidentId, ExplainsFifteenDigitLegacyNumbers) {
  auto id = check_resident_id("110105491231002", kToday);
  ASSERT_FALSE(id);
  EXPECT_NE(id.error().find("15-digit"), std::string::npos);
  auto upgraded = upgrade_legacy_resident_id("110105491231002");
  ASSERT_TRUE(upgraded);
  EXPECT_EQ(*upgraded, "11010519491231002X");
  EXPECT_FALSE(upgrade_legacy_resident_id("11010549123100"));
}

TEST(ResidentId, ErrorsDoNotRepeatTheNumber) {
  for (const char* bad : {"110105194912310021", "320106200102291238", "320106203501011233"}) {
    auto id = check_resident_id(bad, kToday);
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().find("110105"), std::string::npos) << id.error();
    EXPECT_EQ(id.error().find("320106"), std::string::npos) << id.error();
  }
}

}  // namespace
}  // namespace kq::core
