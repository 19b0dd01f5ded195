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

#include "hl7v2_bench_common.hpp"
#include "gateway/formats/hl7v2/format.hpp"

namespace kq::bench {
namespace {

using namespace hl7;

// What an ADT mapping reads: message identity, person, identifiers, address, visit, results.
constexpr std::string_view kPaths[] = {
    "MSH-10",     "MSH-9.1",    "MSH-9.2",    "MSH-4.1",  "EVN-2",    "PID-3[*].1", "PID-3[*].5",
    "PID-5.1",    "PID-5.2",    "PID-7",      "PID-8",    "PID-11.1", "PID-11.3",   "PID-11.9",
    "PID-13.12",  "PID-19",     "PID-22.3",   "PV1-2",    "PV1-3.1",  "PV1-3.9",    "PV1-19",
    "PV1-44",     "OBX[*]-3.1", "OBX[*]-5",   "OBX[*]-6",
};

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

int run(int argc, char** argv) {
  g_program = "kq_bench_hl7v2_parse";
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

  const Medians medians = measure_interleaved(
      {{"baseline", [&] { return split_baseline(message); }},
       {"parse", [&] { return parse_only(message, options); }},
       {"parse+select", [&] { return parse_and_select(message, options, paths); }}},
      runs, seconds, /*ratio_of=*/2, /*batch=*/256);
  const double b = medians.per_cpu_second[0], p = medians.per_cpu_second[1],
               s = medians.per_cpu_second[2];
  std::printf("median of %zu runs, messages per CPU second (one thread):\n", runs);
  std::printf("  (a) baseline split (segments, fields):  %9.0f msgs/s  (%.2f us/msg)\n", b,
              1e6 / b);
  std::printf("  (b) parse:                              %9.0f msgs/s  (%.2f us/msg)\n", p,
              1e6 / p);
  std::printf("  (c) parse + select %zu paths:            %9.0f msgs/s  (%.2f us/msg)\n",
              paths.size(), s, 1e6 / s);
  std::printf("  ratio (c)/(a):                          %9.2f   (target >= 0.30)\n", s / b);
  std::printf("  (c) >= 300000 msgs/s:                   %9s\n", s >= 300000 ? "met" : "NOT met");
  std::printf("  wall clock, for reference: (a) %.0f msgs/s, (c) %.0f msgs/s\n",
              medians.per_wall_second[0], medians.per_wall_second[2]);
  return 0;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) { return kq::bench::run(argc, argv); }
