// Applying compiled mappings to toy documents: records, references, lists, alternatives,
// conditions, and errors in the sender's terms.
#include "tests/unit/mapping/mapping_test_support.hpp"

namespace kq::mapping::testing {
namespace {

namespace json = boost::json;

const char* kPatientMapping = R"(
mapping: toy-patient
version: 1.0.0
source:
  format: toy
  match:
    MSG.1: ADT
    MSG.2: [A01, A04]
let:
  hospital: {from: MSG.3}
records:
  patient:
    kind: person
    fields:
      identifiers[]:
        - each: ID
          when: {.1: RES}
          fields:
            system: cn-resident-id
            value: {from: .2, then: [resident_id]}
        - each: ID
          when: {.1: MRN}
          fields:
            system: hospital-mrn
            value: {from: .2}
            assigner: $hospital
      name.text: {from: PAT.1, then: [trim]}
      name.pinyin: {from: PAT.2}
      sex: {from: PAT.3, then: [{lookup: sex}]}
      birth_date: {from: PAT.4, then: [{date: yyyyMMdd}, not_future]}
    required: [identifiers, name.text]
  visit:
    kind: encounter
    key: {from: [$hospital, VISIT.1]}
    fields:
      person_id: $patient
      org_id: $hospital
      encounter_class: {from: VISIT.2, then: [{lookup: {codes: {I: inpatient, O: outpatient}}}]}
      period.start: {from: VISIT.3, then: [{datetime: yyyyMMddHHmm}]}
      dept: {from: [VISIT.4, VISIT.5]}
)";

const char* kGoodMessage =
    "MSG=ADT^A01^H001\n"
    "PAT= 张三 ^Zhang San^M^19491231\n"
    "ID=MRN^000123\n"
    "ID=RES^11010519491231002x\n"
    "VISIT=V9^I^202403050830^^内科\n";

TEST_F(MappingTest, MapsPersonAndEncounterWithReference) {
  auto mapping = compile(kPatientMapping);
  const MapResult result = map(*mapping, kGoodMessage);
  ASSERT_TRUE(result.ok()) << errors_text(result);
  ASSERT_EQ(result.records.size(), 2u);
  EXPECT_EQ(result.mapping, "toy-patient");
  EXPECT_EQ(result.version, "1.0.0");

  const auto& person = body(result, 0);
  EXPECT_EQ(result.records[0].envelope.kind, "person");
  EXPECT_EQ(person.at("id").as_string(), "ref:patient");
  const auto& ids = person.at("identifiers").as_array();
  ASSERT_EQ(ids.size(), 2u);
  // Entries follow the order of the rules, then of the matches.
  EXPECT_EQ(ids[0].at("system").as_string(), "urn:oid:2.16.156.10011.1.3");
  EXPECT_EQ(ids[0].at("value").as_string(), "11010519491231002X");  // normalised upper-case X
  EXPECT_EQ(ids[1].at("system").as_string(), "urn:oid:2.16.156.10011.1.13");
  EXPECT_EQ(ids[1].at("assigner").as_string(), "H001");
  EXPECT_EQ(person.at("name").at("text").as_string(), "张三");
  EXPECT_EQ(person.at("name").at("pinyin").as_string(), "Zhang San");
  EXPECT_EQ(person.at("sex").as_string(), "1");
  EXPECT_EQ(person.at("birth_date").as_string(), "1949-12-31");

  const auto& visit = body(result, 1);
  EXPECT_EQ(visit.at("person_id").as_string(), "ref:patient");
  EXPECT_EQ(visit.at("org_id").as_string(), "H001");
  EXPECT_EQ(visit.at("encounter_class").as_string(), "inpatient");
  EXPECT_EQ(visit.at("period").at("start").as_string(), "2024-03-05T08:30+08:00");
  EXPECT_EQ(visit.at("dept").as_string(), "内科");  // VISIT.4 is empty: the next source
  // The id derives from the key: the same visit always gets the same id.
  const std::string id(visit.at("id").as_string());
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id, std::string(body(map(*mapping, kGoodMessage), 1).at("id").as_string()));
  EXPECT_FALSE(result.records[1].envelope.new_id);  // a keyed id may have earlier versions
}

