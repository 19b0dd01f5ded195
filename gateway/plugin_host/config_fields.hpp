#pragma once
// Plugins declare their config fields through the C ABI; the host validates adapter blocks with
// the same schema validator as its own configuration.
#include <vector>

#include "gateway/config/schema.hpp"
#include "gateway/plugin_host/plugin_library.hpp"

namespace kq::plugin_host {

std::vector<config::Field> to_config_fields(const std::vector<FieldSpec>& specs);

}  // namespace kq::plugin_host
