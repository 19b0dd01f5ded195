#include "gateway/core/resident_id.hpp"

#include <algorithm>
#include <array>

#include "gateway/core/text_util.hpp"

namespace kq::core {

namespace {

// ISO 7064 MOD 11-2 weights are 2^(18-i) mod 11 for positions i = 1..17.
constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kCheckChars = "10X98765432";  // indexed by the weighted sum mod 11
constexpr int kEarliestBirthYear = 1900;

std::string position_error(std::size_t index, char c, std::string_view expected) {
  return "character " + std::to_string(index + 1) + " is " + describe_char(c) + ", expected " +
         std::string(expected);
}

}  // namespace

std::optional<char> compute_id_check_char(std::string_view first17) {
  if (first17.size() != 17 || !all_digits(first17)) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheckChars[static_cast<std::size_t>(sum % 11)];
}

namespace {

Parsed<ResidentIdInfo> check_against(std::string_view id, const PartialDate& now) {
  using Result = Parsed<ResidentIdInfo>;
  if (id.size() == 15 && all_digits(id)) {
    return Result::failure(
        "a 15-digit number from before 1999 must be converted to 18 characters first "
        "(insert 19 after the address code and append the check character)");
  }
  if (id.size() != 18) {
    return Result::failure("a resident ID number has 18 characters, got " +
                           std::to_string(id.size()));
  }
  for (std::size_t i = 0; i < 17; ++i) {
    if (!is_ascii_digit(id[i])) return Result::failure(position_error(i, id[i], "a digit"));
  }
  const char given = id[17];
  if (given == 'x') return Result::failure("check character must be an upper-case 'X', not 'x'");
  if (!is_ascii_digit(given) && given != 'X') {
    return Result::failure("check character is " + describe_char(given) + ", expected a digit or 'X'");
  }

  // The birth date is checked before the check digit: when both are wrong, "month is 13" tells
  // the sender more than a check-digit mismatch does.
  auto birth = PartialDate::from_parts(*read_digits(id, 6, 4), *read_digits(id, 10, 2),
                                       *read_digits(id, 12, 2));
  if (!birth) return Result::failure("birth date (characters 7-14) is not a real date: " + birth.error());
  if (birth->year() < kEarliestBirthYear) {
    return Result::failure("birth date (characters 7-14) is before " + std::to_string(kEarliestBirthYear));
  }
  if (birth->first_day_number() > now.last_day_number()) {
    return Result::failure("birth date (characters 7-14) is in the future");
  }

  const char expected = *compute_id_check_char(id.substr(0, 17));
  if (given != expected) {
    return Result::failure(std::string("check digit is ") + given + ", expected " + expected);
  }
  const bool odd = (id[16] - '0') % 2 == 1;
  return Result::success(ResidentIdInfo{std::string(id.substr(0, 6)), *birth,
                                        odd ? SexCode::male : SexCode::female});
}

// The last number this thread found valid, with the day it was checked against. One number is
// asked about several times per message: the mapping's resident_id step checks it, the same
// number often comes twice (PID-3 and PID-19 of an HL7 v2 PID), and core's validation checks
// the record it lands in. The answer depends on nothing but the number and the day, so it is
// worked out once. Only a valid answer is kept: an error is rare and says more each time.
struct LastValid {
  std::array<char, 18> id{};
  std::optional<PartialDate> day;
  std::optional<ResidentIdInfo> info;  // nothing until a number was found valid
};

}  // namespace

Parsed<ResidentIdInfo> check_resident_id(std::string_view id, std::optional<PartialDate> today) {
  const PartialDate now = today ? *today : PartialDate::today();
  thread_local LastValid last;
  if (last.info && id.size() == last.id.size() && id.compare(0, id.size(), last.id.data(), last.id.size()) == 0 &&
      *last.day == now) {
    return Parsed<ResidentIdInfo>::success(*last.info);
  }
  auto checked = check_against(id, now);
  if (checked && id.size() == last.id.size()) {
    std::copy(id.begin(), id.end(), last.id.begin());
    last.day = now;
    last.info = *checked;
  }
  return checked;
}

Parsed<std::string> upgrade_legacy_resident_id(std::string_view legacy15) {
  if (legacy15.size() != 15 || !all_digits(legacy15)) {
    return Parsed<std::string>::failure("a legacy number has exactly 15 digits");
  }
  std::string upgraded = std::string(legacy15.substr(0, 6)) + "19" + std::string(legacy15.substr(6));
  upgraded += *compute_id_check_char(upgraded);
  return Parsed<std::string>::success(std::move(upgraded));
}

std::string normalise_resident_id(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::string out(text);
  if (!out.empty() && out.back() == 'x') out.back() = 'X';
  return out;
}

Parsed<std::string> resident_id_from_source(std::string_view text, std::optional<PartialDate> today) {
  std::string id = normalise_resident_id(text);
  if (id.size() == 15) {
    if (auto upgraded = upgrade_legacy_resident_id(id)) id = std::move(upgraded).value();
  }
  if (auto checked = check_resident_id(id, today); !checked) return Parsed<std::string>::failure(checked.error());
  return Parsed<std::string>::success(std::move(id));
}

}  // namespace kq::core
