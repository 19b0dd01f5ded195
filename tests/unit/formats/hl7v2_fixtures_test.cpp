// The fixture messages of tests/fixtures/hl7v2 read through the Format interface, as the HIS
// adapter and the mapping engine will: header fields, identifiers, names, visits, results.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/formats/hl7v2/format.hpp"

namespace kq::formats {
namespace {

const std::filesystem::path kFixtures =
    std::filesystem::path(KQ_SOURCE_DIR) / "tests/fixtures/hl7v2";

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << file;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

struct Loaded {
  std::unique_ptr<Document> document;
  const Hl7Message& message() const { return static_cast<const Hl7Message&>(*document); }
  std::string first(std::string_view path) const {
    std::string error;
    const auto compiled = hl7v2_format().compile_path(path, error);
    EXPECT_NE(compiled, nullptr) << error;
    const auto matches = compiled->select(*document, nullptr);
    return matches.empty() ? "<none>" : matches.front().text;
  }
  std::vector<std::string> all(std::string_view path) const {
    std::string error;
    std::vector<std::string> out;
    for (const Match& m : hl7v2_format().compile_path(path, error)->select(*document, nullptr)) {
      out.push_back(m.text);
    }
    return out;
  }
};

Loaded load(const std::string& name, std::string_view charset = "") {
  ParseOptions options;
  options.charset = std::string(charset);
  ParseError error;
  Loaded loaded{hl7v2_format().parse(read(kFixtures / name), options, error)};
  EXPECT_NE(loaded.document, nullptr) << name << ": " << error.location << ": " << error.message;
  return loaded;
}

using Strings = std::vector<std::string>;

TEST(Hl7Fixtures, EveryFixtureParses) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kFixtures)) {
    if (entry.path().extension() != ".hl7") continue;
    const bool needs_channel =
        entry.path().filename().string().find("no_msh18") != std::string::npos;
    const Loaded loaded = load(entry.path().filename().string(), needs_channel ? "GBK" : "");
    ASSERT_NE(loaded.document, nullptr);
    EXPECT_FALSE(loaded.message().header().control_id.empty());
    ++count;
  }
  EXPECT_EQ(count, 9u);  // the table in tests/fixtures/hl7v2/README.md
}

TEST(Hl7Fixtures, AdtA01Admission) {
  const Loaded a01 = load("adt_a01.hl7");
  ASSERT_NE(a01.document, nullptr);
  const Hl7Header& h = a01.message().header();
  EXPECT_EQ(h.message_type + "^" + h.trigger_event, "ADT^A01");
  EXPECT_EQ(h.control_id, "HIS20240912000001");
  EXPECT_EQ(h.sending_application, "HIS");
  EXPECT_EQ(h.sending_facility, "BJHD001^1.2.156.112604.1.2.1^ISO");
  EXPECT_TRUE(h.enhanced_ack_mode());
  EXPECT_EQ(a01.message().segment_count(), 11u);
  EXPECT_EQ(a01.all("PID-3[*].5"), (Strings{"MR", "NNCHN"}));
  EXPECT_EQ(a01.first("PID-19"), "11010519491231002X");
  EXPECT_EQ(a01.first("PID-8"), "F");
  EXPECT_EQ(a01.first("PID-11.3"), "北京市");
  EXPECT_EQ(a01.first("PID-28.2"), "中国");
  EXPECT_EQ(a01.first("NK1-3.2"), "配偶");
  EXPECT_EQ(a01.first("PV1-2"), "I");
  EXPECT_EQ(a01.first("PV1-18"), "职工医保");
  EXPECT_EQ(a01.first("PV1-19"), "V20240912001");
  EXPECT_EQ(a01.first("DG1-3.1"), "I20.0");
  EXPECT_EQ(a01.first("IN1-36"), "110105194912310020");
}

