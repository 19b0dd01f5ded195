#pragma once
// The gateway configuration file described as Field tables, one per section. The loader
// validates with these tables and the reference documentation is rendered from them.
#include <string>
#include <vector>

#include "gateway/config/schema.hpp"

namespace kq::config {

// Top-level keys of the gateway configuration, with every section nested inside.
const std::vector<Field>& gateway_schema();

// The reference part of docs/configuration.md: one Markdown table per section.
std::string describe_schema_markdown();

}  // namespace kq::config
