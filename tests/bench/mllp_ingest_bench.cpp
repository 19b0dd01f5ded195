// MLLP ingest benchmark: the real gateway binary with the `his` adapter and the shipped HL7
// mappings, durable (WAL, synchronous=FULL), fed 1 KB ADT^A01 / ORU^R01 messages by 1, 8 and 64
// closed-loop connections (each sends its next message after the ACK of the previous one).
//
// Beside it, in the same run, the baseline: the same senders against one thread doing raw SQLite
// group commit of the message bytes (no parsing, mapping, identity index, audit or dedupe) —
// the durable floor. The ratio says what the gateway's work costs on this machine.
//
// Runs alternate baseline and gateway per connection count so both see the same machine noise;
// medians of the runs are printed, with ACK latency p50/p99 and the gateway's resident set.
//
// Last, the storage floor (store_floor.hpp): raw SQLite writing exactly the rows the gateway
// wrote in these runs, one thread, in transactions of 1000 messages and of as many messages as
// the most connections measured. No ingest with this schema can be faster on this machine; the
// gateway's rate divided by it says how close ingest comes.
//
// Usage: kq_bench_mllp_ingest [--seconds S] [--warmup S] [--runs N] [--connections 1,8,64]
//                            [--gateway PATH] [--plugins DIR] [--source DIR] [--keep]
//                            [--wrap "valgrind --tool=callgrind"]   (profile the gateway)
//                            [--no-lineage]   (mappings.lineage: false in the gateway's config)
//                            [--audit-chain]  (baseline: the same gateway without the audit chain)
//
// --audit-chain measures what the audit chain costs: the gateway runs with its default chain
// (SM3, an SM2-signed checkpoint every 1,000 entries, exported to a file), and the baseline is a
// second gateway, same config and binary, with `audit.hash: none`, driven alternately.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "mllp_load.hpp"
#include "store_floor.hpp"

namespace kq::bench {
namespace {

struct Options {
  std::filesystem::path gateway = KQ_GATEWAY_BIN;
  std::filesystem::path plugins = KQ_PLUGIN_DIR;
  std::filesystem::path source = KQ_SOURCE_DIR;
  double seconds = 5;
  double warmup = 1;
  unsigned runs = 3;
  std::vector<unsigned> connections{1, 8, 64};
  bool keep = false;
  std::string wrap;  // e.g. "valgrind --tool=callgrind": the gateway runs under it
  bool lineage = true;  // mappings.lineage in the gateway's config
  bool audit_chain = false;  // baseline: the gateway with audit.hash: none
};

void usage() {
  std::puts(
      "usage: kq_bench_mllp_ingest [--seconds S] [--warmup S] [--runs N] [--connections 1,8,64]\n"
      "                            [--gateway PATH] [--plugins DIR] [--source DIR] [--keep]\n"
      "                            [--wrap \"valgrind --tool=callgrind\"] [--no-lineage] [--audit-chain]\n"
      "Starts the gateway on a temporary database and measures MLLP ingest against a raw\n"
      "SQLite group-commit baseline. --keep leaves the temporary folder (config, log, db).");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--seconds") o.seconds = std::stod(value());
    else if (arg == "--warmup") o.warmup = std::stod(value());
    else if (arg == "--runs") o.runs = static_cast<unsigned>(std::stoul(value()));
    else if (arg == "--gateway") o.gateway = value();
    else if (arg == "--plugins") o.plugins = value();
    else if (arg == "--source") o.source = value();
    else if (arg == "--keep") o.keep = true;
    else if (arg == "--wrap") o.wrap = value();
    else if (arg == "--no-lineage") o.lineage = false;
    else if (arg == "--audit-chain") o.audit_chain = true;
    else if (arg == "--connections") {
      o.connections.clear();
      std::string list = value();
      for (std::size_t at = 0; at < list.size();) {
        std::size_t comma = list.find(',', at);
        if (comma == std::string::npos) comma = list.size();
        o.connections.push_back(static_cast<unsigned>(std::stoul(list.substr(at, comma - at))));
        at = comma + 1;
      }
    } else if (arg == "--help" || arg == "-h") {
      usage();
      std::exit(0);
    } else {
      usage();
      die("unknown option " + arg);
    }
  }
  if (o.runs == 0 || o.seconds <= 0 || o.connections.empty()) die("nothing to measure");
  return o;
}

// `audit`: the config's audit section ("" for the defaults).
void write_config(const std::filesystem::path& file, const Options& o, const std::filesystem::path& data,
                  unsigned short admin_port, unsigned short mllp_port, const std::string& audit = {}) {
  std::ofstream out(file);
  out << "data_dir: " << data.string() << "\n"
      << "log: { level: warn }\n"
      << "listeners:\n"
      << "  - name: admin\n    address: 127.0.0.1\n    port: " << admin_port << "\n"
      << "  - name: hl7\n    protocol: mllp\n    address: 127.0.0.1\n    port: " << mllp_port
      << "\n"
      << "store:\n  backend: sqlite\n  path: kangqiao.db\n"
      << "plugins: { directory: " << o.plugins.string() << " }\n"
      << "mappings: { directory: " << (o.source / "mappings").string()
      << ", lineage: " << (o.lineage ? "true" : "false") << " }\n"
      << "adapters:\n  - name: bench-hospital\n    plugin: his\n    listener: hl7\n"
      << "    config: { facility: BENCH }\n"
      << audit;
  if (!out) die("cannot write " + file.string());
}

struct Level {
  std::vector<LoadResult> baseline, gateway;
};

void print_run(unsigned run, unsigned connections, const LoadResult& b, const LoadResult& g) {
  std::printf(
      "run %u, %2u connections: baseline %6.0f msg/s p50 %6.0f us p99 %6.0f us | gateway %6.0f "
      "msg/s p50 %6.0f us p99 %6.0f us cpu %4.0f us/msg | ratio %.2f%s\n",
      run, connections, b.rate(), percentile(b.latencies_us, 0.5),
      percentile(b.latencies_us, 0.99), g.rate(), percentile(g.latencies_us, 0.5),
      percentile(g.latencies_us, 0.99), g.cpu_us_per_message(), b.rate() > 0 ? g.rate() / b.rate() : 0,
      g.negative > 0 ? "  NEGATIVE ACKS" : "");
  std::fflush(stdout);
}

double median_of(const std::vector<LoadResult>& runs, double (*figure)(const LoadResult&)) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(figure(r));
  return median(std::move(v));
}

