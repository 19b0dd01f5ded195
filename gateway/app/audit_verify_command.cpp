// `kangqiao audit verify`: recomputes the audit chain, checks every signed checkpoint, and names
// the first entry that is wrong (gateway/audit/verify.hpp).
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <boost/json/serialize.hpp>

#include "gateway/app/arg_parser.hpp"
#include "gateway/app/audit_command.hpp"
#include "gateway/audit/checkpoint_export.hpp"
#include "gateway/audit/verify.hpp"
#include "gateway/log/log.hpp"

namespace kq::app {

namespace {

constexpr const char* kVerifyHelp = R"(Usage: kangqiao audit verify [--config FILE | --path DB] [--key PUB]... [--checkpoints FILE]...
                             [--from SEQ] [--quiet]

Recomputes the audit log's hash chain from its first entry, checks the signature of every
checkpoint and compares its signed head with the chain, and reports the FIRST thing wrong:
  changed          an entry no longer matches its hash: it was edited in place
  missing          seq numbers are missing: entries were deleted
  out of order     an entry is chained after another entry than the one before it: swapped or moved
  chain broken     an entry was edited and its hash recomputed: the next one no longer links to it
  truncated        entries at the end were deleted: a checkpoint, or the table's own counter, goes further
  re-chained without the key
                   the chain was recomputed from some entry on; the next signed checkpoint disagrees
                   and its signed entry digests name that entry
  bad signature, unknown key, checkpoint missing
                   a checkpoint was edited, made with another key, or deleted
  unchained        an entry has no hash although the chain had begun

Options:
  --config FILE       the configuration whose store and keys to use (default: config/kangqiao.yaml)
  --path DB           verify this database file instead (give --key when it has checkpoints)
  --key PUB           PEM public key or certificate of the audit signing key; repeat it for the keys
                      used before a rotation. Default: audit.checkpoints.verify_keys, else the public
                      half of audit.checkpoints.signing_key. An auditor brings their own copy.
  --checkpoints FILE  checkpoints kept outside the database: the export file or a saved gateway log
                      (its audit_checkpoint lines); repeatable. With --config the configured
                      audit.checkpoints.export_file is read too, when it exists.
  --from SEQ          start at the last signed checkpoint before SEQ instead of the first entry
  --quiet             no progress lines on stderr
  --help              this text

It is safe while the gateway runs (it checks the entries that exist when it starts). It then
records itself in the log it checked: an "Audit Log Used" entry (DICOM 110101) with the verdict,
and a security alert (110113) when the log is not intact.

Exit codes: 0 intact; 1 not intact (the first problem is printed), or the log cannot be read, or
the verification cannot be recorded; 2 usage or configuration error.
)";

int usage(const std::string& message) {
  std::fprintf(stderr, "kangqiao audit verify: %s\n\n%s", message.c_str(), kVerifyHelp);
  return 2;
}

// The keys checkpoints may be signed with; sets `note` when they come from the signing key.
std::vector<audit::VerifyingKey> load_keys(const AuditTarget& t, const std::vector<std::string>& given,
                                           std::string& note) {
  std::vector<audit::VerifyingKey> keys;
  const std::vector<std::string>& files = !given.empty() ? given : t.audit.verify_keys;
  for (const std::string& f : files) keys.push_back(audit::VerifyingKey::load(f));
  if (keys.empty() && !t.audit.signing_key.empty()) {
    const auto signing = audit::SigningKey::load(t.audit.signing_key);
    keys.push_back(audit::VerifyingKey::from_pem(signing->public_key_pem(), t.audit.signing_key));
    note = "checked with the public half of the gateway's own signing key; an auditor should bring a "
           "copy kept apart (--key)";
  }
  return keys;
}

struct Run {
  std::vector<audit::Checkpoint> checkpoints;
  audit::LogExtent extent;
  std::size_t external = 0;
};

}  // namespace

