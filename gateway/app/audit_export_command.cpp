// `kangqiao audit export`: the audit log as FHIR R4 AuditEvent NDJSON or RFC 5424 syslog lines
// (gateway/audit/export.hpp), for an audit repository, a SIEM or an auditor.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "gateway/app/arg_parser.hpp"
#include "gateway/app/audit_command.hpp"
#include "gateway/app/command_support.hpp"
#include "gateway/audit/export.hpp"
#include "gateway/log/log.hpp"

namespace kq::app {

namespace {

constexpr const char* kExportHelp = R"(Usage: kangqiao audit export --format fhir|syslog [--since SEQ|TIME] [--config FILE | --path DB]
                             [--output FILE]

Writes the audit log, oldest entry first, one line per entry:
  fhir     FHIR R4 AuditEvent resources as NDJSON (IHE BALP: type = DICOM event id, subtype =
           ISO 21089 lifecycle event, action, recorded, outcome, agents, source, entities)
  syslog   RFC 5424 lines (facility 13, log audit; the chain fields as structured data, the
           entry's detail as the message), for a syslog collector or an IHE ATNA repository

Options:
  --format F      fhir | syslog (required)
  --since SEQ     entries from this seq on (a number), or
  --since TIME    entries written at or after TIME (ISO 8601: 2026-12-01, 2026-12-01T08:00,
                  with Z or +08:00; without an offset +08:00)
  --config FILE   configuration whose store to read (default: config/kangqiao.yaml)
  --path DB       read this database file instead
  --output FILE   write to FILE instead of standard output
  --help          this text

The export is itself recorded in the log first (DICOM 110101 "Audit Log Used", with the format
and the range): if that entry cannot be written, nothing is exported.

Exit codes: 0 exported, 1 the log cannot be read or the export cannot be recorded, 2 usage or
configuration error.
)";

int usage(const std::string& message) {
  std::fprintf(stderr, "kangqiao audit export: %s\n\n%s", message.c_str(), kExportHelp);
  return 2;
}

bool all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

int cmd_audit_export(const Args& args) {
  bool help = false;
  std::string config = "config/kangqiao.yaml", path, format, since, output;
  ArgParser parser;
  parser.help(help);
  parser.value("--config", config);
  parser.value("--path", path);
  parser.value("--format", format);
  parser.value("--since", since);
  parser.value("--output", output);
  const ArgParser::Problems problems = parser.parse(args);
  if (help) {
    std::fputs(kExportHelp, stdout);
    return 0;
  }
  if (!problems.unknown.empty()) return usage("unknown option '" + problems.unknown.front() + "'");
  if (!problems.positional.empty()) return usage("unexpected argument '" + problems.positional.front() + "'");
  if (!problems.missing_value.empty()) return usage(problems.missing_value + " needs a value");
  if (format != "fhir" && format != "syslog") {
    return usage(format.empty() ? "--format is required (fhir or syslog)" : "--format must be fhir or syslog, not '" + format + "'");
  }
  std::int64_t since_seq = 0, since_ms = 0;
  if (all_digits(since)) {
    since_seq = std::stoll(since);
  } else if (!since.empty()) {
    std::string error;
    const auto ms = parse_time(since, error);
    if (!ms) return usage("--since: '" + since + "' is neither a seq number nor a time: " + error);
    since_ms = *ms;
  }
  log::set_level(log::Level::warn);
  int exit_code = 0;
  const std::optional<AuditTarget> target = resolve_store_target(config, path, "audit export", exit_code);
  if (!target) return exit_code;

  std::unique_ptr<store::Store> store;
  try {
    store = open_audit_store(*target);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kangqiao audit export: %s\n", e.what());
    return 1;
  }
  boost::json::object detail;
  detail["format"] = format;
  if (!since.empty()) detail["since"] = since;
  if (!output.empty()) detail["output"] = output;
  // Recorded before anything is read: an export that cannot be recorded discloses nothing.
  if (const std::string error = record(*store, {audit_log_used("audit export", detail)}); !error.empty()) {
    std::fprintf(stderr, "kangqiao audit export: the export could not be recorded in the audit log, so nothing "
                         "was exported: %s\n", error.c_str());
    return 1;
  }

  std::ofstream file;
  if (!output.empty()) {
    file.open(output, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::fprintf(stderr, "kangqiao audit export: cannot write %s\n", output.c_str());
      return 1;
    }
  }
  std::ostream& out = output.empty() ? std::cout : file;
  std::size_t written = 0;
  try {
    auto reader = store->reader();
    for (std::int64_t after = since_seq > 0 ? since_seq - 1 : 0;;) {
      const std::vector<audit::StoredEntry> page = reader->audit_entries(after, 4096);
      if (page.empty()) break;
      for (const audit::StoredEntry& e : page) {
        after = e.seq;
        if (e.at_ms < since_ms) continue;
        out << (format == "fhir" ? audit::fhir_audit_event(e, target->node) : audit::syslog_line(e, target->node)) << '\n';
        ++written;
      }
    }
    out.flush();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kangqiao audit export: cannot read the audit log: %s\n", e.what());
    return 1;
  }
  store->shutdown();
  if (!out) {
    std::fprintf(stderr, "kangqiao audit export: writing the export failed\n");
    return 1;
  }
  std::fprintf(stderr, "kangqiao audit export: %zu entr%s\n", written, written == 1 ? "y" : "ies");
  return 0;
}

}  // namespace kq::app
