#pragma once
// The config's `audit:` section → how the store chains and checkpoints the audit log.
#include "gateway/audit/chain_settings.hpp"
#include "gateway/config/gateway_config.hpp"

namespace kq::audit {

// `sign`: load audit.checkpoints.signing_key so that this process writes checkpoints (the gateway
// does; commands that write a few entries to the same store leave that to it). Throws KeyError
// when the key cannot be used; warns when its file is readable by others than its owner.
ChainSettings chain_settings(const config::AuditConfig& audit, bool sign);

}  // namespace kq::audit