int cmd_audit_verify(const Args& args) {
  bool help = false, quiet = false;
  std::string config = "config/kangqiao.yaml", path, from_text;
  std::vector<std::string> key_files, checkpoint_files;
  ArgParser parser;
  parser.help(help);
  parser.value("--config", config);
  parser.value("--path", path);
  parser.repeated("--key", key_files);
  parser.repeated("--checkpoints", checkpoint_files);
  parser.value("--from", from_text);
  parser.flag("--quiet", quiet);
  const ArgParser::Problems problems = parser.parse(args);
  if (help) {
    std::fputs(kVerifyHelp, stdout);
    return 0;
  }
  if (!problems.unknown.empty()) return usage("unknown option '" + problems.unknown.front() + "'");
  if (!problems.positional.empty()) return usage("unexpected argument '" + problems.positional.front() + "'");
  if (!problems.missing_value.empty()) return usage(problems.missing_value + " needs a value");
  std::int64_t from = 0;
  if (!from_text.empty()) {
    char* end = nullptr;
    from = std::strtoll(from_text.c_str(), &end, 10);
    if (end == from_text.c_str() || *end != '\0' || from < 1) return usage("--from needs a seq number (1 or more)");
  }
  log::set_level(log::Level::warn);

  int exit_code = 0;
  const std::optional<AuditTarget> target = resolve_store_target(config, path, "audit verify", exit_code);
  if (!target) return exit_code;
  std::string key_note;
  std::vector<audit::VerifyingKey> keys;
  Run run;
  try {
    keys = load_keys(*target, key_files, key_note);
    if (target->from_config && !target->audit.checkpoint_export_file.empty() &&
        std::filesystem::exists(target->audit.checkpoint_export_file)) {
      checkpoint_files.push_back(target->audit.checkpoint_export_file);
    }
    for (const std::string& f : checkpoint_files) {
      audit::CheckpointFile file = audit::read_checkpoint_file(f);
      for (const std::string& e : file.errors) std::fprintf(stderr, "%s\n", e.c_str());
      if (!file.errors.empty()) return 2;
      run.external += file.checkpoints.size();
      for (auto& c : file.checkpoints) run.checkpoints.push_back(std::move(c));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kangqiao audit verify: %s\n", e.what());
    return 2;
  }

  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<store::Store> store;
  std::optional<audit::Problem> problem;
  std::int64_t checked = 0, unchained = 0, checkpoints = 0, start_checkpoint = 0, last_seq = 0, last_checkpoint_seq = 0;
  try {
    store = open_audit_store(*target);
    auto reader = store->reader();
    // Checkpoints before the extent: every checkpoint read is then covered by the entries read.
    for (auto& c : reader->audit_checkpoints()) run.checkpoints.push_back(std::move(c));
    run.extent = reader->audit_extent();
    if (!run.checkpoints.empty() && keys.empty()) {
      return usage("the log has signed checkpoints: give the public key that signed them (--key PUB)");
    }
    audit::VerifyInput in;
    in.checkpoints = std::move(run.checkpoints);
    in.keys = &keys;
    in.extent = run.extent;
    in.from_seq = from;
    in.seq_of_hash = [&reader](std::string_view hash) { return reader->audit_seq_of_hash(hash); };
    audit::ChainVerifier verifier(std::move(in));
    auto last_progress = started;
    bool stopped = false;  // at the first problem
    for (std::int64_t after = verifier.start_after(); !stopped && after < run.extent.last_seq;) {
      const std::vector<audit::StoredEntry> page = reader->audit_entries(after, 4096);
      for (const audit::StoredEntry& e : page) {
        if (e.seq > run.extent.last_seq) break;  // appended since the verification started
        if (!verifier.feed(e)) {
          stopped = true;
          break;
        }
        after = e.seq;
      }
      if (page.empty() || page.back().seq > run.extent.last_seq) break;
      const auto now = std::chrono::steady_clock::now();
      if (!quiet && now - last_progress >= std::chrono::seconds(2)) {
        last_progress = now;
        std::fprintf(stderr, "audit verify: at seq %lld of %lld (%lld%%)\n", static_cast<long long>(after),
                     static_cast<long long>(run.extent.last_seq),
                     static_cast<long long>(after * 100 / std::max<std::int64_t>(run.extent.last_seq, 1)));
      }
    }
    if (!stopped) verifier.finish();
    problem = verifier.problem();
    checked = verifier.entries_checked();
    unchained = verifier.unchained_entries();
    checkpoints = verifier.checkpoints_checked();
    start_checkpoint = verifier.started_after_checkpoint();
    last_seq = verifier.last_seq();
    last_checkpoint_seq = verifier.last_checkpoint_seq();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kangqiao audit verify: cannot read the audit log of %s: %s\n", target->path.c_str(), e.what());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (problem) {
    std::printf("FAILED at seq %lld (%s): %s\n", static_cast<long long>(problem->seq),
                std::string(audit::to_string(problem->finding)).c_str(), problem->message.c_str());
    std::printf("checked %lld entries and %lld checkpoints before it; %.1f s\n", static_cast<long long>(checked),
                static_cast<long long>(checkpoints), seconds);
  } else {
    std::printf("ok: audit log intact: %lld entries chained up to seq %lld, %lld signed checkpoint%s verified "
                "(%zu from outside the database); %.1f s\n",
                static_cast<long long>(checked), static_cast<long long>(last_seq), static_cast<long long>(checkpoints),
                checkpoints == 1 ? "" : "s", run.external, seconds);
    if (start_checkpoint != 0) {
      std::printf("note: started after checkpoint #%lld; entries before it were not checked\n",
                  static_cast<long long>(start_checkpoint));
    } else if (from > 1) {
      std::printf("note: no signed checkpoint before seq %lld: checked from the first entry\n",
                  static_cast<long long>(from));
    }
    if (unchained > 0) {
      std::printf("note: %lld entries written before the chain existed have no hash and are not protected\n",
                  static_cast<long long>(unchained));
    }
    if (checkpoints == 0 && checked > 0) {
      // With a key configured the gateway has simply not reached its first checkpoint yet.
      const bool signing = target->from_config && !target->audit.signing_key.empty();
      std::printf("warning: no signed checkpoint yet: a rewrite of the whole log, or of its newest entries, would "
                  "not be detected (%s)\n",
                  signing ? "the gateway signs one after audit.checkpoints.every_entries entries or every "
                            "audit.checkpoints.every while entries arrive"
                          : "set audit.checkpoints.signing_key");
    } else if (last_checkpoint_seq < last_seq) {
      std::printf("note: seq %lld..%lld are chained but not yet under a signed checkpoint\n",
                  static_cast<long long>(last_checkpoint_seq + 1), static_cast<long long>(last_seq));
    }
  }
  for (const audit::VerifyingKey& k : keys) {
    std::printf("key: %s %s\n", std::string(k.algorithm()).c_str(), audit::fingerprint_text(k.fingerprint()).c_str());
  }
  if (!key_note.empty()) std::printf("note: %s\n", key_note.c_str());

  boost::json::object detail;
  detail["result"] = problem ? "not intact" : "intact";
  detail["entries_checked"] = checked;
  std::vector<store::AuditEntry> entries{audit_log_used("audit verify", detail)};
  if (problem) {
    store::AuditEntry alert = entries.front();
    alert.event_type = std::string(store::audit_event::security_alert);
    alert.action = store::AuditAction::execute;
    alert.outcome = store::AuditOutcome::serious_failure;
    boost::json::object d;
    d["first_bad_seq"] = problem->seq;
    d["finding"] = audit::to_string(problem->finding);
    d["detail"] = "audit log not intact";
    alert.detail_json = boost::json::serialize(d);
    entries.push_back(std::move(alert));
  }
  const std::string recorded = record(*store, std::move(entries));
  store->shutdown();
  if (!recorded.empty()) {
    std::fprintf(stderr, "kangqiao audit verify: this verification could not be recorded in the audit log: %s\n",
                 recorded.c_str());
    return 1;
  }
  return problem ? 1 : 0;
}

}  // namespace kq::app
