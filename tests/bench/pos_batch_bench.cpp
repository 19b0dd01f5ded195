// A card-reader POS batch end to end in the gateway's own pipeline: the card_reader plugin reads
// the envelope and checks its CRC, every 50-byte record is mapped (mappings/card_reader/) and
// validated on its own, persons are resolved by card number, everything is committed in one
// transaction, and the receipt is written — against the floor of raw SQLite inserting exactly the
// rows the gateway wrote, in the same run (store_floor.hpp). Target (issue 13): 30,000 records in
// under a second. No network: the upload's TLS and HTTP are the listeners' and measured elsewhere.
//
// Usage: kq_bench_pos_batch [--records N] [--runs N] [--no-lineage] [--no-derived] [--history]
// --no-lineage: mappings.lineage off (no source place per field in the provenance records).
// --no-derived: without the school-health rules (derived values and alerts, docs/derived-values.md).
// --history: the store already holds the same children's screening of the term before (not
//   measured), so every record's person is found and its previous screening compared; the floor
//   then replays both batches' rows.
#include <chrono>
#include <cstdio>
#include <future>
#include <string>

#include <boost/asio/thread_pool.hpp>
#include <boost/json/parse.hpp>

#include "adapters/card_reader/batch_envelope.hpp"
#include "bench_support.hpp"
#include "gateway/config/schema.hpp"
#include "gateway/log/log.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/pipeline/pipeline.hpp"
#include "gateway/plugin_host/config_fields.hpp"
#include "store_floor.hpp"