TEST_F(MappingTest, RecordsLineageInSenderTerms) {
  auto mapping = compile(kPatientMapping);
  const MapResult result = map(*mapping, kGoodMessage);
  ASSERT_TRUE(result.ok()) << errors_text(result);
  const auto& lineage = result.records[0].lineage;
  auto where = [&](const std::string& target) {
    for (const auto& l : lineage) {
      if (l.target_path == target) return l.source_location;
    }
    return std::string("(none)");
  };
  EXPECT_EQ(where("sex"), "line 2.3");
  EXPECT_EQ(where("identifiers[0].value"), "line 4.2");
  EXPECT_EQ(where("identifiers[1].assigner"), "line 1.3");
  EXPECT_EQ(where("identifiers[0].system"), "(none)");  // constants have no source
}

TEST_F(MappingTest, MatchExplainsWhyNot) {
  auto mapping = compile(kPatientMapping);
  formats::ParseError error;
  auto doc = toy_format().parse("MSG=ADT^A03^H001\n", {}, error);
  const MatchResult match = mapping->matches(*doc);
  EXPECT_FALSE(match.matched);
  EXPECT_EQ(match.reason, "MSG.2 is 'A03', expected one of A01, A04");
  auto good = toy_format().parse(kGoodMessage, {}, error);
  EXPECT_TRUE(mapping->matches(*good).matched);
}

TEST_F(MappingTest, ReportsFieldErrorsWithSourceLocations) {
  auto mapping = compile(kPatientMapping);
  const MapResult result = map(*mapping,
                               "MSG=ADT^A01^H001\n"
                               "PAT=张三^Zhang San^X^19491331\n"
                               "ID=RES^110105194912310021\n"
                               "VISIT=V9^Q^202403050830\n");
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(result.records.empty());
  const std::string text = errors_text(result);
  EXPECT_NE(text.find("line 3.2: 110105194912310021: check digit is 1, expected X (patient.identifiers[0].value)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("line 2.3: 'X' is not in value set sex (known: 1, 2, M, F, 男, 女) (patient.sex)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("line 2.4: '19491331'"), std::string::npos) << text;
  EXPECT_NE(text.find("'Q' is not in the lookup table"), std::string::npos) << text;
  // A failed value is not reported a second time by core validation or by `required`.
  EXPECT_EQ(text.find("identifiers[0].value: is required"), std::string::npos) << text;
  EXPECT_EQ(text.find("required"), std::string::npos) << text;
}

TEST_F(MappingTest, RequiredFieldNamesItsSource) {
  auto mapping = compile(kPatientMapping);
  const MapResult result = map(*mapping, "MSG=ADT^A01^H001\nPAT=^Zhang San\nID=MRN^1\n");
  ASSERT_EQ(result.errors.size(), 1u) << errors_text(result);
  EXPECT_EQ(result.errors[0].record, "patient");
  EXPECT_EQ(result.errors[0].target, "name.text");
  EXPECT_EQ(result.errors[0].location, "PAT.1");
  EXPECT_EQ(result.errors[0].message, "is required but has no value here");
}

TEST_F(MappingTest, FutureBirthDateIsRejected) {
  auto mapping = compile(kPatientMapping);
  const MapResult result = map(*mapping, "MSG=ADT^A01^H001\nPAT=张三^^1^20250101\nID=MRN^1\n");
  ASSERT_EQ(result.errors.size(), 1u) << errors_text(result);
  EXPECT_EQ(result.errors[0].target, "birth_date");
  EXPECT_EQ(result.errors[0].message, "2025-01-01 is in the future");
}

TEST_F(MappingTest, NothingFromTheDocumentMakesNoRecord) {
  auto mapping = compile(kPatientMapping);
  // No VISIT line: the encounter would hold only $patient and $hospital, so it is not made.
  const MapResult result = map(*mapping, "MSG=ADT^A01^H001\nPAT=张三\nID=MRN^1\n");
  ASSERT_TRUE(result.ok()) << errors_text(result);
  ASSERT_EQ(result.records.size(), 1u);
  EXPECT_EQ(result.records[0].envelope.kind, "person");
}

const char* kLabMapping = R"(
mapping: toy-lab
version: "2"
source: {format: toy}
records:
  patient:
    kind: person
    fields:
      identifiers[]:
        fields: {system: hospital-mrn, value: {from: PAT.1}, assigner: H1}
  orders:
    each: OBR
    let:
      taken: {from: .2, then: [{datetime: yyyyMMddHHmm}]}
    records:
      result:
        kind: observation
        each: OBX
        fields:
          person_id: $patient
          effective_time: $taken
          code: {from: .1, then: [{lookup: {codes: {HGB: {code: 718-7, system: loinc, display: Hemoglobin}, GLU: {code: "2345-7", system: loinc}}, unknown: keep, source_system: "urn:hospital:lab"}}]}
          value:
            - when: {.2: NM}
              fields:
                type: quantity
                value: {from: .3, then: [number, {round: 1}]}
                unit: {from: .4}
            - fields:
                type: string
                value: {from: .3}
          reference_range: {from: .5}
      summary:
        kind: observation
        fields:
          person_id: $patient
          code: {value: PANEL, then: [{lookup: {codes: {PANEL: {code: panel, system: local}}}}]}
          original_text: {from: .3}
          derived_from[]: $result
)";

