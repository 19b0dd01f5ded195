// HL7 v2 parse benchmark: messages/s through Hl7Message::parse plus the path selections a
// mapping makes, against the simplest split of the same message, in the same run.
//
//   (a) baseline: one pass over the bytes finding segment and field boundaries, nothing else:
//       no separators from MSH-2, no escapes, no charset check, no allocation. What a
//       hand-written splitter costs, and an upper bound no real parser reaches.
//   (b) parse only: Hl7Message::parse (copy, UTF-8 validation, segment and field index,
//       header).
//   (c) parse + select: (b), then ~25 compiled paths selected from the document, as the mapping
//       engine does for an ADT^A01 (identifiers, names, address, visit, results).
// All single-threaded, timed in thread CPU time (see measure()). Runs alternate (a, b, c, a, b,
// c, ...) so they see the same machine noise; medians are reported, with the ratio (c)/(a).
// Usage: kq_bench_hl7v2_parse [--seconds S] [--runs N] [--message FILE]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/formats/hl7v2_format.hpp"

namespace kq::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The ADT^A01 of tests/fixtures/hl7v2/adt_a01.hl7 (1016 bytes), inlined so that the benchmark
// runs from any directory.
constexpr std::string_view kAdtA01 =
    "MSH|^~\\&|HIS|BJHD001^1.2.156.112604.1.2.1^ISO|KANGQIAO|BJ-HEALTH|20240912103015+0800||"
    "ADT^A01^ADT_A01|HIS20240912000001|P|2.4|||AL|NE||UNICODE UTF-8\r"
    "EVN|A01|20240912103000|||LIUXG^刘晓光\r"
    "PID|1||00012345^^^BJHD001^MR~11010519491231002X^^^&2.16.156.10011.1.3&ISO^NNCHN||"
    "ZHANG SAN^张三||19491231|F|||中关村大街1号^^北京市^北京市^100080^CHN^H^^110108||"
    "^PRN^PH^^^^^^^^^13800138000|||M|||11010519491231002X|||^^汉族||||||1010^中国\r"
    "NK1|1|LI SI^李四|SPO^配偶||^PRN^PH^^^^^^^^^13900139000\r"
    "PV1|1|I|0201^12^03^BJHD001^^^^^心血管内科一病区|1|||LIUXG^刘晓光|||CAR|||||||LIUXG^刘晓光|"
    "职工医保|V20240912001|||||||||||||||||||||||||20240912103000\r"
    "PV2|||I20.0^不稳定型心绞痛^ICD10\r"
    "OBX|1|NM|8302-2^身高^LN||162.5|cm|||||F\r"
    "OBX|2|NM|29463-7^体重^LN||58.2|kg|||||F\r"
    "AL1|1|DA|^青霉素|SV\r"
    "DG1|1||I20.0^不稳定型心绞痛^ICD10|||A\r"
    "IN1|1|310^职工基本医疗保险|110000^^^^NII|北京市医疗保障局||||||||||||ZHANG "
    "SAN^张三|SEL^本人|||||"
    "||||||||||||||110105194912310020\r";

// What an ADT mapping reads: message identity, person, identifiers, address, visit, results.
constexpr std::string_view kPaths[] = {
    "MSH-10",     "MSH-9.1",    "MSH-9.2",    "MSH-4.1",  "EVN-2",    "PID-3[*].1", "PID-3[*].5",
    "PID-5.1",    "PID-5.2",    "PID-7",      "PID-8",    "PID-11.1", "PID-11.3",   "PID-11.9",
    "PID-13.12",  "PID-19",     "PID-22.3",   "PV1-2",    "PV1-3.1",  "PV1-3.9",    "PV1-19",
    "PV1-44",     "OBX[*]-3.1", "OBX[*]-5",   "OBX[*]-6",
};

volatile std::size_t g_sink = 0;  // keeps every loop's result observable

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "kq_bench_hl7v2_parse: %s\n", why.c_str());
  std::exit(2);
}

// (a): every segment and field boundary, summed into a checksum.
std::size_t split_baseline(std::string_view message) {
  const char field = message[3];
  std::size_t checksum = 0, start = 0;
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (c == field || c == '\r' || c == '\n') {
      checksum += (i - start) + (c == field ? 0 : 1);  // field length; a segment end counts
      start = i + 1;
    }
  }
  return checksum;
}

std::size_t parse_only(std::string_view message, const formats::ParseOptions& options) {
  formats::ParseError error;
  const auto document = formats::Hl7Message::parse(message, options, error);
  if (document == nullptr) die("parse failed: " + error.location + ": " + error.message);
  return document->segment_count();
}

