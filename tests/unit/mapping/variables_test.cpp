// Mapping variables: values a channel gives the mappings it applies ($name_order), declared by
// the mapping under `variables:`, checked when it compiles and when it is applied.
#include "gateway/mapping/runtime/script.hpp"
#include "tests/unit/mapping/mapping_test_support.hpp"

namespace kq::mapping::testing {
namespace {

const char* kOrderMapping = R"(mapping: t
version: "1"
source: {format: toy}
variables:
  order: {default: a, one_of: [a, b], description: which component is the name}
  unit: ~
records:
  patient:
    kind: person
    fields:
      identifiers[]:
        fields: {system: hospital-mrn, value: {from: PAT.1}, assigner: H1}
      name.text:
        - {when: {$order: a}, from: PAT.2}
        - {when: {$order: b}, from: PAT.3}
      name.pinyin: $unit
)";

ApplyOptions with_variables(MappingVariables values) {
  ApplyOptions o;
  o.variables = std::make_shared<const MappingVariables>(std::move(values));
  return o;
}

TEST_F(MappingTest, VariablesTakeTheChannelsValueElseTheirDefault) {
  const auto mapping = compile(kOrderMapping);
  ASSERT_EQ(mapping->variables().size(), 2u);
  EXPECT_EQ(mapping->variable("order")->default_value, "a");
  EXPECT_EQ(mapping->variable("order")->description, "which component is the name");
  EXPECT_FALSE(mapping->variable("unit")->default_value);
  EXPECT_EQ(mapping->variable("nothing"), nullptr);

  MapResult by_default = map(*mapping, "PAT=G1^张三^李四\n");
  ASSERT_TRUE(by_default.ok()) << errors_text(by_default);
  EXPECT_EQ(body(by_default, 0).at("name").at("text").as_string(), "张三");
  EXPECT_FALSE(body(by_default, 0).at("name").as_object().contains("pinyin"));  // no default: no value

  // Variables of other mappings of the same channel are none of this one's business.
  MapResult set = map(*mapping, "PAT=G1^张三^李四\n", with_variables({{"order", "b"}, {"unit", "u"}, {"other", "x"}}));
  ASSERT_TRUE(set.ok()) << errors_text(set);
  EXPECT_EQ(body(set, 0).at("name").at("text").as_string(), "李四");
  EXPECT_EQ(body(set, 0).at("name").at("pinyin").as_string(), "u");
}

TEST_F(MappingTest, AVariableValueOutsideOneOfMapsNothing) {
  const auto mapping = compile(kOrderMapping);
  EXPECT_EQ(mapping->variable("order")->check("c"), "'c' is not one of a, b");
  EXPECT_EQ(mapping->variable("unit")->check("anything"), "");
  MapResult result = map(*mapping, "PAT=G1^张三^李四\n", with_variables({{"order", "c"}}));
  EXPECT_TRUE(result.records.empty());
  ASSERT_EQ(result.errors.size(), 1u) << errors_text(result);
  // The channel's setting, not the sender's message, is wrong: an internal error (HL7 207).
  EXPECT_EQ(result.errors[0].str(),
            "document: mapping variable order: 'c' is not one of a, b (set for this channel) [internal]");
}

TEST_F(MappingTest, VariableDeclarationsAreChecked) {
  dir_.write("fragments/f.yaml", "variables: {order: a}\n");
  const auto errors = compile_errors(R"(mapping: t
version: "1"
source: {format: toy}
include: fragments/f.yaml
variables:
  order: b
  Bad: x
  patient: x
  sender_org: x
  mode: {default: c, one_of: [a, b]}
  shape: [a, b]
  kind_of: {defualt: a}
let:
  mode: {from: PAT.1}
records:
  patient:
    kind: person
    fields:
      name.text: $ordr
)");
  EXPECT_TRUE(any_contains(errors, "6:3: variable 'order' is already declared at "));
  EXPECT_TRUE(any_contains(errors, "7:3: variable name 'Bad' must be lower-case letters, digits and _"));
  EXPECT_TRUE(any_contains(errors, "8:3: 'patient' is already the name of a record rule; choose another name for this variable"));
  EXPECT_TRUE(any_contains(errors, "9:3: 'sender_org' is already the name of a built-in"));
  EXPECT_TRUE(any_contains(errors, "10:19: variables.mode: the default 'c' is not one of a, b"));
  EXPECT_TRUE(any_contains(errors, "11:10: variables.shape: give the default value, or {default: …, one_of: […], description: …}"));
  EXPECT_TRUE(any_contains(errors, "12:13: variables.kind_of: unknown key 'defualt'; did you mean 'default'?"));
  EXPECT_TRUE(any_contains(errors, "19:18: unknown name 'ordr'; did you mean 'order'? ($name is a let value, a record "
                                   "above, a variable of the mapping, $sender_org or $received_at)"));
}

TEST_F(MappingTest, ALetCannotTakeAVariablesName) {
  const auto errors = compile_errors(R"(mapping: t
version: "1"
source: {format: toy}
variables: {mode: a}
let:
  mode: {from: PAT.1}
records:
  patient:
    kind: person
    fields:
      name.text: $mode
)");
  EXPECT_TRUE(any_contains(errors, "6:3: 'mode' is already the name of a variable of the mapping; choose another name"));
}

TEST(Script, TellsHanziFromLatinLetters) {
  using detail::Script;
  using detail::script_of;
  EXPECT_EQ(script_of("张三"), Script::han);
  EXPECT_EQ(script_of("买买提·艾力"), Script::han);  // the middle dot of a transliterated name
  EXPECT_EQ(script_of("王〇"), Script::han);
  EXPECT_EQ(script_of("\xF0\xA0\x80\x80"), Script::han);  // U+20000, outside GBK
  EXPECT_EQ(script_of("ZHANG SAN"), Script::latin);
  EXPECT_EQ(script_of("Lǚ Zhāng-Sān"), Script::latin);  // pinyin with tone marks
  EXPECT_EQ(script_of("ＺＨＡＮＧ"), Script::latin);     // full-width letters
  EXPECT_EQ(script_of("ZHANG SAN张三"), std::nullopt);  // both
  EXPECT_EQ(script_of("Иванов"), std::nullopt);        // another script
  EXPECT_EQ(script_of("12 -"), std::nullopt);          // no letter at all
  EXPECT_EQ(script_of(""), std::nullopt);
  EXPECT_EQ(script_of("\xE5\xBC"), std::nullopt);      // cut in the middle of a character
}

// `script`: the condition and the step that tell hanzi from pinyin when a sender does not.
TEST_F(MappingTest, ScriptConditionAndStep) {
  const auto mapping = compile(R"(mapping: t
version: "1"
source: {format: toy}
records:
  patient:
    kind: person
    fields:
      identifiers[]:
        fields: {system: hospital-mrn, value: {from: ID.1}, assigner: H1}
      name.text: {from: [PAT.1, PAT.2], then: [{script: han}, {join: ""}]}
      name.pinyin: {from: [PAT.1, PAT.2], then: [{script: latin}, {join: " "}]}
      name.family: {from: PAT.1, when: {PAT.1: {script: [han]}}}
)");
  MapResult mixed = map(*mapping, "ID=G1\nPAT=ZHANG SAN^张三\n");
  ASSERT_TRUE(mixed.ok()) << errors_text(mixed);
  const auto& name = body(mixed, 0).at("name").as_object();
  EXPECT_EQ(name.at("text").as_string(), "张三");
  EXPECT_EQ(name.at("pinyin").as_string(), "ZHANG SAN");
  EXPECT_FALSE(name.contains("family"));  // PAT.1 is not in hanzi

  MapResult hanzi = map(*mapping, "ID=G1\nPAT=欧阳^小明\n");
  ASSERT_TRUE(hanzi.ok()) << errors_text(hanzi);
  EXPECT_EQ(body(hanzi, 0).at("name").at("text").as_string(), "欧阳小明");
  EXPECT_EQ(body(hanzi, 0).at("name").at("family").as_string(), "欧阳");
  EXPECT_FALSE(body(hanzi, 0).at("name").as_object().contains("pinyin"));

  std::string why;
  const auto condition = compile(R"(mapping: t
version: "1"
source: {format: toy, match: {PAT.1: {script: han}}}
records:
  patient: {kind: person, fields: {name.text: {from: PAT.1}}}
)");
  ToyFormat toy;
  formats::ParseError error;
  const auto document = toy.parse("PAT=ZHANG\n", {}, error);
  ASSERT_NE(document, nullptr);
  EXPECT_EQ(condition->matches(*document).reason, "PAT.1 is 'ZHANG', which is not written in han");
}

TEST_F(MappingTest, ScriptNamesAndKindsAreChecked) {
  const auto errors = compile_errors(R"(mapping: t
version: "1"
source: {format: toy}
records:
  patient:
    kind: person
    fields:
      name.text: {from: PAT.1, then: [{script: hanzi}]}
      name.pinyin: {from: PAT.2, then: [number, {script: latin}]}
      name.family: {from: PAT.3, when: {PAT.3: {script: cyrillic}}}
      name.given: {from: PAT.4, then: [script]}
)");
  EXPECT_TRUE(any_contains(errors, "8:39: 'script': unknown script 'hanzi'; did you mean 'han'?"));
  EXPECT_TRUE(any_contains(errors, "9:49: 'script': needs text, but the value is a number"));
  EXPECT_TRUE(any_contains(errors, "10:57: PAT.3: unknown script 'cyrillic'; expected one of han, latin"));
  EXPECT_TRUE(any_contains(errors, "11:40: 'script': needs the script to keep: han or latin"));
}

// A value with `each:` is read per match: a single field takes the first match that gives a
// value, a let every match's.
TEST_F(MappingTest, EachValuesPickTheFirstMatchThatApplies) {
  const auto mapping = compile(R"(mapping: t
version: "1"
source: {format: toy}
let:
  all_names: {each: PAT, from: ., then: [{component: 1}]}
records:
  patient:
    kind: person
    fields:
      identifiers[]:
        fields: {system: hospital-mrn, value: {from: ID.1}, assigner: H1}
      name.text:
        each: PAT
        let: {code: {from: ., then: [{component: 2}]}}
        when: {$code: I}
        from: .
        then: [{component: 1}]
      name.pinyin: {from: $all_names, then: [{join: ","}]}
)");
  MapResult result = map(*mapping, "ID=G1\nPAT=ZHANG^A\nPAT=张三^I\nPAT=李四^I\n");
  ASSERT_TRUE(result.ok()) << errors_text(result);
  EXPECT_EQ(body(result, 0).at("name").at("text").as_string(), "张三");
  EXPECT_EQ(body(result, 0).at("name").at("pinyin").as_string(), "ZHANG,张三,李四");
  ASSERT_FALSE(result.records[0].lineage.empty());
  EXPECT_EQ(result.records[0].lineage[1].target_path, "name.text");
  EXPECT_EQ(result.records[0].lineage[1].source_location, "line 3.1");
}

TEST_F(MappingTest, LetAlternativesTakeTheFirstThatGivesAValue) {
  const auto mapping = compile(R"(mapping: t
version: "1"
source: {format: toy}
let:
  name:
    - {from: PAT.3}
    - {from: PAT.2, then: [trim]}
    - {value: nobody}
records:
  patient:
    kind: person
    fields:
      identifiers[]:
        fields: {system: hospital-mrn, value: {from: PAT.1}, assigner: H1}
      name.text: $name
)");
  MapResult second = map(*mapping, "PAT=G1^ 张三 \n");
  ASSERT_TRUE(second.ok()) << errors_text(second);
  EXPECT_EQ(body(second, 0).at("name").at("text").as_string(), "张三");
  MapResult first = map(*mapping, "PAT=G1^张三^李四\n");
  EXPECT_EQ(body(first, 0).at("name").at("text").as_string(), "李四");
  MapResult last = map(*mapping, "PAT=G1\n");
  EXPECT_EQ(body(last, 0).at("name").at("text").as_string(), "nobody");
}

TEST_F(MappingTest, EachAndLetAlternativesAreChecked) {
  const auto errors = compile_errors(R"(mapping: t
version: "1"
source: {format: toy}
let:
  empty: []
  mixed: [{from: PAT.1, then: [number]}, {from: PAT.2}]
records:
  patient:
    kind: person
    each: PAT
    fields:
      name.text: {each: ., from: .}
      name.pinyin: {each: PAT, value: x}
      name.family: {each: PAT, let: {x: {from: .}}, from: $y}
)");
  EXPECT_TRUE(any_contains(errors, "5:10: $empty: the list of alternatives is empty"));
  EXPECT_TRUE(any_contains(errors, "6:42: $mixed #2: gives text, the first gives number"));
  EXPECT_TRUE(any_contains(errors, "12:25: patient.name.text: 'each' needs a path that repeats (PID-5[*]), not '.'"));
  EXPECT_TRUE(any_contains(errors, "13:27: patient.name.pinyin: 'each' reads the value from every match of a path"));
  EXPECT_TRUE(any_contains(errors, "14:59: unknown name 'y'; expected one of sender_org, received_at, empty, mixed, x, patient"));
}

}  // namespace
}  // namespace kq::mapping::testing