TEST_F(MappingTest, GroupsScopeIterationAndReferences) {
  auto mapping = compile(kLabMapping);
  const MapResult result = map(*mapping,
                               "PAT=M42\n"
                               "OBR=1^202401020304^血常规\n"
                               "OBX=HGB^NM^131.25^g/L^115-150\n"
                               "OBX=NOTE^ST^溶血\n"
                               "OBR=2^202401020400^血糖\n"
                               "OBX=GLU^NM^5.4^mmol/L\n");
  ASSERT_TRUE(result.ok()) << errors_text(result);
  ASSERT_EQ(result.records.size(), 6u);  // person, 2 results + summary, 1 result + summary
  const auto& hgb = body(result, 1);
  EXPECT_EQ(hgb.at("code").at("system").as_string(), "http://loinc.org");
  EXPECT_EQ(hgb.at("code").at("code").as_string(), "718-7");
  EXPECT_EQ(hgb.at("value").at("type").as_string(), "quantity");
  EXPECT_DOUBLE_EQ(hgb.at("value").at("value").as_double(), 131.3);
  EXPECT_EQ(hgb.at("value").at("unit").as_string(), "g/L");
  EXPECT_EQ(hgb.at("effective_time").as_string(), "2024-01-02T03:04+08:00");
  EXPECT_EQ(hgb.at("person_id").as_string(), "ref:patient");
  const auto& note = body(result, 2);
  EXPECT_EQ(note.at("code").at("code").as_string(), "NOTE");  // unknown: keep
  EXPECT_EQ(note.at("value").at("type").as_string(), "string");
  EXPECT_EQ(note.at("value").at("value").as_string(), "溶血");
  // Each summary refers to the results of its own OBR group only.
  const auto& first_summary = body(result, 3);
  ASSERT_EQ(first_summary.at("derived_from").as_array().size(), 2u);
  EXPECT_EQ(first_summary.at("derived_from").as_array()[0], hgb.at("id"));
  const auto& second_summary = body(result, 5);
  ASSERT_EQ(second_summary.at("derived_from").as_array().size(), 1u);
  EXPECT_EQ(second_summary.at("derived_from").as_array()[0], body(result, 4).at("id"));
  EXPECT_EQ(body(result, 4).at("effective_time").as_string(), "2024-01-02T04:00+08:00");
  // The results' ids were minted by the mapping (others refer to them), so the store need not
  // look up an earlier version; the person's is a reference it resolves, the summaries get
  // theirs from the pipeline.
  EXPECT_FALSE(result.records[0].envelope.new_id);
  EXPECT_TRUE(result.records[1].envelope.new_id);
  EXPECT_TRUE(result.records[2].envelope.new_id);
  EXPECT_FALSE(result.records[3].envelope.new_id);
  EXPECT_TRUE(result.records[3].envelope.id.empty());
}

