// The mapping test runner and mapping folders, on the toy format.
#include <sstream>

#include "gateway/mapping/mapping_set.hpp"
#include "gateway/mapping/test_runner/mapping_tests.hpp"
#include "tests/unit/mapping/mapping_test_support.hpp"

namespace kq::mapping::testing {
namespace {

const char* kMapping = R"(mapping: toy-person
version: "1"
source:
  format: toy
  match: {MSG.1: ADT}
records:
  patient:
    kind: person
    fields:
      name.text: {from: PAT.1}
      name.pinyin: {from: PAT.2}
      sex: {from: PAT.3, then: [{lookup: sex}]}
  visit:
    kind: encounter
    fields:
      person_id: $patient
      encounter_class: {from: V.1}
)";

class RunnerTest : public MappingTest {
 protected:
  TestSummary run(const std::filesystem::path& path, std::string& output, bool require_tests = false,
                  double min_coverage = 0) {
    std::ostringstream out;
    TestRunOptions options;
    options.formats = toy_lookup();
    options.require_tests = require_tests;
    options.min_coverage = min_coverage;
    const TestSummary summary = run_mapping_tests(path, out, options);
    output = out.str();
    return summary;
  }
};

TEST_F(RunnerTest, PassingTestsAndCoverage) {
  dir_.write("toy/person.yaml", kMapping);
  dir_.write("toy/person.test.yaml", R"(today: 2024-06-01
tests:
  - name: person and visit
    input: |
      MSG=ADT
      PAT=张三^^M
      V=outpatient
    expect:
      records:
        - kind: person
          id: $p
          name: {text: 张三}
          sex: "1"
        - kind: encounter
          person_id: $p
          encounter_class: outpatient
  - name: unknown sex code
    input: "MSG=ADT\nPAT=李四^^X\n"
    expect:
      errors:
        - {target: sex, location: line 2.3, message: not in value set sex}
  - name: other messages are not for this mapping
    input: "MSG=ORU\n"
    expect: {matches: false}
)");
  std::string output;
  const TestSummary summary = run(dir_.path(), output);
  EXPECT_EQ(summary.tests, 3);
  EXPECT_EQ(summary.passed, 3) << output;
  EXPECT_EQ(summary.exit_code(), 0);
  EXPECT_NE(output.find("PASS toy/person.test.yaml: person and visit\n"), std::string::npos) << output;
  // Coverage: the pinyin rule and most codes of the sex table were never used.
  EXPECT_NE(output.find("patient.name.pinyin (line 11)"), std::string::npos) << output;
  EXPECT_NE(output.find("value set sex: 1, 2, F, 男, 女\n"), std::string::npos) << output;
  EXPECT_NE(output.find("3 tests in 1 file: 3 passed, 0 failed"), std::string::npos) << output;
}

TEST_F(RunnerTest, FailuresShowAStructuralDiff) {
  dir_.write("toy/person.yaml", kMapping);
  dir_.write("toy/person.test.yaml", R"(tests:
  - name: wrong expectations
    input: "MSG=ADT\nPAT=张三^Zhang^F\nV=outpatient\n"
    expect:
      records:
        - kind: person
          id: $p
          name: {text: 张三}
          sex: "1"
        - kind: encounter
          person_id: $q
          encounter_class: outpatient
  - name: refs must agree
    input: "MSG=ADT\nPAT=张三\nV=outpatient\n"
    expect:
      records:
        - {kind: person, name: {text: 张三}}
        - {kind: encounter, person_id: $p, encounter_class: outpatient}
        - {kind: observation}
)");
  std::string output;
  const TestSummary summary = run(dir_.path(), output);
  EXPECT_EQ(summary.failed, 2) << output;
  EXPECT_EQ(summary.exit_code(), 1);
  EXPECT_NE(output.find("FAIL toy/person.test.yaml: wrong expectations (line 2)"), std::string::npos) << output;
  EXPECT_NE(output.find("records[0].name.pinyin: expected nothing, got \"Zhang\""), std::string::npos) << output;
  EXPECT_NE(output.find("records[0].sex: expected '1', got \"2\""), std::string::npos) << output;
  EXPECT_NE(output.find("records[1].person_id: expected $q (the same value as $p)"), std::string::npos) << output;
  EXPECT_NE(output.find("records[2]: expected {kind: observation}, got nothing"), std::string::npos) << output;
}

// A misspelt key in an expected error would make the entry match any error: it is refused, with
// its place in the test file.
TEST_F(RunnerTest, UnknownKeysOfAnExpectedErrorAreRefused) {
  dir_.write("toy/person.yaml", kMapping);
  dir_.write("toy/person.test.yaml", R"(tests:
  - name: unknown sex code
    input: "MSG=ADT\nPAT=李四^^X\n"
    expect:
      errors:
        - {target: sex, locaton: line 9.9}
        - {loc: line 9.9}
)");
  std::string output;
  const TestSummary summary = run(dir_.path(), output);
  EXPECT_EQ(summary.broken, 1) << output;
  EXPECT_EQ(summary.passed, 0) << output;
  EXPECT_NE(output.find("person.test.yaml:6:25: errors[0]: unknown key 'locaton'; did you mean 'location'?"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("person.test.yaml:7:12: errors[1]: unknown key 'loc'"), std::string::npos) << output;
}

// An expected error may name its kind, which is what the sender is told; a wrong kind fails the
// test, and a kind that does not exist is refused with the nearest one.
TEST_F(RunnerTest, ExpectedErrorsMayNameTheirKind) {
  dir_.write("toy/person.yaml", kMapping);
  dir_.write("toy/person.test.yaml", R"(tests:
  - name: the right kind
    input: "MSG=ADT\nPAT=李四^^X\n"
    expect:
      errors:
        - {target: sex, kind: code-unknown}
  - name: the wrong kind
    input: "MSG=ADT\nPAT=李四^^X\n"
    expect:
      errors:
        - {target: sex, kind: data-type}
)");
  std::string output;
  TestSummary summary = run(dir_.path(), output);
  EXPECT_EQ(summary.passed, 1) << output;
  EXPECT_EQ(summary.failed, 1) << output;
  EXPECT_NE(output.find("errors[0]: expected {target: sex, kind: data-type}, got no such error"), std::string::npos)
      << output;
  EXPECT_NE(output.find("errors: expected nothing more, got line 2.3: 'X' is not in value set sex"), std::string::npos)
      << output;
  EXPECT_NE(output.find("(patient.sex) [code-unknown]"), std::string::npos) << output;

  dir_.write("toy/person.test.yaml", R"(tests:
  - name: a misspelt kind
    input: "MSG=ADT\nPAT=李四^^X\n"
    expect:
      errors:
        - {target: sex, kind: code_unknown}
)");
  summary = run(dir_.path(), output);
  EXPECT_EQ(summary.broken, 1) << output;
  EXPECT_NE(output.find("person.test.yaml:6:31: errors[0]: unknown error kind 'code_unknown'; did you mean "
                        "'code-unknown'?"),
            std::string::npos)
      << output;
}

// A test file's `mapping:` with "../" is named without it, in coverage as everywhere.
TEST_F(RunnerTest, TestsSetVariablesAndTheVariablesAreChecked) {
  dir_.write("toy/person.yaml", R"(mapping: toy-person
version: "1"
source: {format: toy}
variables:
  order: {default: a, one_of: [a, b]}
records:
  patient:
    kind: person
    fields:
      name.text: [{when: {$order: a}, from: PAT.1}, {when: {$order: b}, from: PAT.2}]
)");
  dir_.write("toy/person.test.yaml", R"(variables: {order: b}
tests:
  - name: the file's variables
    input: "PAT=张三^李四\n"
    expect:
      records: [{kind: person, name: {text: 李四}}]
  - name: a test's own
    variables: {order: a}
    input: "PAT=张三^李四\n"
    expect:
      records: [{kind: person, name: {text: 张三}}]
  - name: a variable the mapping does not have
    variables: {ordre: a}
    input: "PAT=张三^李四\n"
    expect:
      records: [{kind: person, name: {text: 李四}}]
  - name: a value it does not take
    variables: {order: c}
    input: "PAT=张三^李四\n"
    expect:
      records: [{kind: person, name: {text: 张三}}]
)");
  std::string output;
  const TestSummary summary = run(dir_.path(), output);
  EXPECT_EQ(summary.passed, 2) << output;
  EXPECT_EQ(summary.failed, 2) << output;
  EXPECT_NE(output.find("    variables.ordre: expected a value the mapping takes, got not a variable of toy-person "
                        "(it has order)\n"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("    variables.order: expected a value the mapping takes, got 'c' is not one of a, b\n"),
            std::string::npos)
      << output;
}

TEST_F(RunnerTest, ClearedFieldsMustBeExpected) {
  // The toy format has no null; an HL7 mapping in the folder shows what a test of one says.
  dir_.write("hl7/person.yaml", R"(mapping: hl7-person
version: "1"
source: {format: hl7v2}
records:
  patient:
    kind: person
    fields:
      identifiers[]: {fields: {system: hospital-mrn, value: {from: PID-3.1}, assigner: H1}}
      sex: {from: PID-8}
)");
  dir_.write("hl7/person.test.yaml", R"(tests:
  - name: expected
    input: "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.4\rPID|1||M1|||||\"\"\r"
    expect:
      records: [{kind: person, identifiers: [{system: "urn:oid:2.16.156.10011.1.13", value: M1, assigner: H1}],
                 cleared: [sex]}]
  - name: not expected
    input: "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|2|P|2.4\rPID|1||M1|||||\"\"\r"
    expect:
      records: [{kind: person, identifiers: [{system: "urn:oid:2.16.156.10011.1.13", value: M1, assigner: H1}]}]
)");
  std::ostringstream out;
  TestRunOptions options;
  options.formats = builtin_formats();
  const TestSummary summary = run_mapping_tests(dir_.path() / "hl7", out, options);
  EXPECT_EQ(summary.passed, 1) << out.str();
  EXPECT_NE(out.str().find("    records[0].cleared: expected nothing, got [sex]\n"), std::string::npos) << out.str();
}

TEST_F(RunnerTest, MappingPathOfATestFileIsNormalised) {
  dir_.write("toy/person.yaml", kMapping);
  dir_.write("tests/person.test.yaml", R"(mapping: ../toy/person.yaml
tests:
  - name: other messages are not for this mapping
    input: "MSG=ORU\n"
    expect: {matches: false}
)");
  std::string output;
  const TestSummary summary = run(dir_.path() / "tests" / "person.test.yaml", output);
  EXPECT_EQ(summary.passed, 1) << output;
  EXPECT_EQ(output.find(".."), std::string::npos) << output;
  EXPECT_NE(output.find("toy/person.yaml\n    patient.name.text (line 10)"), std::string::npos) << output;
}

// Diffs show numbers as people write them, not in Boost.JSON's exponent form (1.385E2).
TEST_F(RunnerTest, DiffsShowPlainDecimals) {
  dir_.write("toy/obs.yaml", R"(mapping: toy-obs
version: "1"
source: {format: toy}
records:
  height:
    kind: observation
    fields:
      person_id: {value: p1}
      status: final
      code: {fields: {system: loinc, code: 8302-2}}
      value: {fields: {type: quantity, value: {from: H.1, then: [number, {round: 1}]}, unit: cm}}
)");
  dir_.write("toy/obs.test.yaml", R"(tests:
  - name: a wrong unit
    input: "H=138.5\nW=5\n"
    expect:
      records:
        - {kind: observation, person_id: p1, status: final, code: {system: "http://loinc.org", code: 8302-2},
           value: {type: quantity, value: 1385}}
)");
  std::string output;
  const TestSummary summary = run(dir_.path(), output);
  EXPECT_EQ(summary.failed, 1) << output;
  EXPECT_NE(output.find("records[0].value.value: expected '1385', got 138.5"), std::string::npos) << output;
  EXPECT_NE(output.find("records[0].value.unit: expected nothing, got \"cm\""), std::string::npos) << output;
}

TEST_F(RunnerTest, BrokenMappingsAndMissingTestsAreReported) {
  dir_.write("toy/person.yaml", kMapping);
  dir_.write("toy/other.yaml", "mapping: other\nversion: \"1\"\nsource: {format: toy}\nrecords:\n  p: {kind: persn}\n");
  dir_.write("toy/other.test.yaml", "tests:\n  - {name: x, input: \"A=1\", expect: {records: []}}\n");
  dir_.write("toy/fragments/part.yaml", "records: {}\n");
  std::string output;
  const TestSummary summary = run(dir_.path(), output);
  EXPECT_EQ(summary.broken, 1) << output;
  EXPECT_EQ(summary.untested, 1) << output;
  EXPECT_NE(output.find("BROKEN toy/other.test.yaml"), std::string::npos) << output;
  EXPECT_NE(output.find("other.yaml:5:13: records.p: unknown record kind 'persn'"), std::string::npos) << output;
  EXPECT_NE(output.find("NO TESTS toy/person.yaml"), std::string::npos) << output;
  EXPECT_EQ(output.find("part.yaml"), std::string::npos) << output;  // fragments are not mappings
}

TEST_F(RunnerTest, AMappingWithoutTestsIsCompiledAllTheSame) {
  dir_.write("toy/person.yaml", kMapping);
  // A misspelt top-level key, and no test file to find it.
  dir_.write("toy/typo.yaml", "mapping: typo\nversion: \"1\"\nsource: {format: toy}\nrecrods: {}\n");
  std::string output;
  const TestSummary summary = run(dir_.path(), output);
  EXPECT_EQ(summary.broken, 1) << output;
  EXPECT_EQ(summary.untested, 1) << output;
  EXPECT_EQ(summary.exit_code(), 1);
  EXPECT_NE(output.find("BROKEN toy/typo.yaml (no tests)"), std::string::npos) << output;
  EXPECT_NE(output.find("typo.yaml:4:1: "), std::string::npos) << output;
  EXPECT_NE(output.find("NO TESTS toy/person.yaml"), std::string::npos) << output;
}

TEST_F(RunnerTest, RequireTestsMakesAMappingWithoutTestsAFailure) {
  dir_.write("toy/person.yaml", kMapping);
  std::string output;
  EXPECT_EQ(run(dir_.path(), output).exit_code(), 0) << output;  // reported, not a failure
  const TestSummary required = run(dir_.path(), output, /*require_tests=*/true);
  EXPECT_EQ(required.untested, 1);
  EXPECT_EQ(required.exit_code(), 1);
  EXPECT_NE(output.find("1 mapping without tests (--require-tests)"), std::string::npos) << output;
}

TEST_F(RunnerTest, CoverageIsGivenAsFiguresAndCanBeAMinimum) {
  dir_.write("toy/person.yaml", kMapping);
  // A test that the mapping declines: it passes and exercises nothing.
  dir_.write("toy/person.test.yaml",
             "tests:\n  - name: not for this mapping\n    input: \"MSG=ORU\\n\"\n    expect: {matches: false}\n");
  std::string output;
  const TestSummary none = run(dir_.path(), output);
  EXPECT_EQ(none.rules_exercised, 0) << output;
  EXPECT_GT(none.rules_total, 0) << output;
  EXPECT_NE(output.find("toy/person.yaml: rules 0/" + std::to_string(none.rules_total) + " (0.0%)"), std::string::npos)
      << output;
  EXPECT_NE(output.find("all mappings: rules 0/"), std::string::npos) << output;
  EXPECT_EQ(none.exit_code(), 0);
  const TestSummary gated = run(dir_.path(), output, false, 50);
  EXPECT_TRUE(gated.below_min_coverage);
  EXPECT_EQ(gated.exit_code(), 1);
  EXPECT_NE(output.find("below --min-coverage 50.0%"), std::string::npos) << output;
}

TEST_F(RunnerTest, MappingFolderLoadsSelectsAndKeepsTheOldSetOnError) {
  dir_.write("toy/person.yaml", kMapping);
  dir_.write("toy/lab.yaml", "mapping: toy-lab\nversion: \"1\"\nsource: {format: toy, match: {MSG.1: ORU}}\n"
                             "records:\n  o: {kind: person, fields: {name.text: {from: PAT.1}}}\n");
  dir_.write("toy/person.test.yaml", "tests: []\n");
  const auto files = mapping_files(dir_.path());
  ASSERT_EQ(files.size(), 2u);  // not the test file, not codes/

  MappingRegistry registry;
  std::vector<config::ConfigError> errors;
  ASSERT_TRUE(registry.reload(dir_.path(), toy_lookup(), errors)) << errors.size();
  auto set = registry.current();
  ASSERT_EQ(set->mappings().size(), 2u);
  const auto results = set->map("toy", "MSG=ADT\nPAT=张三\n");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].mapping, "toy-person");
  EXPECT_TRUE(results[0].ok());
  const auto none = set->map("toy", "MSG=ACK\n");
  ASSERT_EQ(none.size(), 1u);
  ASSERT_EQ(none[0].errors.size(), 1u);
  EXPECT_EQ(none[0].errors[0].message,
            "no mapping applies (toy-lab: MSG.1 is 'ACK', expected ORU; toy-person: MSG.1 is 'ACK', expected ADT)");

  // A broken edit: the reload fails with the file's errors and the working set stays.
  dir_.write("toy/lab.yaml", "mapping: toy-lab\nversion: \"1\"\nsource: {format: toy}\nrecords: {o: {kind: x}}\n");
  errors.clear();
  EXPECT_FALSE(registry.reload(dir_.path(), toy_lookup(), errors));
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].str().find("lab.yaml:4:"), std::string::npos) << errors[0].str();
  EXPECT_EQ(registry.current(), set);
}

TEST_F(RunnerTest, DuplicateMappingNamesAreAnError) {
  dir_.write("a/one.yaml", kMapping);
  dir_.write("b/two.yaml", kMapping);
  std::vector<config::ConfigError> errors;
  EXPECT_EQ(load_mapping_dir(dir_.path(), toy_lookup(), errors), nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("mapping 'toy-person' is also defined in"), std::string::npos);
}

}  // namespace
}  // namespace kq::mapping::testing
