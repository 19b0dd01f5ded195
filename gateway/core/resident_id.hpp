#pragma once
// GB 11643-1999 公民身份号码.
//
// Layout: 6-digit address code (GB/T 2260, place of first registration) + 8-digit birth date
// YYYYMMDD + 3-digit sequence (odd = male) + check character from ISO 7064 MOD 11-2.
//
// Choice about lower-case 'x': check_resident_id refuses it, with a message that asks for the
// upper-case form. The 病案首页 specification requires 'X', and the stored value is also the
// matching key of the identity index, so two spellings of one number must never both get in.
// Sources that send 'x' are normalised on purpose, in the mapping, with normalise_resident_id.
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/dates.hpp"
#include "gateway/core/parsed.hpp"
#include "gateway/core/sex_code.hpp"

namespace kq::core {

struct ResidentIdInfo {
  std::string address_code;  // first 6 digits; says where the number was issued, not where one lives
  PartialDate birth_date;    // day precision
  SexCode sex;               // male or female, from the parity of the 17th digit
};

// The check character for the first 17 digits: one of "0123456789X". Nothing when the input is
// not exactly 17 ASCII digits.
std::optional<char> compute_id_check_char(std::string_view first17);

// Validates an 18-character number: characters, birth date (a real day, not before 1900, not
// after `today`, which defaults to today in China) and check character. Error texts name the
// reason ("check digit is 3, expected X") and do not repeat the number itself.
Parsed<ResidentIdInfo> check_resident_id(std::string_view id,
                                         std::optional<PartialDate> today = std::nullopt);

// 15-digit numbers (issued before 1999): insert "19" after the address code and append the
// check character. Refuses anything that is not 15 digits.
Parsed<std::string> upgrade_legacy_resident_id(std::string_view legacy15);

// What a mapping applies to source text before validation: strips ASCII spaces around the
// value and upper-cases a trailing 'x'. Nothing else is changed.
std::string normalise_resident_id(std::string_view text);

// Source text to the number a record stores, or why not: normalise_resident_id, a 15-digit
// number upgraded to 18, then check_resident_id. The mapping's `resident_id` step.
Parsed<std::string> resident_id_from_source(std::string_view text,
                                            std::optional<PartialDate> today = std::nullopt);

}  // namespace kq::core