TEST_F(MappingTest, CoreValidationErrorsPointAtTheSource) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  visit:
    kind: encounter
    fields:
      encounter_class: {from: V.1}
      admission_count: {from: V.2}
)");
  const MapResult result = map(*mapping, "V=ward^0\n");
  ASSERT_EQ(result.errors.size(), 2u) << errors_text(result);
  EXPECT_EQ(result.errors[0].location, "line 1.1");
  EXPECT_EQ(result.errors[0].target, "encounter_class");
  EXPECT_NE(result.errors[0].message.find("'ward' is not one of"), std::string::npos);
  EXPECT_EQ(result.errors[1].location, "line 1.2");
  EXPECT_EQ(result.errors[1].message, "is 0, expected at least 1");
}

TEST_F(MappingTest, ImplicitConversionErrorsNameTheValue) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  o:
    kind: observation
    fields:
      code: {from: O.1, then: [{lookup: {codes: {H: {code: "8302-2", system: loinc}}}}]}
      value: {fields: {type: quantity, value: {from: O.2}, unit: cm}}
)");
  const MapResult result = map(*mapping, "O=H^abc\n");
  ASSERT_EQ(result.errors.size(), 1u) << errors_text(result);
  EXPECT_EQ(result.errors[0].str(), "line 1.2: 'abc' is not a number (o.value.value) [data-type]");
}

// Observation.value is made by core from the fields the alternative set (a tagged union):
// what its type requires and did not get is refused in core's words, as for a body; what the
// alternative itself requires, in the mapping's.
TEST_F(MappingTest, ATaggedUnionIsRefusedInCoresWordsWhenItsTypeLacksAValue) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  o:
    kind: observation
    fields:
      code: {from: O.1, then: [{lookup: {codes: {H: {code: "8302-2", system: loinc}}}}]}
      value:
        - when: {O.4: NM}
          fields: {type: quantity, value: {from: O.2, then: [number]}, unit: {from: O.3}}
        - when: {O.4: SN}
          fields: {type: quantity, value: {from: O.2, then: [number]}, unit: {from: O.3}}
          required: [value]
        - when: {O.4: ST}
          fields: {type: string, value: {from: O.2}}
)");
  const MapResult no_number = map(*mapping, "O=H^^cm^NM\n");
  ASSERT_EQ(no_number.errors.size(), 1u) << errors_text(no_number);
  EXPECT_EQ(no_number.errors[0].target, "value.value");
  EXPECT_EQ(no_number.errors[0].message, "is required");
  EXPECT_EQ(no_number.errors[0].kind, core::ErrorKind::required);

  const MapResult required = map(*mapping, "O=H^^cm^SN\n");
  ASSERT_EQ(required.errors.size(), 1u) << errors_text(required);
  EXPECT_EQ(required.errors[0].target, "value.value");
  EXPECT_EQ(required.errors[0].message, "is required but has no value here");
  EXPECT_EQ(required.errors[0].location, "O.2");

  // Nothing from the document at all: the value is left out, as any such object is.
  const MapResult no_text = map(*mapping, "O=H^^^ST\n");
  ASSERT_TRUE(no_text.ok()) << errors_text(no_text);
  EXPECT_FALSE(body(no_text, 0).contains("value"));

  const MapResult given = map(*mapping, "O=H^172.5^cm^NM\n");
  ASSERT_TRUE(given.ok()) << errors_text(given);
  EXPECT_EQ(json::serialize(body(given, 0).at("value")), R"({"type":"quantity","value":1.725E2,"unit":"cm"})");
}

TEST_F(MappingTest, JoinSplitAndListTargets) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  c:
    kind: consent
    fields:
      status: active
      lawful_basis: statutory_duty  # a consent would also need data_categories and recipients
      purposes[]: {from: P, then: [{split: ","}, trim]}
      notice_version: {from: [N.1, N.2], then: [{join: "-"}]}
)");
  const MapResult result = map(*mapping, "P=a, b,,c\nN=v1^2024\n");
  ASSERT_TRUE(result.ok()) << errors_text(result);
  const auto& consent = body(result, 0);
  const auto& purposes = consent.at("purposes").as_array();
  ASSERT_EQ(purposes.size(), 3u);
  EXPECT_EQ(purposes[1].as_string(), "b");
  EXPECT_EQ(consent.at("notice_version").as_string(), "v1-2024");
}

