#pragma once
// Unit conversion for the `convert` step: the units that school-health and hospital sources
// actually send (height in mm or cm, weight in kg or 斤, vital capacity in mL or L, pressure in
// kPa or mmHg). Linear conversions only; names follow UCUM where UCUM has one.
#include <optional>
#include <string_view>
#include <vector>

namespace kq::mapping::detail {

struct Unit {
  std::string_view name;
  std::string_view dimension;  // "length", "mass", …
  double to_base = 1;          // value × to_base = value in the dimension's base unit
};

const Unit* find_unit(std::string_view name);
std::vector<std::string_view> unit_names();

}  // namespace kq::mapping::detail
