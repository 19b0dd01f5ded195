// `kangqiao audit verify` on a large audit log: the real binary on a store of N chained entries
// (1,000,000 by default) with a signed checkpoint every 1,000, written through the store's own
// writer. Beside it, in the same run, the baselines: SM3 and SHA-256 alone over exactly the bytes
// the verifier hashes (prev_hash || canonical entry, for every entry), so the figure says what
// reading the rows, the checks and the process cost on top of the hashing that cannot be avoided.
//
// Usage: kq_bench_audit_verify [--entries N] [--runs N] [--hash sm3|sha256] [--gateway PATH]
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "gateway/audit/chain.hpp"
#include "gateway/audit/checkpoint.hpp"
#include "gateway/log/log.hpp"
#include "gateway/store/store.hpp"

namespace kq::bench {
namespace {

struct Options {
  std::filesystem::path gateway = KQ_GATEWAY_BIN;
  std::int64_t entries = 1'000'000;
  unsigned runs = 3;
  audit::HashAlgorithm hash = audit::HashAlgorithm::sm3;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--entries") o.entries = std::stoll(value());
    else if (arg == "--runs") o.runs = static_cast<unsigned>(std::stoul(value()));
    else if (arg == "--gateway") o.gateway = value();
    else if (arg == "--hash") {
      const auto h = audit::parse_hash_name(value());
      if (!h) die("--hash: sm3 or sha256");
      o.hash = *h;
    } else {
      std::puts("usage: kq_bench_audit_verify [--entries N] [--runs N] [--hash sm3|sha256] [--gateway PATH]");
      std::exit(arg == "--help" ? 0 : 2);
    }
  }
  if (o.entries < 1 || o.runs == 0) die("nothing to measure");
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What the gateway writes for one HL7 message over MLLP, give or take the ids.
store::AuditEntry typical_entry(std::int64_t n) {
  store::AuditEntry a;
  a.event_type = "110107";
  a.action = store::AuditAction::create;
  a.actor = "hospital-a";
  a.org_id = "12110000MB0000001X";
  a.detail_json = R"({"adapter":"hospital-a","transport":"mllp","channel":"hl7","peer":"10.20.30.40:)" +
                  std::to_string(40000 + n % 20000) + "\"}";
  return a;
}

// N entries through the store's writer, 1,000 per batch, checkpoints signed every 1,000.
void fill(const std::filesystem::path& db, const Options& o, std::shared_ptr<const audit::SigningKey> key) {
  store::SqliteOptions options;
  options.path = db;
  options.audit.hash = o.hash;
  options.audit.signing_key = std::move(key);
  options.audit.checkpoint_every_entries = 1000;
  options.audit.checkpoint_every = std::chrono::hours(24);
  auto store = store::make_sqlite_store(options);
  std::vector<std::future<store::WriteResult>> pending;
  for (std::int64_t done = 0; done < o.entries;) {
    store::WriteBatch batch;
    for (std::int64_t i = 0; i < 1000 && done < o.entries; ++i, ++done) {
      batch.audit.push_back(typical_entry(done));
      batch.audit.back().at_ms = 1796600000000 + done;
    }
    auto promise = std::make_shared<std::promise<store::WriteResult>>();
    pending.push_back(promise->get_future());
    store->submit(std::move(batch), [promise](store::WriteResult r) { promise->set_value(std::move(r)); });
    if (pending.size() >= 64) {
      for (auto& f : pending) {
        if (f.get().status != store::WriteStatus::committed) die("the fixture's batch was not committed");
      }
      pending.clear();
    }
  }
  for (auto& f : pending) {
    if (f.get().status != store::WriteStatus::committed) die("the fixture's batch was not committed");
  }
  store->shutdown();
}

// Every entry's (prev_hash || canonical entry), as the verifier hashes them.
std::vector<std::string> hashed_bytes(const std::filesystem::path& db) {
  store::SqliteOptions options;
  options.path = db;
  auto store = store::make_sqlite_store(options);
  auto reader = store->reader();
  std::vector<std::string> out;
  for (std::int64_t after = 0;;) {
    const auto page = reader->audit_entries(after, 4096);
    if (page.empty()) break;
    for (const auto& e : page) {
      std::string bytes = e.prev_hash.value_or(std::string(32, '\0'));
      audit::encode_entry(e.fields(), bytes);
      out.push_back(std::move(bytes));
      after = e.seq;
    }
  }
  store->shutdown();
  return out;
}

double raw_hash_seconds(const std::vector<std::string>& inputs, audit::HashAlgorithm algorithm) {
  audit::Hasher hasher(algorithm);
  unsigned char sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& bytes : inputs) sink ^= hasher.digest(bytes, {})[0];
  const double s = seconds_since(start);
  if (sink == 0x5a) std::fputs("", stdout);  // keeps the loop from being optimised away
  return s;
}

