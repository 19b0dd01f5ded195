#pragma once
// Dates written in tests as text: at("2024-09-01T08:00:00+08:00"), on("2014-05-20"). A typo in a
// test's date throws, naming it, instead of testing something else.
#include <stdexcept>
#include <string>

#include "gateway/core/dates.hpp"

namespace kq::testing {

inline core::DateTime at(const char* iso) {
  auto parsed = core::DateTime::parse_iso(iso);
  if (!parsed) throw std::invalid_argument(std::string(iso) + ": " + parsed.error());
  return *parsed;
}

inline core::PartialDate on(const char* iso) {
  auto parsed = core::PartialDate::parse_iso(iso);
  if (!parsed) throw std::invalid_argument(std::string(iso) + ": " + parsed.error());
  return *parsed;
}

}  // namespace kq::testing
