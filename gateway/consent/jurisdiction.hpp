#pragma once
// Jurisdiction: whose records a principal may receive at all. It is checked before consent, and a
// record outside it is "not found" rather than "denied", so that a platform cannot learn that a
// record exists in a district it has no business in.
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/gateway_config.hpp"

namespace kq::consent {

// Where a record belongs: the organisations that hold it and the administrative divisions
// (GB/T 2260 codes of 6, 9 or 12 digits) it lies in. See record_facts.hpp for how they are found.
struct Places {
  std::vector<std::string> organisations;
  std::vector<std::string> regions;
};

class Jurisdiction {
 public:
  Jurisdiction() = default;  // covers nothing
  // Region codes are taken as validated by the configuration loader; a malformed one covers nothing.
  explicit Jurisdiction(const config::JurisdictionConfig& config);

  // One of the record's organisations is listed, or one of its region codes lies in a listed region.
  bool covers(const Places& places) const;
  bool empty() const { return organisations_.empty() && prefixes_.empty(); }

 private:
  std::vector<std::string> organisations_;
  std::vector<std::string> prefixes_;  // "11", "1101", "110108"
};

}  // namespace kq::consent
