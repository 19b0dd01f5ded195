#pragma once
// The configuration the pull API's tests and its benchmark run under: a provincial CDC principal
// that pulls for public health (PUBHLTH) anywhere in Beijing (110000), and the statutory flow that
// discloses notifiable-disease diagnoses to that CDC without consent.
#include <string>

#include "gateway/config/gateway_config.hpp"

namespace kq::testing {

inline constexpr const char* kNotifiableDiseaseBasis = "Law on the Prevention and Control of Infectious Diseases, Art. 30";

inline config::GatewayConfig cdc_pull_config(const std::string& principal, const std::string& organisation) {
  config::GatewayConfig config;
  config::PrincipalConfig cdc;
  cdc.name = principal;
  cdc.organisation = organisation;
  cdc.roles = {"records.pull"};
  cdc.purposes = {"PUBHLTH"};
  cdc.jurisdiction.regions = {"110000"};
  config.principals.push_back(cdc);
  config::StatutoryFlowConfig flow;
  flow.name = "notifiable-disease";
  flow.organisation = organisation;
  flow.purposes = {"PUBHLTH"};
  flow.categories = {"diagnosis"};
  flow.legal_basis = kNotifiableDiseaseBasis;
  config.consent.statutory.push_back(flow);
  return config;
}

}  // namespace kq::testing
