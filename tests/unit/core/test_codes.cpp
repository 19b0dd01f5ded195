// GB/T 2261.1 sex codes, GB 32100 unified social credit codes and GB 11714 organisation codes.
#include <gtest/gtest.h>

#include "gateway/core/org_codes.hpp"
#include "gateway/core/sex_code.hpp"

namespace kq::core {
namespace {

TEST(SexCode, ParsesTheFourCodes) {
  EXPECT_EQ(*parse_sex_code("0"), SexCode::unknown);
  EXPECT_EQ(*parse_sex_code("1"), SexCode::male);
  EXPECT_EQ(*parse_sex_code("2"), SexCode::female);
  EXPECT_EQ(*parse_sex_code("9"), SexCode::not_stated);
}

TEST(SexCode, RejectsOtherCodesWithReason) {
  EXPECT_EQ(parse_sex_code("").error(), "sex code is empty");
  EXPECT_EQ(parse_sex_code("M").error(),
            "sex code 'M' is not GB/T 2261.1; expected 0 (unknown), 1 (male), 2 (female) or 9 (not stated)");
  EXPECT_EQ(parse_sex_code("5").error(),
            "sex code 5 is from GB/T 2261-1980 (sex changed), not GB/T 2261.1; expected 0 (unknown), 1 (male), "
            "2 (female) or 9 (not stated)");
  // A name typed into the sex column is not echoed back.
  EXPECT_EQ(parse_sex_code("张三").error().find("张"), std::string::npos);
  EXPECT_FALSE(parse_sex_code(" 1"));
}

TEST(Uscc, ComputesCheckCharacter) {
  // Values are alphabet positions (M = 21, Y = 30); Σ value × weight = 1640; 1640 mod 31 = 28;
  // 31 − 28 = 3 → '3'.
  EXPECT_EQ(compute_uscc_check_char("91350100M000100Y4"), '3');
  // Σ = 328; 328 mod 31 = 18; 31 − 18 = 13 → alphabet[13] = 'D'.
  EXPECT_EQ(compute_uscc_check_char("12100000400000624"), 'D');
  EXPECT_EQ(compute_uscc_check_char("12100000I00000624"), std::nullopt);
}

TEST(Uscc, AcceptsValidCodes) {
  auto hospital = check_uscc("12100000400000624D");
  ASSERT_TRUE(hospital) << hospital.error();
  EXPECT_EQ(hospital->registration_authority, '1');
  EXPECT_EQ(hospital->entity_category, '2');
  EXPECT_EQ(hospital->admin_code, "100000");
  EXPECT_EQ(hospital->org_code, "400000624");
  EXPECT_TRUE(check_uscc("91350100M000100Y43"));
  // Synthetic: Σ = 880, 880 mod 31 = 12, 31 − 12 = 19 → 'K'; embedded MB000000 + '0'.
  EXPECT_TRUE(check_uscc("12330100MB0000000K"));
}

TEST(Uscc, RejectsWrongCheckCharacter) {
  auto code = check_uscc("12100000400000624E");
  ASSERT_FALSE(code);
  EXPECT_EQ(code.error(), "check character is E, expected D");
}

TEST(Uscc, RejectsLettersOutsideTheAlphabet) {
  EXPECT_EQ(check_uscc("12100000400000624I").error(),
            "character 18 is 'I', which GB 32100 does not use (no I, O, S, V or Z)");
  EXPECT_EQ(check_uscc("91350100m000100Y43").error(), "character 9 is 'm'; letters must be upper-case");
  EXPECT_EQ(check_uscc("1210000040000062").error(), "a unified social credit code has 18 characters, got 16");
}

TEST(Uscc, RejectsNonDigitAdministrativeCode) {
  // Check character recomputed for the altered code so only the layout rule fails.
  const std::string first17 = "121A0000400000624";
  const std::string code = first17 + *compute_uscc_check_char(first17);
  EXPECT_EQ(check_uscc(code).error(), "characters 3-8 must be the 6-digit administrative division code");
}

TEST(Uscc, ChecksTheEmbeddedOrganisationCode) {
  // 400000625 is not a valid organisation code (40000062 → '4'); give the USCC a correct MOD 31
  // character so only the embedded check fails.
  const std::string first17 = "12100000400000625";
  const std::string code = first17 + *compute_uscc_check_char(first17);
  auto result = check_uscc(code);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "embedded organisation code (characters 9-17): check character is '5', expected '4'");
  EXPECT_TRUE(check_uscc(code, /*check_embedded_org_code=*/false));
}

TEST(OrgCode, ComputesCheckCharacter) {
  // 4·3 + 6·4 + 2·2 = 40; 40 mod 11 = 7; 11 − 7 = 4.
  EXPECT_EQ(compute_org_code_check_char("40000062"), '4');
  // D = 13: 13·3+2·7+1·9+4·10+3·5+5·8+6·4+9·2 = 199; 199 mod 11 = 1; 11 − 1 = 10 → 'X'.
  EXPECT_EQ(compute_org_code_check_char("D2143569"), 'X');
  // All zeros: 11 − 0 = 11 → '0'.
  EXPECT_EQ(compute_org_code_check_char("00000000"), '0');
  EXPECT_EQ(compute_org_code_check_char("0000000"), std::nullopt);
}

TEST(OrgCode, AcceptsBothWrittenForms) {
  EXPECT_EQ(*check_org_code("D2143569-X"), "D2143569X");
  EXPECT_EQ(*check_org_code("400000624"), "400000624");
  EXPECT_EQ(*check_org_code("12345678-8"), "123456788");  // Σ = 201, 201 mod 11 = 3, 11 − 3 = 8
}

TEST(OrgCode, RejectsWithReason) {
  EXPECT_EQ(check_org_code("12345678-9").error(), "check character is '9', expected '8'");
  EXPECT_EQ(check_org_code("D2143569-x").error(), "check character must be an upper-case 'X', not 'x'");
  EXPECT_EQ(check_org_code("1234567").error(),
            "an organisation code has 9 characters (or 8, a hyphen and 1), got 7");
  EXPECT_EQ(check_org_code("1234-5678").error(), "character 5 is '-', expected a digit or an upper-case letter");
  EXPECT_EQ(check_org_code("1234567a8").error(), "character 8 is 'a', expected a digit or an upper-case letter");
}

}  // namespace
}  // namespace kq::core
