#include "gateway/mapping/runtime/units.hpp"

#include <array>

namespace kq::mapping::detail {

namespace {

// 斤 is the market catty of 500 g (市斤), 公斤 a kilogram. 1 mmHg = 133.322 Pa.
constexpr std::array<Unit, 21> kUnits = {{
    {"mm", "length", 0.001},
    {"cm", "length", 0.01},
    {"m", "length", 1},
    {"km", "length", 1000},
    {"mg", "mass", 1e-6},
    {"g", "mass", 0.001},
    {"kg", "mass", 1},
    {"公斤", "mass", 1},
    {"斤", "mass", 0.5},
    {"mL", "volume", 0.001},
    {"ml", "volume", 0.001},
    {"dL", "volume", 0.1},
    {"L", "volume", 1},
    {"Pa", "pressure", 0.001},
    {"kPa", "pressure", 1},
    {"mm[Hg]", "pressure", 0.133322},
    {"mmHg", "pressure", 0.133322},
    {"ms", "time", 0.001},
    {"s", "time", 1},
    {"min", "time", 60},
    {"h", "time", 3600},
}};

}  // namespace

const Unit* find_unit(std::string_view name) {
  for (const Unit& u : kUnits) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

std::vector<std::string_view> unit_names() {
  std::vector<std::string_view> out;
  for (const Unit& u : kUnits) out.push_back(u.name);
  return out;
}

}  // namespace kq::mapping::detail