TEST(Hl7Fixtures, AdtA04OutpatientWithLfTerminators) {
  const Loaded a04 = load("adt_a04.hl7");
  ASSERT_NE(a04.document, nullptr);
  EXPECT_EQ(a04.message().header().trigger_event, "A04");
  EXPECT_FALSE(a04.message().header().enhanced_ack_mode());
  EXPECT_EQ(a04.message().segment_count(), 5u);
  EXPECT_EQ(a04.all("PID-3[*].1"),
            (Strings{"00020877", "110108201105062033", "G110108201105062033"}));
  EXPECT_EQ(a04.all("PID-3[*].4"), (Strings{"BJHD001", "&2.16.156.10011.1.3&ISO", "CMIS"}));
  EXPECT_EQ(a04.first("PID-5.2"), "王小明");
  EXPECT_EQ(a04.first("PV1-2"), "O");
  EXPECT_EQ(a04.first("PV1-3.9"), "儿科门诊");
}

TEST(Hl7Fixtures, AdtA08UpdateWithCrLfAndNull) {
  const Loaded a08 = load("adt_a08.hl7");
  ASSERT_NE(a08.document, nullptr);
  EXPECT_EQ(a08.message().header().trigger_event, "A08");
  EXPECT_EQ(a08.message().segment_count(), 4u);
  EXPECT_EQ(a08.all("PID-13"), Strings{""});  // "" clears the phone number
  EXPECT_EQ(a08.all("PID-5[*].7"), (Strings{"L", "A"}));
  EXPECT_EQ(a08.first("PID-11.1"), "中关村大街27号");
}

TEST(Hl7Fixtures, AdtA03Discharge) {
  const Loaded a03 = load("adt_a03.hl7");
  ASSERT_NE(a03.document, nullptr);
  EXPECT_EQ(a03.message().header().message_structure, "ADT_A03");
  EXPECT_EQ(a03.first("PV1-36.2"), "好转出院");
  EXPECT_EQ(a03.first("PV1-45"), "20240920090000");
  EXPECT_EQ(a03.first("DG1-6"), "F");
}

TEST(Hl7Fixtures, AdtA40Merge) {
  const Loaded a40 = load("adt_a40.hl7");
  ASSERT_NE(a40.document, nullptr);
  EXPECT_EQ(a40.message().header().trigger_event, "A40");
  EXPECT_EQ(a40.first("PID-3.1"), "00012345");
  EXPECT_EQ(a40.first("MRG-1.1"), "00099881");
  EXPECT_EQ(a40.first("MRG-7.2"), "张三");
}

TEST(Hl7Fixtures, OruR01GroupsResultsByOrder) {
  const Loaded oru = load("oru_r01.hl7");
  ASSERT_NE(oru.document, nullptr);
  EXPECT_EQ(oru.message().header().sending_application, "LIS");
  std::string error;
  const auto orders = hl7v2_format().compile_path("OBR[*]", error);
  const auto codes = hl7v2_format().compile_path("OBX-3.2", error);
  const auto flags = hl7v2_format().compile_path("OBX-8", error);
  ASSERT_NE(flags, nullptr);
  std::vector<std::string> groups;
  for (const Match& order : orders->select(*oru.document, nullptr)) {
    std::string group = order.location + ":";
    for (const Match& code : codes->select(*oru.document, &order)) group += " " + code.text;
    for (const Match& flag : flags->select(*oru.document, &order)) group += " " + flag.text;
    groups.push_back(group);
  }
  EXPECT_EQ(groups,
            (Strings{"OBR[1]: 白细胞计数 血红蛋白 血小板计数 N N L",
                     "OBR[2]: 丙氨酸氨基转移酶 天门冬氨酸氨基转移酶 N N", "OBR[3]: 尿颜色 尿pH"}));
}

TEST(Hl7Fixtures, Gb18030Admission) {
  const Loaded gb = load("adt_a01_gb18030.hl7");
  ASSERT_NE(gb.document, nullptr);
  EXPECT_EQ(gb.message().charset(), "GB18030");
  EXPECT_EQ(gb.first("PID-5.2"), "刘䶮");
  EXPECT_EQ(gb.first("PID-22.3"), "汉族");
  EXPECT_EQ(gb.first("PV1-3.9"), "儿科病区");
  EXPECT_EQ(gb.first("PID-19"), "440305201001013518");
}

}  // namespace
}  // namespace kq::formats
