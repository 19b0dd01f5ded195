#include "gateway/core/sex_code.hpp"

#include <string>

#include "gateway/core/text_util.hpp"

namespace kq::core {

Parsed<SexCode> parse_sex_code(std::string_view code) {
  if (code == "0") return Parsed<SexCode>::success(SexCode::unknown);
  if (code == "1") return Parsed<SexCode>::success(SexCode::male);
  if (code == "2") return Parsed<SexCode>::success(SexCode::female);
  if (code == "9") return Parsed<SexCode>::success(SexCode::not_stated);
  if (code.empty()) return Parsed<SexCode>::failure("sex code is empty");
  constexpr std::string_view kExpected = "expected 0 (unknown), 1 (male), 2 (female) or 9 (not stated)";
  if (code == "5" || code == "6") {
    return Parsed<SexCode>::failure("sex code " + std::string(code) +
                                    " is from GB/T 2261-1980 (sex changed), not GB/T 2261.1; " +
                                    std::string(kExpected));
  }
  // Only short ASCII codes are echoed: a name typed into the wrong column must not end up in a
  // negative acknowledgement.
  bool printable = code.size() <= 4;
  for (char c : code) printable = printable && is_printable_ascii(c);
  const std::string shown = printable ? "'" + std::string(code) + "'" : "the value";
  return Parsed<SexCode>::failure("sex code " + shown + " is not GB/T 2261.1; " + std::string(kExpected));
}

}  // namespace kq::core