// $received_at is when the gateway received the message: a visit whose source gives no time
// of its own can still be placed in time, and a date-time step sees a date-time.
TEST_F(MappingTest, ReceivedAtIsTheMessagesArrivalAsADateTime) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  visit:
    kind: encounter
    fields:
      person_id: {value: p1}
      encounter_class: outpatient
      period.start: $received_at
      dept: {from: $received_at, then: [date]}
)");
  ApplyOptions arrived;
  arrived.received_at = core::DateTime::from_utc_millis(1717201800000);  // 2024-06-01T00:30Z
  const MapResult a = map(*mapping, "VISIT=V1\n", arrived);
  ASSERT_TRUE(a.ok()) << errors_text(a);
  EXPECT_EQ(body(a, 0).at("period").at("start").as_string(), "2024-06-01T08:30:00.000+08:00");
  EXPECT_EQ(body(a, 0).at("dept").as_string(), "2024-06-01");
  // Without an arrival time (a test that gives none) the field is simply absent.
  const MapResult c = map(*mapping, "VISIT=V1\n");
  ASSERT_TRUE(c.ok()) << errors_text(c);
  EXPECT_FALSE(body(c, 0).contains("period")) << boost::json::serialize(body(c, 0));

  const auto errors = compile_errors("mapping: t\nversion: \"1\"\nsource: {format: toy}\nlet:\n  received_at: {value: x}\n"
                                     "records:\n  r: {kind: encounter, fields: {encounter_class: outpatient}}\n");
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("'received_at' is already the name of a built-in"), std::string::npos) << errors[0];
}

// `from: [A, B]` in a let is "A, else B", as in a field: the configured sender org wins, and the
// key (which combines its sources) sees that one value, so the visit keeps its id when the
// hospital changes the sending facility of its messages.
TEST_F(MappingTest, LetWithSeveralSourcesTakesTheFirstThatHasAValue) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
let:
  hospital: {from: [$sender_org, MSG.3]}
  codes: {from: [CODE, MSG.3]}
records:
  visit:
    kind: encounter
    key: {from: [$hospital, VISIT.1]}
    fields:
      person_id: {value: p1}
      org_id: $hospital
      encounter_class: inpatient
      dept: {from: $codes, then: [{join: "+"}]}
)");
  ApplyOptions configured;
  configured.sender_org = "org-1";
  const MapResult a = map(*mapping, "MSG=ADT^A01^H001\nVISIT=V9\nCODE=x\nCODE=y\n", configured);
  const MapResult b = map(*mapping, "MSG=ADT^A01^H002\nVISIT=V9\nCODE=x\nCODE=y\n", configured);
  ASSERT_TRUE(a.ok()) << errors_text(a);
  ASSERT_TRUE(b.ok()) << errors_text(b);
  EXPECT_EQ(body(a, 0).at("org_id").as_string(), "org-1");
  EXPECT_EQ(body(a, 0).at("id").as_string(), body(b, 0).at("id").as_string());
  // A let keeps every value of the source that wins (the repetitions), not the fallback's.
  EXPECT_EQ(body(a, 0).at("dept").as_string(), "x+y");
  // Without a configured sender org, the fallback is used, and it is part of the key.
  const MapResult c = map(*mapping, "MSG=ADT^A01^H001\nVISIT=V9\n");
  const MapResult d = map(*mapping, "MSG=ADT^A01^H002\nVISIT=V9\n");
  ASSERT_TRUE(c.ok()) << errors_text(c);
  ASSERT_TRUE(d.ok()) << errors_text(d);
  EXPECT_EQ(body(c, 0).at("org_id").as_string(), "H001");
  EXPECT_EQ(body(c, 0).at("dept").as_string(), "H001");
  EXPECT_NE(body(c, 0).at("id").as_string(), body(d, 0).at("id").as_string());
  EXPECT_NE(body(a, 0).at("id").as_string(), body(c, 0).at("id").as_string());
}