namespace kq::bench {
namespace {

// The n-th child's national student number: G and a resident ID (GB 11643) of a child born in
// Xicheng in 2012 on day n / 1000 of the year (up to 365,000 children), with its check character.
std::string student_number(std::size_t n) {
  const int day = static_cast<int>(n / 1000) % 365;
  static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int month = 0;
  int rest = day;
  while (rest >= kMonthDays[month]) rest -= kMonthDays[month++];
  char body[40];
  std::snprintf(body, sizeof body, "1101052012%02d%02d%03zu", month + 1, rest + 1, n % 1000);
  static constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string("G") + body + "10X98765432"[sum % 11];
}

// n-th child's record: card number, student number, date, height, weight, acuity, no glasses.
// `earlier`: the term before, six months earlier and two lines better (an acuity-drop alert
// for every child whose acuity allows it).
std::string pos_record(std::size_t n, bool earlier = false) {
  char text[64];
  std::snprintf(text, sizeof text, "%010zu%s%s%04zu%04zu%02zu%02zu0", 1000000 + n, student_number(n).c_str(),
                earlier ? "20240310" : "20240910", 1300 + n % 300, 300 + n % 200, 40 + n % 11 + (earlier ? 2 : 0),
                40 + (n / 11) % 11 + (earlier ? 2 : 0));
  return text;
}

std::string pos_batch(std::size_t records, bool earlier = false) {
  std::string body;
  body.reserve(records * 52);
  for (std::size_t i = 1; i <= records; ++i) body += pos_record(i, earlier) + "\r\n";
  const std::uint32_t crc = card_reader::crc32(body);
  char header[96];
  std::snprintf(header, sizeof header, "POS1|T-BENCH|OP-1|%d|%zu|%08lx\r\n", earlier ? 1 : 2, records,
                static_cast<unsigned long>(crc));
  return header + body;
}

std::shared_ptr<const plugin_host::AdapterInstance> card_reader_adapter() {
  auto loaded = plugin_host::load_plugin_library(std::string(KQ_PLUGIN_DIR) + "/card_reader.so", plugin_host::host_api());
  if (auto* e = std::get_if<plugin_host::LoadError>(&loaded)) die(e->message);
  auto lib = std::get<std::shared_ptr<const plugin_host::PluginLibrary>>(loaded);
  std::vector<config::ConfigError> errors;
  auto block = config::validate_block(YAML::Load("{}"), plugin_host::to_config_fields(lib->fields()),
                                      config::SourceLocation{"bench.yaml", 1, 1}, "bench.yaml", errors);
  if (!errors.empty()) die(errors.front().str());
  plugin_host::AdapterSettings settings;
  settings.mappings = {"card_reader/"};
  return plugin_host::AdapterInstance::create("card-reader", lib, block, std::move(settings));
}

struct BatchRun {
  double seconds = 0;
  double cpu_seconds = 0;
  std::size_t accepted = 0;
};

struct Setup {
  std::shared_ptr<const plugin_host::AdapterInstance> adapter;
  std::shared_ptr<const mapping::MappingSet> mappings;
  std::shared_ptr<const derived::SchoolHealthRules> rules;  // nullptr: --no-derived
  bool lineage = true;
};

BatchRun ingest_once(const std::filesystem::path& db, const std::string& batch, const Setup& setup) {
  store::SqliteOptions options;
  options.path = db;
  auto store = store::make_sqlite_store(options);
  boost::asio::thread_pool pool(2);
  metrics::Registry metrics;
  BatchRun run;
  {
    const auto mappings = setup.mappings;
    pipeline::Pipeline pipeline(*store, pool, metrics, [mappings] { return mappings; }, setup.lineage);
    pipeline.set_school_health_rules([rules = setup.rules] { return rules; });
    const auto& adapter = setup.adapter;
    plugin_host::Inbound in;
    in.adapter = "card-reader";
    in.channel = "/v1/card-reader/batches";
    in.method = "POST";
    in.content_type = "application/octet-stream";
    in.organisation = "12110000MB0000001X";
    in.principal = "exam-clinic";
    in.payload = batch;
    in.received_at_ms = 1733500000000;
    std::promise<plugin_host::AckReply> reply;
    const double cpu0 = process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    pipeline.ingest(adapter, std::move(in), [&reply](plugin_host::AckReply r) { reply.set_value(std::move(r)); });
    const plugin_host::AckReply got = reply.get_future().get();
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    run.cpu_seconds = process_cpu_seconds() - cpu0;
    const boost::json::value receipt = boost::json::parse(got.body);
    run.accepted = static_cast<std::size_t>(receipt.at("accepted").as_int64());
  }
  pool.join();
  store->shutdown();
  return run;
}

int run(int argc, char** argv) {
  log::set_level(log::Level::warn);
  std::size_t records = 30000;
  std::size_t runs = 5;
  bool lineage = true;
  bool derived = true;
  bool history = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--no-lineage" || arg == "--no-derived" || arg == "--history") {
      lineage = lineage && arg != "--no-lineage";
      derived = derived && arg != "--no-derived";
      history = history || arg == "--history";
      continue;
    }
    if (i + 1 >= argc) die("missing value after " + std::string(arg));
    if (arg == "--records") {
      records = static_cast<std::size_t>(std::atol(argv[++i]));
    } else if (arg == "--runs") {
      runs = static_cast<std::size_t>(std::atol(argv[++i]));
    } else {
      die("unknown option " + std::string(arg) + " (--records N, --runs N, --no-lineage, --no-derived, --history)");
    }
  }
  if (records == 0 || runs == 0) die("--records and --runs must be positive");
  const auto mappings = mapping::load_mapping_dir(std::filesystem::path(KQ_SOURCE_DIR) / "mappings");
  if (!mappings) die("the shipped mappings do not load");
  Setup setup{card_reader_adapter(), mappings, nullptr, lineage};
  if (derived) {
    std::vector<config::ConfigError> errors;
    setup.rules = derived::school_health_rules_of(std::filesystem::path(KQ_SOURCE_DIR) / "mappings", errors);
    if (!setup.rules) die("the shipped school-health rules do not load");
  }
  const std::string batch = pos_batch(records);
  const std::string earlier = history ? pos_batch(records, true) : std::string();
  TempDir dir({});
  std::vector<double> gateway_s, floor_s, ratios;
  std::printf("POS batch of %zu records (%zu bytes, field lineage %s, derived values %s%s): card_reader + mapping + "
              "one commit + receipt, vs raw SQLite inserting the same rows\n", records, batch.size(),
              lineage ? "on" : "off", derived ? "on" : "off", history ? ", the term before in the store" : "");
  for (std::size_t r = 1; r <= runs; ++r) {
    const std::filesystem::path db = dir.fresh_file("gateway");
    if (history) (void)ingest_once(db, earlier, setup);
    const BatchRun b = ingest_once(db, batch, setup);
    if (b.accepted != records) die("the receipt accepted " + std::to_string(b.accepted) + " records");
    const FloorResult floor = replay_store_rows(db, {FloorRun{dir.fresh_file("floor"), 1000}}).front();
    gateway_s.push_back(b.seconds);
    floor_s.push_back(floor.seconds);
    ratios.push_back(floor.seconds / b.seconds);
    std::printf("run %zu: gateway %.3f s (%.0f records/s, cpu %.3f s) | raw SQLite %.3f s for its %zu rows | "
                "floor/gateway %.2f\n",
                r, b.seconds, static_cast<double>(records) / b.seconds, b.cpu_seconds, floor.seconds,
                floor.records, floor.seconds / b.seconds);
  }
  std::printf("median: gateway %.3f s (%.0f records/s), raw SQLite %.3f s, floor/gateway %.2f\n", median(gateway_s),
              static_cast<double>(records) / median(gateway_s), median(floor_s), median(ratios));
  return 0;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) { return kq::bench::run(argc, argv); }
