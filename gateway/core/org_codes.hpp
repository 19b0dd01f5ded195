#pragma once
// Organisation identifiers:
//  - GB 32100-2015 统一社会信用代码 (USCC), 18 characters, MOD 31 check character;
//  - GB 11714 全国组织机构代码, 8 characters + check character (MOD 11, 10 → X), which USCC
//    embeds at characters 9–17.
// Public hospitals and schools are legal entities, so these are how an Organization record is
// matched across feeds; a mistyped code would split one hospital into two.
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/parsed.hpp"

namespace kq::core {

// The 31 characters GB 32100 uses: digits and upper-case letters without I, O, S, V, Z.
inline constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

struct UsccInfo {
  char registration_authority;  // character 1, e.g. '1' 机构编制, '5' 民政, '9' 工商
  char entity_category;         // character 2, e.g. '2' 事业单位 under '1'
  std::string admin_code;       // characters 3–8, GB/T 2260 administrative division
  std::string org_code;         // characters 9–17, the GB 11714 code with its check character
};

// The check character for 17 characters of the USCC alphabet; nothing for any other input.
std::optional<char> compute_uscc_check_char(std::string_view first17);

// Validates an 18-character USCC. The embedded organisation code is checked too unless the
// caller turns that off (for codes issued outside the GB 11714 scheme, if a feed proves to have
// them).
Parsed<UsccInfo> check_uscc(std::string_view code, bool check_embedded_org_code = true);

// The check character for 8 characters of digits and upper-case letters; nothing otherwise.
std::optional<char> compute_org_code_check_char(std::string_view first8);

// Validates "XXXXXXXX-C" or "XXXXXXXXC"; the value is the 9-character form without the hyphen.
Parsed<std::string> check_org_code(std::string_view code);

}  // namespace kq::core
