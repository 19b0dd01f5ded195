#pragma once
// What the two single-threaded HL7 v2 benchmarks share: the benchmark message, the split-only
// baseline both compare against, and timing in thread CPU time, interleaved, with medians.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "bench_stats.hpp"

namespace kq::bench::hl7 {

using Clock = std::chrono::steady_clock;

// A 1016-byte ADT^A01 as a HIS sends it (tests/fixtures/hl7v2/adt_a01.hl7): MRN and national
// ID in PID-3, the name as pinyin^汉字, the ID number again in PID-19, an address, next of kin,
// the visit, and segments the mapping does not read (OBX, AL1, DG1, IN1). Inlined so that the
// benchmark runs from any directory. The ID number is the textbook example, not a person's.
inline constexpr std::string_view kAdtA01 =
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

inline volatile std::size_t g_sink = 0;  // keeps every loop's result observable

inline const char* g_program = "kq_bench";  // set by main() for messages

[[noreturn]] inline void die(const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", g_program, why.c_str());
  std::exit(2);
}

// (a): every segment and field boundary, summed into a checksum.
inline std::size_t split_baseline(std::string_view message) {
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

// CPU time of this thread. The loops are single-threaded and CPU-bound, so rates per CPU second
// stay put while other processes take the core away; wall-clock rates are printed beside them.
inline double thread_cpu_seconds() {
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
Rate measure(double seconds, Work&& work, std::size_t batch = 256) {
  std::size_t messages = 0, sink = 0;
  const auto wall_start = Clock::now();
  const double cpu_start = thread_cpu_seconds();
  double cpu = 0;
  do {
    for (std::size_t i = 0; i < batch; ++i) sink += work();
    messages += batch;
    cpu = thread_cpu_seconds() - cpu_start;
  } while (cpu < seconds);
  const double wall = std::chrono::duration<double>(Clock::now() - wall_start).count();
  g_sink = g_sink + sink;
  return {static_cast<double>(messages) / cpu, static_cast<double>(messages) / wall};
}

// One way of handling the message, measured against the others in the same runs.
struct Variant {
  const char* label;
  std::function<std::size_t()> work;  // handles one message; returns a checksum
};

struct Medians {
  std::vector<double> per_cpu_second;   // per variant
  std::vector<double> per_wall_second;  // per variant
};

// Measures every variant for `seconds` of CPU time per run, in turn (a, b, c, a, b, c, ...) so
// that all see the same machine noise; prints one line per run with the ratio of variant
// `ratio_of` to the first (the baseline), and returns the medians over the runs.
inline Medians measure_interleaved(const std::vector<Variant>& variants, std::size_t runs,
                                   double seconds, std::size_t ratio_of, std::size_t batch) {
  std::vector<std::vector<double>> cpu(variants.size()), wall(variants.size());
  for (std::size_t r = 1; r <= runs; ++r) {
    std::printf("run %zu:", r);
    for (std::size_t v = 0; v < variants.size(); ++v) {
      const Rate rate = measure(seconds, variants[v].work, batch);
      cpu[v].push_back(rate.per_cpu_second);
      wall[v].push_back(rate.per_wall_second);
      std::printf("%s %s %8.0f msgs/s", v == 0 ? "" : " |", variants[v].label, rate.per_cpu_second);
    }
    std::printf(" | ratio %.2f   (wall clock: %.0f, %.0f)\n", cpu[ratio_of].back() / cpu[0].back(),
                wall[0].back(), wall[ratio_of].back());
  }
  Medians m;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    m.per_cpu_second.push_back(median(cpu[v]));
    m.per_wall_second.push_back(median(wall[v]));
  }
  return m;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace kq::bench::hl7