int run(int argc, char** argv) {
  const Options o = parse(argc, argv);
  TempDir dir(std::filesystem::path{});
  const MessageFactory messages(o.source / "tests/fixtures/hl7v2");
  const unsigned short admin_port = free_port(), mllp_port = free_port();
  std::string audit;
  if (o.audit_chain) {
    const auto key = dir.path() / "audit.key";
    if (std::system(("openssl genpkey -algorithm SM2 -out " + key.string()).c_str()) != 0) die("openssl cannot make an SM2 key");
    audit = "audit:\n  hash: sm3\n  checkpoints:\n    signing_key: " + key.string() +
            "\n    every_entries: 1000\n    export_file: " + (dir.path() / "checkpoints.jsonl").string() + "\n";
  }
  write_config(dir.path() / "kangqiao.yaml", o, dir.path() / "data", admin_port, mllp_port, audit);
  std::filesystem::create_directories(dir.path() / "data");

  std::printf("MLLP ingest: %zu-byte ADT^A01/ORU^R01 messages, %u run(s) of %.1f s (+%.1f s "
              "warm-up) per level, synchronous=FULL\n",
              messages.typical_size(), o.runs, o.seconds, o.warmup);
  GatewayProcess gateway(o.gateway, dir.path() / "kangqiao.yaml", dir.path() / "gateway.log",
                         o.wrap);
  gateway.wait_ready(mllp_port, std::chrono::seconds(60));
  const std::size_t idle_rss = gateway.rss_kib();
  // --audit-chain: the baseline gateway, the same but for the chain.
  const unsigned short off_admin_port = free_port(), off_port = free_port();
  std::unique_ptr<GatewayProcess> chain_off;
  if (o.audit_chain) {
    write_config(dir.path() / "chain-off.yaml", o, dir.path() / "data-off", off_admin_port, off_port,
                 "audit: { hash: none }\n");
    std::filesystem::create_directories(dir.path() / "data-off");
    chain_off = std::make_unique<GatewayProcess>(o.gateway, dir.path() / "chain-off.yaml",
                                                 dir.path() / "chain-off.log", o.wrap);
    chain_off->wait_ready(off_port, std::chrono::seconds(60));
    std::printf("baseline: the same gateway with audit.hash: none (no chain, no checkpoints)\n");
  }

  std::map<unsigned, Level> levels;
  std::size_t negatives = 0;
  for (unsigned r = 1; r <= o.runs; ++r) {
    for (unsigned connections : o.connections) {
      const double off_cpu_before = chain_off ? chain_off->cpu_seconds() : 0;
      auto base = chain_off ? drive_mllp(off_port, connections, o.warmup, o.seconds, messages, r)
                            : drive_raw_sqlite(dir.fresh_file("baseline"), connections, o.warmup, o.seconds,
                                               messages, r);
      if (chain_off) base.server_cpu_seconds = chain_off->cpu_seconds() - off_cpu_before;
      negatives += base.negative;
      const double cpu_before = gateway.cpu_seconds();
      auto gw = drive_mllp(mllp_port, connections, o.warmup, o.seconds, messages, r);
      gw.server_cpu_seconds = gateway.cpu_seconds() - cpu_before;
      negatives += gw.negative;
      print_run(r, connections, base, gw);
      levels[connections].baseline.push_back(std::move(base));
      levels[connections].gateway.push_back(std::move(gw));
    }
  }
  const std::size_t peak_rss = gateway.peak_rss_kib();

  auto rate = [](const LoadResult& r) { return r.rate(); };
  auto p50 = [](const LoadResult& r) { return percentile(r.latencies_us, 0.5); };
  auto p99 = [](const LoadResult& r) { return percentile(r.latencies_us, 0.99); };
  auto cpu = [](const LoadResult& r) { return r.cpu_us_per_message(); };
  std::printf("\nmedian of %u run(s):\n", o.runs);
  std::printf("  conns | %s msg/s  p50 ms  p99 ms | gateway msg/s  p50 ms  p99 ms  cpu us/msg | ratio\n",
              chain_off ? " chain off" : "raw SQLite");
  for (const auto& [connections, level] : levels) {
    const double b = median_of(level.baseline, rate), g = median_of(level.gateway, rate);
    std::printf("  %5u | %14.0f  %6.2f  %6.2f | %13.0f  %6.2f  %6.2f  %10.0f | %5.2f\n",
                connections, b, median_of(level.baseline, p50) / 1000,
                median_of(level.baseline, p99) / 1000, g, median_of(level.gateway, p50) / 1000,
                median_of(level.gateway, p99) / 1000, median_of(level.gateway, cpu), b > 0 ? g / b : 0);
  }
  if (chain_off) {
    // CPU per message is steadier than throughput on a shared machine: what the chain costs.
    for (const auto& [connections, level] : levels) {
      const double off = median_of(level.baseline, cpu), on = median_of(level.gateway, cpu);
      std::printf("  %2u connections: CPU per message chain off %.0f us, chain on %.0f us (%+.1f%%)\n", connections,
                  off, on, off > 0 ? (on / off - 1) * 100 : 0);
    }
  }
  std::printf("  gateway resident set: %.1f MiB idle, %.1f MiB peak\n", idle_rss / 1024.0,
              peak_rss / 1024.0);
  if (chain_off) chain_off->stop(std::chrono::seconds(30));
  const int status = gateway.stop(std::chrono::seconds(30));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !chain_off) {  // --audit-chain: not the question
    // Twice: in transactions of 1000 messages, the most SQLite makes of these rows, and of as
    // many messages as the most connections measured can have waiting at once, the largest
    // group the gateway's writer can form from closed-loop senders.
    const unsigned most = levels.rbegin()->first;
    const double best = median_of(levels.rbegin()->second.gateway, rate);
    const std::vector<FloorResult> floors = replay_store_rows(
        dir.path() / "data" / "kangqiao.db",
        {{dir.fresh_file("floor-1000"), 1000}, {dir.fresh_file("floor-group"), most}});
    for (const FloorResult& floor : floors) {
      std::printf("  storage floor, %4zu messages per transaction: %6.0f msg/s, %4.0f us CPU/msg "
                  "(raw SQLite writing the gateway's own rows: %zu messages, %.1f records each); "
                  "gateway at %u connections: %.2f of it\n",
                  floor.per_transaction, floor.rate(),
                  floor.cpu_us_per_message(), floor.messages,
                  floor.messages ? static_cast<double>(floor.records) / static_cast<double>(floor.messages) : 0,
                  most, floor.rate() > 0 ? best / floor.rate() : 0);
    }
  }
  if (o.keep) {
    std::filesystem::path kept = dir.path().string() + "-kept";
    std::filesystem::rename(dir.path(), kept);
    std::filesystem::create_directories(dir.path());
    std::printf("  kept %s\n", kept.c_str());
  }
  if (negatives > 0) {
    std::fprintf(stderr, "%zu negative ACKs: the benchmark's messages must all be accepted\n",
                 negatives);
    return 1;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "the gateway did not stop cleanly (status %d)\n", status);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) { return kq::bench::run(argc, argv); }
