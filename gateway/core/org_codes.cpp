#include "gateway/core/org_codes.hpp"

#include <array>

#include "gateway/core/text_util.hpp"

namespace kq::core {

namespace {

constexpr std::array<int, 17> kUsccWeights = {1, 3, 9, 27, 19, 26, 16, 17, 20,
                                              29, 25, 13, 8, 24, 10, 30, 28};
constexpr std::array<int, 8> kOrgCodeWeights = {3, 7, 9, 10, 5, 8, 4, 2};

// Value of a character in the USCC alphabet, or -1.
int uscc_value(char c) {
  const auto at = kUsccAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// GB 11714 counts letters on from the digits: A = 10 … Z = 35.
int org_code_value(char c) {
  if (is_ascii_digit(c)) return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return -1;
}

std::string uscc_char_error(std::size_t index, char c) {
  std::string why = "character " + std::to_string(index + 1) + " is " + describe_char(c);
  if (c >= 'a' && c <= 'z') return why + "; letters must be upper-case";
  if (c == 'I' || c == 'O' || c == 'S' || c == 'V' || c == 'Z') {
    return why + ", which GB 32100 does not use (no I, O, S, V or Z)";
  }
  return why + ", expected a digit or an upper-case letter other than I, O, S, V, Z";
}

}  // namespace

std::optional<char> compute_uscc_check_char(std::string_view first17) {
  if (first17.size() != 17) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    const int value = uscc_value(first17[i]);
    if (value < 0) return std::nullopt;
    sum += value * kUsccWeights[i];
  }
  return kUsccAlphabet[static_cast<std::size_t>((31 - sum % 31) % 31)];
}

Parsed<UsccInfo> check_uscc(std::string_view code, bool check_embedded_org_code) {
  using Result = Parsed<UsccInfo>;
  if (code.size() != 18) {
    return Result::failure("a unified social credit code has 18 characters, got " +
                           std::to_string(code.size()));
  }
  for (std::size_t i = 0; i < 18; ++i) {
    if (uscc_value(code[i]) < 0) return Result::failure(uscc_char_error(i, code[i]));
  }
  if (!all_digits(code.substr(2, 6))) {
    return Result::failure("characters 3-8 must be the 6-digit administrative division code");
  }
  const char expected = *compute_uscc_check_char(code.substr(0, 17));
  if (code[17] != expected) {
    return Result::failure(std::string("check character is ") + code[17] + ", expected " + expected);
  }
  UsccInfo info{code[0], code[1], std::string(code.substr(2, 6)), std::string(code.substr(8, 9))};
  if (check_embedded_org_code) {
    auto org = check_org_code(info.org_code);
    if (!org) return Result::failure("embedded organisation code (characters 9-17): " + org.error());
  }
  return Result::success(std::move(info));
}

std::optional<char> compute_org_code_check_char(std::string_view first8) {
  if (first8.size() != 8) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    const int value = org_code_value(first8[i]);
    if (value < 0) return std::nullopt;
    sum += value * kOrgCodeWeights[i];
  }
  const int check = 11 - sum % 11;
  if (check == 10) return 'X';
  if (check == 11) return '0';
  return static_cast<char>('0' + check);
}

Parsed<std::string> check_org_code(std::string_view code) {
  using Result = Parsed<std::string>;
  std::string plain;
  if (code.size() == 10 && code[8] == '-') {
    plain = std::string(code.substr(0, 8)) + code[9];
  } else if (code.size() == 9) {
    plain = std::string(code);
  } else {
    return Result::failure("an organisation code has 9 characters (or 8, a hyphen and 1), got " +
                           std::to_string(code.size()));
  }
  for (std::size_t i = 0; i < 8; ++i) {
    if (org_code_value(plain[i]) < 0) {
      return Result::failure("character " + std::to_string(i + 1) + " is " + describe_char(plain[i]) +
                             ", expected a digit or an upper-case letter");
    }
  }
  const char expected = *compute_org_code_check_char(std::string_view(plain).substr(0, 8));
  if (plain[8] != expected) {
    if (plain[8] == 'x') return Result::failure("check character must be an upper-case 'X', not 'x'");
    return Result::failure(std::string("check character is ") + describe_char(plain[8]) +
                           ", expected '" + expected + "'");
  }
  return Result::success(std::move(plain));
}

}  // namespace kq::core
