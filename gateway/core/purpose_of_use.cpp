#include "gateway/core/purpose_of_use.hpp"

#include <algorithm>
#include <array>

namespace kq::core {

namespace {

// A subset of the PurposeOfUse value set: the purposes a health-data exchange for schools,
// hospitals and public-health bodies meets. Codes outside it are declared as local codes.
constexpr std::array<PurposeOfUse, 24> kHl7Purposes = {{
    {"TREAT", "treatment"},
    {"ETREAT", "emergency treatment"},
    {"CAREMGT", "care management"},
    {"HPAYMT", "healthcare payment"},
    {"COVERAGE", "coverage under policy or program"},
    {"HOPERAT", "healthcare operations"},
    {"HSYSADMIN", "health system administration"},
    {"HQUALIMP", "health quality improvement"},
    {"HPRGRP", "health program reporting"},
    {"RECORDMGT", "records management"},
    {"PATSFTY", "patient safety"},
    {"PUBHLTH", "public health"},
    {"POPHLTH", "population health"},
    {"DISASTER", "disaster"},
    {"THREAT", "threat"},
    {"HRESCH", "healthcare research"},
    {"CLINTRCH", "clinical trial research"},
    {"PATRQT", "patient requested"},
    {"FAMRQT", "family requested"},
    {"HLEGAL", "legal"},
    {"GOV", "government"},
    {"HDIRECT", "directory"},
    {"HMARKT", "healthcare marketing"},
    {"TRAIN", "training"},
}};

}  // namespace

std::span<const PurposeOfUse> hl7_purposes_of_use() { return kHl7Purposes; }

bool is_hl7_purpose_of_use(std::string_view code) {
  return std::any_of(kHl7Purposes.begin(), kHl7Purposes.end(),
                     [&](const PurposeOfUse& p) { return p.code == code; });
}

std::optional<std::string> check_purpose_code(std::string_view code) {
  if (code.empty()) return "is empty";
  if (code.size() > 64) return "is longer than 64 characters";
  for (char c : code) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return "may hold only ASCII letters, digits, '_', '-' and '.'";
  }
  return std::nullopt;
}

}  // namespace kq::core