double verify_seconds(const Options& o, const std::filesystem::path& db, const std::filesystem::path& pub,
                      std::string& first_line) {
  const std::string command = o.gateway.string() + " audit verify --quiet --path " + db.string() + " --key " +
                              pub.string() + " 2>&1";
  const auto start = std::chrono::steady_clock::now();
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) die("cannot run " + command);
  char line[4096];
  first_line.clear();
  while (std::fgets(line, sizeof line, p) != nullptr) {
    if (first_line.empty()) first_line = line;
  }
  const int status = ::pclose(p);
  const double s = seconds_since(start);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("audit verify failed: " + first_line);
  return s;
}

int run(int argc, char** argv) {
  const Options o = parse(argc, argv);
  log::set_level(log::Level::warn);  // one line per checkpoint would bury the figures
  TempDir dir(std::filesystem::path{});
  const auto key_file = dir.path() / "audit.key", pub_file = dir.path() / "audit.pub";
  const std::string keygen = "openssl genpkey -algorithm SM2 -out " + key_file.string() + " 2>/dev/null && openssl pkey -in " +
                             key_file.string() + " -pubout -out " + pub_file.string();
  if (std::system(keygen.c_str()) != 0) die("openssl cannot make an SM2 key");
  const auto db = dir.path() / "audit.db";

  auto start = std::chrono::steady_clock::now();
  fill(db, o, audit::SigningKey::load(key_file));
  std::printf("audit verify: %lld entries (%s chain, a signed SM2 checkpoint every 1,000), written in %.1f s\n",
              static_cast<long long>(o.entries), std::string(audit::hash_name(o.hash)).c_str(), seconds_since(start));
  const std::vector<std::string> inputs = hashed_bytes(db);
  std::size_t total = 0;
  for (const auto& s : inputs) total += s.size();

  std::vector<double> verify, sm3, sha256;
  std::string verdict;
  for (unsigned r = 1; r <= o.runs; ++r) {
    sm3.push_back(raw_hash_seconds(inputs, audit::HashAlgorithm::sm3));
    sha256.push_back(raw_hash_seconds(inputs, audit::HashAlgorithm::sha256));
    verify.push_back(verify_seconds(o, db, pub_file, verdict));
    std::printf("run %u: kangqiao audit verify %.2f s | raw SM3 %.2f s, raw SHA-256 %.2f s over the same %.0f MB\n", r,
                verify.back(), sm3.back(), sha256.back(), static_cast<double>(total) / 1e6);
    std::fflush(stdout);
  }
  const double v = median(verify), base = median(o.hash == audit::HashAlgorithm::sm3 ? sm3 : sha256);
  std::printf("\nmedian of %u run(s): audit verify %.2f s (%.0f entries/s) | raw SM3 %.2f s, raw SHA-256 %.2f s | "
              "verify / raw %s %.1fx\n",
              o.runs, v, static_cast<double>(o.entries) / v, median(sm3), median(sha256),
              std::string(audit::hash_name(o.hash)).c_str(), base > 0 ? v / base : 0);
  std::printf("verdict of the last run: %s", verdict.c_str());
  return 0;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) { return kq::bench::run(argc, argv); }
