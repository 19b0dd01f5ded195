// The HL7 null: a field sent as "" is the sender deleting it, an empty field is "no change".
// The engine lists the fields a sender nulled with each record (RecordEnvelope::cleared), for
// the store to remove them from the stored person.
#include <gtest/gtest.h>

#include "gateway/mapping/mapping.hpp"

namespace kq::mapping {
namespace {

const char* kPatient = R"(mapping: t
version: "1"
source: {format: hl7v2}
let:
  ethnicity: {from: PID-22.1}
records:
  patient:
    kind: person
    fields:
      identifiers[]:
        fields: {system: hospital-mrn, value: {from: PID-3.1}, assigner: H1}
      name.text: {from: PID-5.1}
      name.pinyin: {from: PID-5.2}
      sex: {from: PID-8, then: [{lookup: {codes: {M: "1", F: "2"}}}]}
      birth_date: {from: PID-7, then: [date]}
      addresses[]:
        - fields: {use: home, text: {from: PID-11.1}}
        - fields: {use: current, text: {from: PID-12}}
      ethnicity: $ethnicity
      telecom[]:
        fields: {system: phone, value: {from: PID-13.1}}
)";

MapResult map(const char* mapping, const std::string& pid) {
  const auto compiled = compile_mapping_from_string(mapping, "test.yaml");
  const std::string message = "MSH|^~\\&|HIS|H1|KQ|KQ|20240305083000||ADT^A08|M1|P|2.4\r" + pid + "\r";
  return map_payload(*compiled, message);
}

std::vector<std::string> cleared(const MapResult& result) {
  EXPECT_TRUE(result.ok());
  for (const auto& e : result.errors) ADD_FAILURE() << e.str();
  return result.records.empty() ? std::vector<std::string>{} : result.records[0].envelope.cleared;
}

TEST(Cleared, EmptyFieldsAreNoChangeAndNoCostForTheCommonRecord) {
  const MapResult result = map(kPatient, "PID|1||M1||张三^ZHANG SAN||20150310|M");
  EXPECT_TRUE(cleared(result).empty());
  EXPECT_EQ(result.records.at(0).envelope.cleared.capacity(), 0u);  // nothing allocated for it
}

TEST(Cleared, NullLeavesListsAndLetsAreListed) {
  // PID-7 and PID-8 are "", PID-11 and PID-12 too (the whole addresses list), PID-13 is "",
  // and PID-22 is "" and reaches ethnicity through a let.
  const MapResult result = map(kPatient, "PID|1||M1||张三||\"\"|\"\"|||\"\"|\"\"|\"\"|||||||||\"\"");
  EXPECT_EQ(cleared(result), (std::vector<std::string>{"sex", "birth_date", "addresses", "ethnicity", "telecom"}));
  const auto& body = result.records.at(0).envelope.body;
  EXPECT_FALSE(body.contains("sex"));
  EXPECT_EQ(body.at("name").at("text").as_string(), "张三");
}

TEST(Cleared, ANullNameComponentOrTheWholeName) {
  EXPECT_EQ(cleared(map(kPatient, "PID|1||M1||张三^\"\"")), (std::vector<std::string>{"name.pinyin"}));
  // Every field of the object nulled: the object itself is cleared.
  EXPECT_EQ(cleared(map(kPatient, "PID|1||M1||\"\"")), (std::vector<std::string>{"name"}));
}

TEST(Cleared, AListWithOneEntryNulledIsReplacedNotCleared) {
  // A list is replaced as a whole when sent: the null entry is simply not in the new list.
  const MapResult result = map(kPatient, "PID|1||M1||张三||||||\"\"|北京市西城区");
  EXPECT_TRUE(cleared(result).empty());
  const auto& addresses = result.records.at(0).envelope.body.at("addresses").as_array();
  ASSERT_EQ(addresses.size(), 1u);
  EXPECT_EQ(addresses[0].at("use").as_string(), "current");
}

TEST(Cleared, AValueFromAnotherSourceIsNoClearing) {
  const char* fallback = R"(mapping: t
version: "1"
source: {format: hl7v2}
records:
  patient:
    kind: person
    fields:
      identifiers[]:
        fields: {system: hospital-mrn, value: {from: PID-3.1}, assigner: H1}
      name.text: [{from: PID-5.2}, {from: PID-5.1}]
)";
  const MapResult result = map(fallback, "PID|1||M1||张三^\"\"");
  EXPECT_TRUE(cleared(result).empty());
  EXPECT_EQ(result.records.at(0).envelope.body.at("name").at("text").as_string(), "张三");
}

// Only HL7 v2 has a null that means "delete": an empty XML element is only "nothing here".
TEST(Cleared, AnEmptyXmlElementClearsNothing) {
  const auto compiled = compile_mapping_from_string(R"(mapping: t
version: "1"
source: {format: xml}
records:
  patient:
    kind: person
    fields:
      identifiers[]:
        fields: {system: hospital-mrn, value: {from: /p/id}, assigner: H1}
      name.text: {from: /p/name}
)", "test.yaml");
  const MapResult result = map_payload(*compiled, "<p><id>M1</id><name></name></p>");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.records.at(0).envelope.cleared.empty());
}

}  // namespace
}  // namespace kq::mapping