// A system read from the document is normalised as a constant is: registry name → URI, so that
// core's checks of that system run; an unknown name is an error naming the value.
TEST_F(MappingTest, SystemsFromTheDocumentAreNormalised) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  d:
    kind: diagnosis
    each: DX
    fields:
      person_id: {value: p1}
      code: {fields: {system: {from: .1}, code: {from: .2}}}
      rank: 1
)");
  const MapResult good = map(*mapping, "DX=icd-10-cn^J18.9\n");
  ASSERT_TRUE(good.ok()) << errors_text(good);
  EXPECT_EQ(body(good, 0).at("code").at("system").as_string(), "urn:oid:2.16.156.10011.2.3.3.14");
  // Now that the system is known for what it is, the ICD-10 form is checked.
  const MapResult bad_code = map(*mapping, "DX=icd-10-cn^J189\n");
  EXPECT_TRUE(any_contains({errors_text(bad_code)}, "'J189' is not an ICD-10 code")) << errors_text(bad_code);
  const MapResult oid = map(*mapping, "DX=2.16.156.10011.2.3.3.14^J18.9\n");  // CDA writes bare OIDs
  ASSERT_TRUE(oid.ok()) << errors_text(oid);
  EXPECT_EQ(body(oid, 0).at("code").at("system").as_string(), "urn:oid:2.16.156.10011.2.3.3.14");
  const MapResult unknown = map(*mapping, "DX=icd-10-cm^J18.9\n");
  EXPECT_TRUE(any_contains({errors_text(unknown)}, "'icd-10-cm': unknown code system 'icd-10-cm'; did you mean "
                                                   "'icd-10-cn'? (or write a URI)"))
      << errors_text(unknown);
}

// A constant is converted for its target once, when the mapping is compiled: a system name
// becomes its URI, a date its ISO form — also when `then:` is given but empty, and whether the
// runtime writes it directly (text) or through the leaf writer (a date).
TEST_F(MappingTest, ConstantsAreConvertedForTheirTarget) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  p:
    kind: person
    each: PAT
    fields:
      identifiers[]:
        - fields:
            system: {value: cn-resident-id, then: []}
            value: {from: .1}
        - fields:
            system: hospital-mrn
            value: {value: "000123"}
            assigner: org-h001
      birth_date: {value: "20120315", then: []}
      name.text: {value: "张三"}
)");
  const MapResult result = map(*mapping, "PAT=11010519491231002X\n");
  ASSERT_TRUE(result.ok()) << errors_text(result);
  const json::object& person = body(result, 0);
  const json::array& ids = person.at("identifiers").as_array();
  ASSERT_EQ(ids.size(), 2U);
  EXPECT_EQ(ids[0].at("system").as_string(), "urn:oid:2.16.156.10011.1.3");
  EXPECT_EQ(ids[1].at("system").as_string(), "urn:oid:2.16.156.10011.1.13");
  EXPECT_EQ(ids[1].at("value").as_string(), "000123");
  EXPECT_EQ(ids[1].at("assigner").as_string(), "org-h001");
  EXPECT_EQ(person.at("birth_date").as_string(), "2012-03-15");
  EXPECT_EQ(person.at("name").at("text").as_string(), "张三");
}

TEST_F(MappingTest, SameKeyTwiceGivesOneRecord) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  school:
    kind: organization
    each: ROW
    key: {from: .1}
    fields:
      name: {from: .1}
      type: school
)");
  const MapResult result = map(*mapping, "ROW=一中^a\nROW=二中^b\nROW=一中^c\n");
  ASSERT_TRUE(result.ok()) << errors_text(result);
  ASSERT_EQ(result.records.size(), 2u);
  EXPECT_EQ(body(result, 0).at("name").as_string(), "一中");
  EXPECT_EQ(body(result, 1).at("name").as_string(), "二中");
}

