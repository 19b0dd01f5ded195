#pragma once
// What `kangqiao audit verify` and `kangqiao audit export` share: which store they read, and how
// they record that they read it. Reading the audit log is itself audited (DICOM 110101 "Audit
// Log Used"), in the same chain.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "gateway/app/command_support.hpp"
#include "gateway/app/commands.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/store/store.hpp"

namespace kq::app {

// The audit commands read the store of --config FILE or --path DB (command_support.hpp).
using AuditTarget = StoreTarget;

// Opens the target's store (throws StoreError and the like; the caller reports).
std::unique_ptr<store::Store> open_audit_store(const AuditTarget& target);

// An "Audit Log Used" entry for `command` ("audit verify", "audit export") with `detail`.
store::AuditEntry audit_log_used(const std::string& command, boost::json::object detail);

// Commits `entries` in one batch; "" once committed, else why not.
std::string record(store::Store& store, std::vector<store::AuditEntry> entries);

int cmd_audit_verify(const Args& args);  // audit_verify_command.cpp
int cmd_audit_export(const Args& args);  // audit_export_command.cpp

}  // namespace kq::app
