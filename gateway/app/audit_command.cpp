// `kangqiao audit`: the sub-commands on the audit log, and what they share.
#include "gateway/app/audit_command.hpp"

#include <cstdio>
#include <future>

#include <boost/json/serialize.hpp>

#include "gateway/app/command_support.hpp"

namespace kq::app {

namespace {

constexpr const char* kAuditHelp = R"(Usage: kangqiao audit verify [options]   check the hash chain and the signed checkpoints
       kangqiao audit export --format fhir|syslog [options]
                                          write the log as FHIR AuditEvent NDJSON or RFC 5424 lines

Run `kangqiao audit verify --help` or `kangqiao audit export --help` for their options.
Both record that they read the log (DICOM 110101 "Audit Log Used") in the log itself.
Exit codes: 0 success, 1 the log is not intact or cannot be read, 2 usage or configuration error.
)";

}  // namespace

std::unique_ptr<store::Store> open_audit_store(const AuditTarget& t) {
  return store::make_sqlite_store(command_store_options(t.path, t.busy_timeout, t.audit));
}

store::AuditEntry audit_log_used(const std::string& command, boost::json::object detail) {
  detail["command"] = "kangqiao " + command;
  store::AuditEntry e;
  e.event_type = std::string(store::audit_event::audit_log_used);
  e.action = store::AuditAction::read;
  e.outcome = store::AuditOutcome::success;
  e.actor = command_actor(command);
  e.detail_json = boost::json::serialize(detail);
  return e;
}

std::string record(store::Store& store, std::vector<store::AuditEntry> entries) {
  store::WriteBatch batch;
  batch.audit = std::move(entries);
  std::promise<store::WriteResult> promise;
  auto future = promise.get_future();
  store.submit(std::move(batch), [&promise](store::WriteResult r) { promise.set_value(std::move(r)); });
  const store::WriteResult r = future.get();
  return r.status == store::WriteStatus::committed ? std::string() : r.error.empty() ? "not committed" : r.error;
}

int cmd_audit(const Args& args) {
  if (args.empty() || args.front() == "--help" || args.front() == "-h") {
    std::fputs(kAuditHelp, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args.front() == "verify") return cmd_audit_verify(rest);
  if (args.front() == "export") return cmd_audit_export(rest);
  std::fprintf(stderr, "kangqiao audit: unknown sub-command '%s'\n\n%s", args.front().c_str(), kAuditHelp);
  return 2;
}

}  // namespace kq::app
