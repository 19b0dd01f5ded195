#pragma once
// The data set of the pull benchmark: a SQLite store of one Beijing district, built once into a
// file and reused while it holds the size asked for (building a million records takes minutes).
//
// A hospital (an Organization placed in 110108), and children living in 110105, each written as
// one batch the way an import writes them: the person (found by an MRN), their consents, and
// observations of a school health exam. The consents are a realistic mix for the provincial
// CDC pulling for public health (PUBHLTH):
//   - about 85 %: the parent's separate consent for the CDC (health exam, vision, fitness,
//     demographics), some with a hospital treatment consent beside it;
//   - about 6 %: that consent withdrawn before the pull;
//   - about 9 %: no consent for the CDC at all (only the hospital's treatment consent, or none);
//   - one child in 50 has a notifiable-disease diagnosis, which the statutory reporting flow
//     discloses whatever the consents say.
// Consent records themselves are never permitted to the CDC (no consent covers them), and mental
// health surveys are denied by the health-exam consent: the feed always has denials in it.
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "gateway/config/gateway_config.hpp"

namespace kq::bench::pull_data {

inline constexpr const char* kHospital = "org-hospital-110108";
inline constexpr const char* kCdc = "org-cdc-110000";
inline constexpr const char* kPrincipal = "province-cdc";
// The instant every pull is decided at: inside the consents' periods, whatever day it is run.
inline constexpr const char* kDecisionTime = "2025-03-01T10:00:00+08:00";

struct DataSet {
  std::size_t records = 0;   // rows in the record table
  std::size_t persons = 0;
  bool reused = false;       // the file was there with this size
  double build_seconds = 0;  // 0 when reused
};

// Builds the store at `path` with at least `records` records (it stops after the child that
// reaches the count), or reuses it when its marker file says it was built for that count.
DataSet build_or_reuse(const std::filesystem::path& path, std::size_t records);

// The configuration of the pull: the CDC principal and the statutory reporting flow.
config::GatewayConfig pull_config();

}  // namespace kq::bench::pull_data
