#pragma once
// GB/T 2261.1-2003 人的性别代码.
//
// Records keep the national code, not the FHIR gender, because FHIR folds 0 and 9 together and
// the difference ("not known" vs "not stated by the person") matters for data quality reports.
#include <string_view>

#include "gateway/core/parsed.hpp"

namespace kq::core {

enum class SexCode {
  unknown = 0,     // 未知的性别
  male = 1,        // 男性
  female = 2,      // 女性
  not_stated = 9,  // 未说明的性别
};

// Accepts exactly "0", "1", "2" or "9". The GB/T 2261-1980 codes 5 and 6 (sex changed) are
// refused with a message that says so: a mapping must translate them deliberately.
Parsed<SexCode> parse_sex_code(std::string_view code);

}  // namespace kq::core
