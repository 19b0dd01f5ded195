#pragma once
// Loading the gateway configuration: read, parse, expand ${ENV}, validate against
// gateway_schema(), resolve paths, check references between sections.
#include <string>

#include "gateway/config/gateway_config.hpp"
#include "gateway/config/interpolate.hpp"

namespace kq::config {

// Loads and validates the file at `path`. Throws ConfigErrors carrying every problem found,
// each located as "file:line:col" with `path` spelled as the caller gave it. Relative paths in
// the file are resolved against the file's folder; the result holds absolute paths.
GatewayConfig load_gateway_config(const std::string& path, const EnvLookup& env = process_environment());

// The same for text already in memory; `file` names it in errors and anchors relative paths.
GatewayConfig load_gateway_config_from_string(const std::string& text, const std::string& file,
                                              const EnvLookup& env = process_environment());

}  // namespace kq::config
