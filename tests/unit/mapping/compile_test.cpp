// The compiler's errors: every problem of a mapping, with line:col and a way to fix it.
#include "gateway/mapping/test_runner/coverage.hpp"
#include "tests/unit/mapping/mapping_test_support.hpp"

namespace kq::mapping::testing {
namespace {

std::string header(const std::string& records) {
  return "mapping: t\nversion: \"1\"\nsource: {format: toy}\nrecords:\n" + records;
}

TEST_F(MappingTest, ReportsEveryErrorWithLocationAndSuggestion) {
  const auto errors = compile_errors(header(R"(  patient:
    kind: persn
    fields:
      name.txt: {from: PAT.1}
  visit:
    kind: encounter
    felds: {}
  obs:
    kind: observation
    fields:
      code: {from: X.1, then: [trimm]}
      status: {from: "bad path"}
)"));
  EXPECT_TRUE(any_contains(errors, "6:11: records.patient: unknown record kind 'persn'; did you mean 'person'?"));
  EXPECT_TRUE(any_contains(errors, "11:5: records.visit: unknown key 'felds'; did you mean 'fields'?"));
  EXPECT_TRUE(any_contains(errors, "15:32: unknown step 'trimm'; did you mean 'trim'?"));
  EXPECT_TRUE(any_contains(errors, "16:22: bad path: 'bad path' is not a toy path (name or name.N)"));

}

TEST_F(MappingTest, UnknownTargetFieldSuggestsTheModelsField) {
  const auto errors = compile_errors(header(R"(  patient:
    kind: person
    fields:
      name.txt: {from: PAT.1}
      birthdate: {from: PAT.2}
)"));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].substr(0, 56), "8:7: patient: unknown field 'txt'; did you mean 'text'? ");
  EXPECT_TRUE(any_contains(errors, "9:7: patient: unknown field 'birthdate'; did you mean 'birth_date'?"));
}

TEST_F(MappingTest, RefusesTypeMismatches) {
  const auto errors = compile_errors(header(R"(  patient:
    kind: person
    fields:
      sex: {from: PAT.1, then: [date]}
      birth_date: {from: PAT.2, then: [number]}
      name: {from: PAT.3}
      identifiers: {fields: {value: {from: PAT.4}}}
      deceased: maybe
)"));
  EXPECT_TRUE(any_contains(errors, "8:12: patient.sex is a code; a date cannot go there (after 'date')"));
  EXPECT_TRUE(any_contains(errors, "9:19: patient.birth_date is a date; a number cannot go there (after 'number')"));
  EXPECT_TRUE(any_contains(errors, "10:13: patient.name is HumanName: give {fields: {family: …}}"));
  EXPECT_TRUE(any_contains(errors, "11:7: patient: identifiers is a list: write identifiers[]"));
  EXPECT_TRUE(any_contains(errors, "12:17: patient.deceased: 'maybe' is not a yes/no value"));
}

TEST_F(MappingTest, StepsMustFitTheValue) {
  const auto errors = compile_errors(header(R"(  o:
    kind: observation
    fields:
      effective_time: {from: A.1, then: [number, trim]}
      original_text: {from: A.2, then: [{convert: {from: cm, to: kg}}]}
      method: {from: A.3, then: [{date: yyyyMMxx}]}
      category: {from: A.4, then: [{lookup: nosuch}]}
      reference_range: {from: A.5, then: [{split: ","}]}
)"));
  EXPECT_TRUE(any_contains(errors, "'trim': needs text, but the value is a number at this point of the chain"));
  EXPECT_TRUE(any_contains(errors, "'convert': needs number, but the value is a text"));
  EXPECT_TRUE(any_contains(errors, "'xx' in date pattern 'yyyyMMxx' is not a field"));
  EXPECT_TRUE(any_contains(errors, "11:45: 'lookup': unknown value set 'nosuch'; expected one of sex (looked in "));
  EXPECT_TRUE(any_contains(errors, "o.reference_range: gives several values here (after 'split')"));
}

TEST_F(MappingTest, UnknownUnitAndIncompatibleUnits) {
  const auto errors = compile_errors(header(R"(  o:
    kind: observation
    fields:
      value:
        fields:
          type: quantity
          value: {from: A.1, then: [number, {convert: {from: cm, to: kg}}]}
          unit: kg
      original_text: {from: A.2, then: [number, {convert: {from: inch, to: cm}}, join]}
)"));
  EXPECT_TRUE(any_contains(errors, "cannot convert length (cm) to mass (kg)"));
  EXPECT_TRUE(any_contains(errors, "'convert': unknown unit 'inch'"));
}

TEST_F(MappingTest, ReferencesMustPointBackwards) {
  const auto errors = compile_errors(header(R"(  visit:
    kind: encounter
    fields:
      person_id: $patient
      encounter_class: {from: V.1}
  patient:
    kind: person
    key: {from: P.1}
    fields:
      name.text: {from: P.1}
      sex: $nobody
)"));
  EXPECT_TRUE(any_contains(errors, "8:18: $patient: record 'patient' is made after this point"));
  EXPECT_TRUE(any_contains(errors, "12:10: records.patient: a person has no key"));
  EXPECT_TRUE(any_contains(errors, "15:12: unknown name 'nobody'"));
}

TEST_F(MappingTest, IdIsNotMappedAndDuplicatesAreRefused) {
  const auto errors = compile_errors(header(R"(  patient:
    kind: person
    fields:
      id: {from: P.1}
      name.text: {from: P.2}
      name: {fields: {pinyin: {from: P.3}}}
  patient:
    kind: person
    fields: {sex: "1"}
)"));
  EXPECT_TRUE(any_contains(errors, "8:7: patient: the record id is not mapped"));
  EXPECT_TRUE(any_contains(errors, "10:7: patient: name is mapped twice"));
  EXPECT_TRUE(any_contains(errors, "11:3: records: duplicate key 'patient'"));
}

TEST_F(MappingTest, SourceBlockIsChecked) {
  const auto errors = compile_errors(R"(mapping: t
version: "1"
source:
  format: toy
  sheet: 学生
  charset: latin1
  match: {MSG.1: ADT, $x: 1}
records:
  p: {kind: person, fields: {name.text: {from: A}}}
)");
  EXPECT_TRUE(any_contains(errors, "5:10: source: 'sheet' applies to format xlsx only"));
  EXPECT_TRUE(any_contains(errors, "6:12: source: unknown charset 'latin1'"));
  EXPECT_TRUE(any_contains(errors, "7:23: $x: source.match sees only the document"));
}

TEST_F(MappingTest, UnknownFormatAndMissingKeys) {
  const auto errors = compile_errors("mapping: t\nsource: {format: hl7}\n");
  EXPECT_TRUE(any_contains(errors, "1:1: 'version' is required"));
  EXPECT_TRUE(any_contains(errors, "2:18: source: unknown format 'hl7'; expected one of hl7v2, xml, json, csv, xlsx, fixed"));
}

TEST_F(MappingTest, YamlSyntaxErrorHasItsPosition) {
  const auto errors = compile_errors("mapping: t\nversion: [1\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(any_contains(errors, "invalid YAML")) << errors[0];
}

TEST_F(MappingTest, IdentifierSystemNamesResolveOrSuggest) {
  const auto errors = compile_errors(header(R"(  p:
    kind: person
    fields:
      identifiers[]:
        - fields: {system: cn-resident-idd, value: {from: A.1}}
        - fields: {system: "citizen-card:hangzhou", value: {from: A.2}}
)"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(any_contains(errors, "unknown identifier system 'cn-resident-idd'; did you mean 'cn-resident-id'?"));
}

TEST_F(MappingTest, IncludesFragmentsAndDetectsCycles) {
  dir_.write("fragments/patient.yaml", R"(
let:
  org: {from: MSG.3}
records:
  patient:
    kind: person
    fields:
      name.text: {from: PAT.1}
)");
  auto mapping = compile(R"(mapping: t
version: "1"
source: {format: toy}
include: [fragments/patient.yaml]
records:
  visit:
    kind: encounter
    fields:
      person_id: $patient
      org_id: $org
      encounter_class: {from: V.1}
)");
  const MapResult result = map(*mapping, "MSG=ADT^A01^H1\nPAT=张三\nV=outpatient\n");
  ASSERT_TRUE(result.ok()) << errors_text(result);
  ASSERT_EQ(result.records.size(), 2u);
  EXPECT_EQ(body(result, 1).at("org_id").as_string(), "H1");

  dir_.write("fragments/a.yaml", "include: [b.yaml]\n");
  dir_.write("fragments/b.yaml", "include: [a.yaml]\n");
  const auto errors = compile_errors(header("  p: {kind: person, fields: {name.text: {from: A}}}\n") +
                                     "include: [fragments/a.yaml]\n");
  EXPECT_TRUE(any_contains(errors, "include cycle: test.yaml → a.yaml → b.yaml → a.yaml")) << errors.size();
}

// `extends:` takes a fragment's record rule and changes it: with the rule's own name in place
// (one record, fields added, replaced and removed), with another name as a second rule.
TEST_F(MappingTest, ARuleExtendsAFragmentsRule) {
  dir_.write("fragments/patient.yaml", R"(
records:
  patient:
    kind: person
    fields:
      name.text: {from: PAT.1}
      sex: {from: PAT.2}
      ethnicity: {from: PAT.3}
)");
  auto mapping = compile(R"(mapping: t
version: "1"
source: {format: toy}
include: [fragments/patient.yaml]
records:
  patient:
    extends: patient
    remove: [ethnicity]
    let:
      born: {from: PAT.4}
    fields:
      sex: {from: PAT.5}
      birth_date: {from: $born, then: [date]}
)");
  const MapResult result = map(*mapping, "PAT=张三^1^01^2010-05-06^2\n");
  ASSERT_TRUE(result.ok()) << errors_text(result);
  ASSERT_EQ(result.records.size(), 1u);
  const auto& person = body(result, 0);
  EXPECT_EQ(person.at("name").at("text").as_string(), "张三");
  EXPECT_EQ(person.at("sex").as_string(), "2");  // replaced
  EXPECT_EQ(person.at("birth_date").as_string(), "2010-05-06");  // added
  EXPECT_FALSE(person.contains("ethnicity"));  // removed

  auto twice = compile(R"(mapping: t
version: "1"
source: {format: toy}
include: [fragments/patient.yaml]
records:
  visit_patient:
    extends: patient
    fields:
      name.text: {from: PAT.1, then: [trim]}
)");
  const MapResult both = map(*twice, "PAT=李四^1^01\n");
  ASSERT_TRUE(both.ok()) << errors_text(both);
  EXPECT_EQ(both.records.size(), 2u);
}

TEST_F(MappingTest, ExtendingNamesWhatItChangesAndKeepsKindAndEach) {
  dir_.write("fragments/patient.yaml", "records:\n  patient: {kind: person, fields: {name.text: {from: PAT.1}}}\n");
  const auto errors = compile_errors(R"(mapping: t
version: "1"
source: {format: toy}
include: [fragments/patient.yaml]
records:
  patient:
    extends: patient
    kind: encounter
    each: PAT
    remove: [sex]
    fields:
      nmae.text: {from: PAT.1}
  other:
    extends: nobody
    fields: {name.text: {from: PAT.1}}
)");
  EXPECT_TRUE(any_contains(errors, "8:11: records.patient: an extending rule keeps the kind")) << errors.front();
  EXPECT_TRUE(any_contains(errors, "9:11: records.patient: an extending rule keeps the 'each' of the rule it extends"));
  EXPECT_TRUE(any_contains(errors, "remove: the rule it extends maps no field 'sex'"));
  EXPECT_TRUE(any_contains(errors, "12:7: patient: unknown field 'nmae'"));
  EXPECT_TRUE(any_contains(errors, "14:14: records.other: extends 'nobody', which no included fragment defines"));
}

// A key an extension gives replaces the base rule's, which is then not compiled at all: compiled,
// it would be a rule the coverage figures expect to run, and that never runs.
TEST_F(MappingTest, AnExtensionsKeyReplacesTheBasesKey) {
  dir_.write("fragments/visit.yaml", R"(records:
  visit:
    kind: encounter
    key: {from: PAT.3}
    fields: {encounter_class: {from: PAT.2}, source_visit_no: {from: PAT.1}}
)");
  auto mapping = compile(R"(mapping: t
version: "1"
source: {format: toy}
include: [fragments/visit.yaml]
records:
  visit:
    extends: visit
    key: {from: PAT.1}
)");
  Coverage coverage;
  ApplyOptions options;
  options.coverage = &coverage;
  const MapResult first = map(*mapping, "PAT=V1^outpatient^A\n", options);
  const MapResult second = map(*mapping, "PAT=V1^outpatient^B\n", options);
  ASSERT_TRUE(first.ok() && second.ok()) << errors_text(first) << errors_text(second);
  // The id comes from PAT.1, the extension's key: PAT.3, the base's, does not change it.
  EXPECT_EQ(first.records.at(0).envelope.id, second.records.at(0).envelope.id);
  for (const Coverage::Gap& gap : coverage.unused_rules(*mapping)) {
    ADD_FAILURE() << "never ran: " << gap.what << " at " << gap.where.str();
  }
}

// `.` is the current match of an each:; anywhere else it would never give a value.
TEST_F(MappingTest, CurrentMatchOutsideAnEachIsAnError) {
  const auto errors = compile_errors(R"(mapping: t
version: "1"
source: {format: toy}
let:
  whole: {from: .}
records:
  p:
    kind: person
    fields:
      name.text: {from: ., then: [trim]}
      identifiers[]:
        - each: ID
          fields: {system: hospital-mrn, value: {from: .2}, assigner: {from: .}}
)");
  ASSERT_EQ(errors.size(), 2u) << errors.front();
  EXPECT_EQ(errors[0], "5:17: '.' is the current match of an each:, and there is no each: around it here; give a path");
  EXPECT_TRUE(any_contains(errors, "10:25: '.' is the current match of an each:"));
}

// A field whose name is wrong still has its value checked: both slips are reported at once.
TEST_F(MappingTest, ValueOfAnUnknownFieldIsStillCompiled) {
  const auto errors = compile_errors(header(R"(  p:
    kind: person
    fields:
      name.txt: {from: PAT.1, then: [trimm]}
      birthdate: {from: PAT.2, then: [{date: yyyyMMdd}, $nothing]}
      nmae.text: {from: "bad path"}
)"));
  EXPECT_TRUE(any_contains(errors, "8:7: p: unknown field 'txt'; did you mean 'text'?"));
  EXPECT_TRUE(any_contains(errors, "8:38: unknown step 'trimm'; did you mean 'trim'?"));
  EXPECT_TRUE(any_contains(errors, "9:7: p: unknown field 'birthdate'; did you mean 'birth_date'?"));
  EXPECT_TRUE(any_contains(errors, "10:7: p: unknown field 'nmae'; did you mean 'name'?"));
  EXPECT_TRUE(any_contains(errors, "10:25: bad path: 'bad path' is not a toy path"));
}

// A code system given as an unknown registry name is refused wherever it is written: in a
// value set (here inline) as in a constant.
TEST_F(MappingTest, UnknownCodeSystemNamesAreRefusedInValueSets) {
  dir_.write("codes/dx.yaml", "system: icd-10-cm\ncodes: {A: J18.9}\n");
  const auto errors = compile_errors(header(R"(  d:
    kind: diagnosis
    fields:
      person_id: {value: p1}
      code: {from: A.1, then: [{lookup: dx}]}
      rank: 1
)"));
  EXPECT_TRUE(any_contains(errors, "1:9: system: unknown code system 'icd-10-cm'; did you mean 'icd-10-cn'? (or write a URI)"));
}

TEST_F(MappingTest, BrokenValueSetIsReportedInItsFile) {
  dir_.write("codes/bad.yaml", "unknown: sometimes\ncodes: {A: \"1\"}\n");
  const auto errors = compile_errors(header(R"(  p:
    kind: person
    fields:
      sex: {from: A.1, then: [{lookup: bad}]}
)"));
  EXPECT_TRUE(any_contains(errors, "1:10: unknown: unknown behaviour 'sometimes'"));
  EXPECT_EQ(errors.size(), 1u);  // reported once, in the value set's own file
}

}  // namespace
}  // namespace kq::mapping::testing
