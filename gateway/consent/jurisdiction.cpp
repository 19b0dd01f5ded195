#include "gateway/consent/jurisdiction.hpp"

#include "gateway/config/consent_settings.hpp"

namespace kq::consent {

Jurisdiction::Jurisdiction(const config::JurisdictionConfig& config) : organisations_(config.organisations) {
  for (const std::string& code : config.regions) {
    if (auto prefix = config::region_prefix(code)) prefixes_.push_back(std::move(*prefix));
  }
}

bool Jurisdiction::covers(const Places& places) const {
  for (const std::string& org : places.organisations) {
    if (org.empty()) continue;
    for (const std::string& mine : organisations_) {
      if (org == mine) return true;
    }
  }
  for (const std::string& region : places.regions) {
    for (const std::string& prefix : prefixes_) {
      if (region.starts_with(prefix)) return true;
    }
  }
  return false;
}

}  // namespace kq::consent
