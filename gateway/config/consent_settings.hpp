#pragma once
// Internal to the loader: the settings consent enforcement reads — purposes of use, statutory
// flows, and each principal's purposes and jurisdiction — and the checks between them that a
// per-field schema cannot express (a purpose that is declared nowhere, a region code that is
// not one, a pulling principal that could receive nothing).
#include <vector>

#include "gateway/config/gateway_config.hpp"
#include "gateway/config/schema.hpp"

namespace kq::config {

// `consent:` without its statutory flows, which name principals' organisations and so are
// read after the principals (read_statutory_flows).
void read_consent_settings(const Block& consent, ConsentConfig& out, std::vector<ConfigError>& errors);

// A principal's `purposes:` and `jurisdiction:`, checked against the declared purposes.
void read_principal_access(const Block& principal, const ConsentConfig& consent, PrincipalConfig& out,
                           std::vector<ConfigError>& errors);

void read_statutory_flows(const Block& consent, const std::vector<PrincipalConfig>& principals,
                          ConsentConfig& out, std::vector<ConfigError>& errors);

// Prefix semantics of a GB/T 2260 code: the province ("11" for 110000), the city ("1101" for
// 110100) or the county ("110108"); nothing for text that is not six digits or is all zeros.
std::optional<std::string> region_prefix(std::string_view code);

}  // namespace kq::config
