#pragma once
// Mapping tests: `foo.test.yaml` beside `foo.yaml`, run by `kangqiao test-mappings`.
//
//   mapping: adt_a01.yaml        # optional: the mapping beside this file with the same stem
//   today: 2024-06-01            # optional: "today" for not_future and validation
//   received_at: 2024-06-01T08:30:00+08:00   # optional: $received_at
//   sender_org: org-h001         # optional: $sender_org
//   variables: {name_order: xpn} # optional: the mapping variables a channel sets (also per test)
//   tests:
//     - name: A01 with an ID number and an MRN
//       input: |                 # the payload; or input_file: path relative to this file
//         MSH|^~\&|HIS|H001|…
//       charset: GB18030         # optional parse charset override
//       expect:
//         records:               # the canonical records, in order, compared structurally
//           - kind: person
//             id: $patient       # a $name binds to whatever the record holds, and must hold
//             name: {text: 张三}  # the same value wherever the same $name appears again
//             cleared: [addresses]  # the fields the sender nulled (HL7 ""), when there are any
//         errors:                # or/and: every error, each matched by the given parts
//           - {target: identifiers[0].value, location: PID-19, message: check digit}
//         matches: false         # or: source.match must not hold for this input
//
// A record's own `id` may be left out of an expectation (generated ids); every other key of the
// actual record must be expected. The run prints PASS/FAIL per test with a structural diff for
// failures, then coverage: the field rules and value-set codes that no test exercised.
#include <filesystem>
#include <iosfwd>

#include "gateway/mapping/mapping.hpp"

namespace kq::mapping {

struct TestRunOptions {
  FormatLookup formats;   // required
  bool coverage = true;   // print the rules and codes no test used
  bool require_tests = false;  // a mapping without a test file fails the run
  // Fail the run when the rules or the value-set codes the tests exercised, over all mappings,
  // are below this percentage (0: no minimum). Collects coverage even without `coverage`.
  double min_coverage = 0;
};

struct TestSummary {
  int files = 0;   // test files run
  int tests = 0;
  int passed = 0;
  int failed = 0;
  int broken = 0;  // test files or mappings that could not be read or compiled
  int untested = 0;  // mappings without a test file: compiled, reported, a failure only when required
  bool require_tests = false;
  // Coverage over every mapping the tests ran and the value sets they use.
  int rules_exercised = 0, rules_total = 0;
  int codes_exercised = 0, codes_total = 0;
  bool below_min_coverage = false;
  int exit_code() const {
    return failed + broken > 0 || (require_tests && untested > 0) || below_min_coverage ? 1 : 0;
  }
};

// Runs every *.test.yaml under `path` (a mapping folder), or the one test file `path` names.
TestSummary run_mapping_tests(const std::filesystem::path& path, std::ostream& out, const TestRunOptions& options);
// With the formats built into the gateway.
TestSummary run_mapping_tests(const std::filesystem::path& path, std::ostream& out);

}  // namespace kq::mapping