std::size_t parse_and_select(std::string_view message, const formats::ParseOptions& options,
                             const std::vector<std::unique_ptr<formats::Path>>& paths) {
  formats::ParseError error;
  const auto document = formats::hl7v2_format().parse(message, options, error);
  if (document == nullptr) die("parse failed: " + error.location + ": " + error.message);
  std::size_t checksum = 0;
  for (const auto& path : paths) {
    for (const formats::Match& match : path->select(*document, nullptr)) {
      checksum += match.text.size() + match.location.size();
    }
  }
  return checksum;
}

// CPU time of this thread. The loops are single-threaded and CPU-bound, so rates per CPU second
// stay put while other processes take the core away; wall-clock rates are printed beside them.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Rate {
  double per_cpu_second = 0;
  double per_wall_second = 0;
};

// Messages per second of `work` for about `seconds` of CPU time, timing batches so that clock
// reads stay rare.
template <typename Work>
Rate measure(double seconds, Work&& work) {
  constexpr std::size_t kBatch = 256;
  std::size_t messages = 0, sink = 0;
  const auto wall_start = Clock::now();
  const double cpu_start = thread_cpu_seconds();
  double cpu = 0;
  do {
    for (std::size_t i = 0; i < kBatch; ++i) sink += work();
    messages += kBatch;
    cpu = thread_cpu_seconds() - cpu_start;
  } while (cpu < seconds);
  const double wall = std::chrono::duration<double>(Clock::now() - wall_start).count();
  g_sink = g_sink + sink;
  return {static_cast<double>(messages) / cpu, static_cast<double>(messages) / wall};
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

int run(int argc, char** argv) {
  double seconds = 1.5;
  std::size_t runs = 5;
  std::string message(kAdtA01);
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) die("missing value after " + std::string(arg));
    if (arg == "--seconds") {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--runs") {
      runs = static_cast<std::size_t>(std::atol(argv[++i]));
    } else if (arg == "--message") {
      message = read_file(argv[++i]);
    } else {
      die("unknown option " + std::string(arg) + " (--seconds S, --runs N, --message FILE)");
    }
  }
  if (seconds <= 0 || runs == 0) die("--seconds and --runs must be positive");

  std::vector<std::unique_ptr<formats::Path>> paths;
  for (std::string_view text : kPaths) {
    std::string error;
    paths.push_back(formats::hl7v2_format().compile_path(text, error));
    if (paths.back() == nullptr) die("bad path " + std::string(text) + ": " + error);
  }
  const formats::ParseOptions options;
  std::size_t matches = 0;
  {
    formats::ParseError error;
    const auto document = formats::hl7v2_format().parse(message, options, error);
    if (document == nullptr) die("parse failed: " + error.location + ": " + error.message);
    for (const auto& path : paths) matches += path->select(*document, nullptr).size();
  }
  std::printf("message: %zu bytes; %zu paths selecting %zu values; %zu runs of %.1f s each\n",
              message.size(), paths.size(), matches, runs, seconds);

  std::vector<double> base, parsed, selected, base_wall, selected_wall;
  for (std::size_t r = 1; r <= runs; ++r) {
    const Rate b = measure(seconds, [&] { return split_baseline(message); });
    const Rate p = measure(seconds, [&] { return parse_only(message, options); });
    const Rate s = measure(seconds, [&] { return parse_and_select(message, options, paths); });
    base.push_back(b.per_cpu_second);
    parsed.push_back(p.per_cpu_second);
    selected.push_back(s.per_cpu_second);
    base_wall.push_back(b.per_wall_second);
    selected_wall.push_back(s.per_wall_second);
    std::printf(
        "run %zu: baseline %8.0f msgs/s | parse %8.0f msgs/s | parse+select %8.0f msgs/s"
        " | ratio %.2f   (wall clock: %.0f, %.0f)\n",
        r, b.per_cpu_second, p.per_cpu_second, s.per_cpu_second,
        s.per_cpu_second / b.per_cpu_second, b.per_wall_second, s.per_wall_second);
  }
  const double b = median(base), p = median(parsed), s = median(selected);
  std::printf("median of %zu runs, messages per CPU second (one thread):\n", runs);
  std::printf("  (a) baseline split (segments, fields):  %9.0f msgs/s  (%.2f us/msg)\n", b,
              1e6 / b);
  std::printf("  (b) parse:                              %9.0f msgs/s  (%.2f us/msg)\n", p,
              1e6 / p);
  std::printf("  (c) parse + select %zu paths:            %9.0f msgs/s  (%.2f us/msg)\n",
              paths.size(), s, 1e6 / s);
  std::printf("  ratio (c)/(a):                          %9.2f   (target >= 0.30)\n", s / b);
  std::printf("  (c) >= 300000 msgs/s:                   %9s\n", s >= 300000 ? "met" : "NOT met");
  std::printf("  wall clock, for reference: (a) %.0f msgs/s, (c) %.0f msgs/s\n", median(base_wall),
              median(selected_wall));
  return 0;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) { return kq::bench::run(argc, argv); }