TEST_F(MappingTest, ManyPersonsGetNumberedReferences) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  rows:
    each: ROW
    records:
      student:
        kind: person
        fields:
          name.text: {from: .1}
      enrollment:
        kind: enrollment
        fields:
          person_id: $student
          org_id: school-1
          student_no: {from: .2}
)");
  const MapResult result = map(*mapping, "ROW=甲^1\nROW=乙^2\n");
  ASSERT_TRUE(result.ok()) << errors_text(result);
  ASSERT_EQ(result.records.size(), 4u);
  EXPECT_EQ(body(result, 0).at("id").as_string(), "ref:student#1");
  EXPECT_EQ(body(result, 1).at("person_id").as_string(), "ref:student#1");
  EXPECT_EQ(body(result, 2).at("id").as_string(), "ref:student#2");
  EXPECT_EQ(body(result, 3).at("person_id").as_string(), "ref:student#2");
}

TEST_F(MappingTest, ReferenceToRepeatedRecordNeedsAGroup) {
  const auto errors = compile_errors(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  student:
    kind: person
    each: ROW
    fields:
      name.text: {from: .1}
  enrollment:
    kind: enrollment
    each: ROW
    fields:
      person_id: $student
      org_id: school-1
)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(any_contains(errors, "15:18: enrollment.person_id: $student may be several records here")) << errors[0];
}

// `required:` on a member that is a plain struct (Observation.code is a Coding, always there
// in the typed record): it holds a value when one of its fields got one, not because it exists.
TEST_F(MappingTest, RequiredPlainStructFailsWhenNoneOfItsFieldsGotAValue) {
  auto mapping = compile(R"(
mapping: t
version: "1"
source: {format: toy}
records:
  o:
    kind: observation
    required: [code]
    fields:
      code.code: {from: O.1}
      code.system: {from: O.3}
      status: final
      value: {fields: {type: quantity, value: {from: O.2}, unit: cm}}
)");
  const MapResult missing = map(*mapping, "O=^172\n");
  ASSERT_EQ(missing.errors.size(), 1u) << errors_text(missing);
  EXPECT_EQ(missing.errors[0].target, "code");
  EXPECT_EQ(missing.errors[0].message, "is required but has no value here");
  EXPECT_EQ(missing.errors[0].location, "O.1 or O.3");

  const MapResult given = map(*mapping, "O=8302-2^172^http://loinc.org\n");
  ASSERT_TRUE(given.ok()) << errors_text(given);
  EXPECT_EQ(body(given, 0).at("code").at("code").as_string(), "8302-2");
}

// Core's findings are put in the sender's terms through the lineage, which the applier keeps
// for that even when the result asks for none (then in a list reused from document to
// document: the second round maps on the entries the first one left).
TEST_F(MappingTest, CoresFindingsNameTheirSourceWithOrWithoutLineage) {
  auto mapping = compile(R"(
mapping: toy-core-check
version: 1.0.0
source:
  format: toy
  match:
    MSG.1: ADT
records:
  patient:
    kind: person
    fields:
      name.text: {from: PAT.1}
      identifiers[]:
        - each: ID
          fields:
            system: cn-resident-id
            value: {from: .2}
)");
  const std::string bad_check_digit = "MSG=ADT^A01^H001\nPAT=张三\nID=RES^110105194912310021\n";
  for (int round = 0; round < 2; ++round) {
    for (const bool lineage : {true, false}) {
      ApplyOptions options;
      options.lineage = lineage;
      const MapResult result = map(*mapping, bad_check_digit, options);
      ASSERT_EQ(result.errors.size(), 1u) << errors_text(result);
      EXPECT_EQ(result.errors[0].target, "identifiers[0].value");
      EXPECT_EQ(result.errors[0].location, "line 3.2") << errors_text(result);
      EXPECT_TRUE(result.records.empty());
      const MapResult good = map(*mapping, "MSG=ADT^A01^H001\nPAT=张三\nID=RES^11010519491231002X\n", options);
      ASSERT_TRUE(good.ok()) << errors_text(good);
      EXPECT_EQ(good.records[0].lineage.size(), lineage ? 2u : 0u);
    }
  }
}

}  // namespace
}  // namespace kq::mapping::testing
