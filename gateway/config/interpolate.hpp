#pragma once
// ${ENV} interpolation in configuration values. Secrets and per-host values (ports, paths,
// passwords of outbound endpoints) come from the environment rather than from a committed file.
//
//   ${NAME}            value of NAME; an error when NAME is not set
//   ${NAME:-default}   value of NAME, or `default` when NAME is unset or empty
//   $${                a literal "${" (so "$${HOME}" stays "${HOME}")
//
// Names are [A-Za-z_][A-Za-z0-9_]*. A '$' not followed by '{' is kept as it is. The expansion
// is not re-scanned, so a variable's value can safely contain "${".
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/config/source_location.hpp"

namespace kq::config {

// Returns the value of an environment variable, or std::nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the process environment (getenv).
EnvLookup process_environment();

// Expands `text`. On failure returns std::nullopt and appends one message per problem to
// `problems` (e.g. "environment variable 'KQ_PORT' is not set; ...").
std::optional<std::string> expand_env(std::string_view text, const EnvLookup& lookup,
                                      std::vector<std::string>& problems);

// Expands every scalar value in the tree in place (mapping keys are left alone, so a schema can
// never be bent by the environment). Problems become errors at the scalar's location. Marks and
// tags are kept, so later validation errors still point at the original text.
void interpolate_env(YAML::Node& root, const std::string& file, std::vector<ConfigError>& errors,
                     const EnvLookup& lookup = process_environment());

}  // namespace kq::config
