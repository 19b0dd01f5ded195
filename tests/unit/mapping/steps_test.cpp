// Steps and their building blocks: date patterns, units, text steps, conversions.
#include "gateway/mapping/runtime/date_pattern.hpp"
#include "gateway/mapping/runtime/units.hpp"
#include "tests/unit/mapping/mapping_test_support.hpp"

namespace kq::mapping::testing {
namespace {

using detail::DateFields;
using detail::DatePattern;

TEST(DatePattern, ReadsTheLayoutsSendersUse) {
  std::string error;
  auto chinese = DatePattern::compile("yyyy年M月d日", error);
  ASSERT_TRUE(chinese) << error;
  DateFields f;
  ASSERT_TRUE(chinese->parse("2012年3月15日", f, error)) << error;
  EXPECT_EQ(f.year, 2012);
  EXPECT_EQ(f.month, 3);
  EXPECT_EQ(f.day, 15);
  auto stamp = DatePattern::compile("yyyy-MM-dd'T'HH:mm:ss.SSSZ", error);
  ASSERT_TRUE(stamp) << error;
  ASSERT_TRUE(stamp->parse("2024-03-05T08:30:15.5+08:00", f, error)) << error;
  EXPECT_EQ(f.millisecond, 500);
  EXPECT_EQ(f.offset_minutes, 480);
  EXPECT_FALSE(stamp->parse("2024-03-05 08:30:15.5+08:00", f, error));
  EXPECT_NE(error.find("expected 'T' at character 11"), std::string::npos) << error;
}

TEST(DatePattern, RefusesPatternsThatCannotBeMeant) {
  std::string error;
  EXPECT_FALSE(DatePattern::compile("MM/dd", error));
  EXPECT_NE(error.find("has no year"), std::string::npos);
  EXPECT_FALSE(DatePattern::compile("yyyy-mm-dd", error));  // minutes where months were meant
  EXPECT_NE(error.find("months are MM"), std::string::npos) << error;
  EXPECT_FALSE(DatePattern::compile("yyyyMMddTHH", error));
  EXPECT_NE(error.find("'T'"), std::string::npos) << error;
}

TEST(Units, ConvertWithinADimension) {
  const auto* mm = detail::find_unit("mm");
  const auto* cm = detail::find_unit("cm");
  const auto* jin = detail::find_unit("斤");
  const auto* kg = detail::find_unit("kg");
  ASSERT_TRUE(mm && cm && jin && kg);
  EXPECT_DOUBLE_EQ(1452 * mm->to_base / cm->to_base, 145.2);
  EXPECT_DOUBLE_EQ(90 * jin->to_base / kg->to_base, 45);
  EXPECT_EQ(detail::find_unit("inch"), nullptr);
}

// A one-field mapping over the toy format: the field's value after the given steps.
class StepTest : public MappingTest {
 protected:
  std::string run(const std::string& steps, const std::string& input, std::string target = "location_text") {
    auto mapping = compile("mapping: t\nversion: \"1\"\nsource: {format: toy}\nrecords:\n  c:\n    kind: encounter\n"
                           "    fields:\n      encounter_class: outpatient\n      " +
                           target + ": {from: A, then: " + steps + "}\n");
    const MapResult result = map(*mapping, "A=" + input + "\n");
    if (!result.ok()) return "error: " + result.errors.front().message;
    if (result.records.empty()) return "(none)";  // the only field from the document had no value
    const auto* v = body(result, 0).if_contains(target.substr(0, target.find('.')));
    if (!v) return "(none)";
    if (target.find('.') != std::string::npos) v = v->as_object().if_contains(target.substr(target.find('.') + 1));
    return v->is_string() ? std::string(v->as_string()) : boost::json::serialize(*v);
  }
};

TEST_F(StepTest, TextSteps) {
  EXPECT_EQ(run("[trim]", "\xE3\x80\x80 张三 \xE3\x80\x80"), "张三");
  EXPECT_EQ(run("[upper]", "zhang 三"), "ZHANG 三");
  EXPECT_EQ(run("[{substring: [1, 2]}]", "欧阳娜娜"), "阳娜");
  EXPECT_EQ(run("[{component: 4}]", "123^^^H001^MR"), "H001");
  EXPECT_EQ(run("[{component: [2, \"-\"]}]", "a-b-c"), "b");
  EXPECT_EQ(run("[{component: 3}]", "a^b"), "(none)");
  EXPECT_EQ(run("[{extract: \"([0-9]+)cm\"}]", "身高172cm"), "172");
  EXPECT_EQ(run("[{replace: {pattern: \"[- ]\", with: \"\"}}]", "010-6600 0000"), "01066000000");
  EXPECT_EQ(run("[{default: 未知}]", ""), "未知");
}

TEST_F(StepTest, NumbersAndDates) {
  EXPECT_EQ(run("[number, {round: 1}]", " 172.46 "), "172.5");
  EXPECT_EQ(run("[number, {multiply: 0.1}]", "50"), "5");
  EXPECT_EQ(run("[number, {convert: {from: 斤, to: kg}}]", "90"), "45");
  EXPECT_EQ(run("[integer]", "3.5"), "error: 3.5 is not a whole number");
  EXPECT_EQ(run("[number]", "1,234"), "error: '1,234' is not a number");
  EXPECT_EQ(run("[number, {range: [0, ~]}]", "-1"), "error: -1 is out of range, expected at least 0");
  EXPECT_EQ(run("[{date: yyyy年M月d日}]", "2012年3月5日"), "2012-03-05");
  EXPECT_EQ(run("[date]", "194912310000"), "1949-12-31");
  EXPECT_EQ(run("[{date: yyyyMM}]", "201403"), "2014-03");
  EXPECT_EQ(run("[{datetime: {format: \"yyyy/MM/dd HH:mm\", timezone: \"+09:00\"}}]", "2024/03/05 08:30"),
            "2024-03-05T08:30+09:00");
  EXPECT_EQ(run("[datetime]", "20240305083000+0000"), "2024-03-05T08:30:00Z");
  EXPECT_EQ(run("[{date: yyyyMMdd}]", "20240230").substr(0, 18), "error: '20240230' ");
}

TEST_F(StepTest, ExcelDaySerials) {
  // Excel's 1900 date system: 45617 is 2024-11-21 (the day a roster's CSV export shows as 45617).
  EXPECT_EQ(run("[{date: excel}]", "45617"), "2024-11-21");
  EXPECT_EQ(run("[{date: excel}]", "40000.75"), "2009-07-06");  // the time of day is dropped
  EXPECT_EQ(run("[number, {date: excel}]", "61"), "1900-03-01");
  EXPECT_EQ(run("[{date: excel}]", "2958465"), "9999-12-31");
  // Before March 1900 Excel counts a 29 February that never was: refused, not shifted.
  EXPECT_EQ(run("[{date: excel}]", "60"),
            "error: '60' is not an Excel date serial from 61 (1900-03-01) to 2958465 (9999-12-31)");
  EXPECT_EQ(run("[{date: excel}]", "2024-11-21").substr(0, 19), "error: '2024-11-21'");
  EXPECT_EQ(run("[{date: excel}]", "45617 ").substr(0, 7), "error: ");
}

TEST_F(StepTest, ChecksAndLookups) {
  EXPECT_EQ(run("[{one_of: [a, b]}]", "c"), "error: 'c' is not one of a, b");
  EXPECT_EQ(run("[{pattern: \"^[0-9]{1,2}班$\"}]", "3班"), "3班");
  EXPECT_EQ(run("[{pattern: \"^[0-9]{1,2}班$\"}]", "三班"), "error: '三班' does not match the pattern ^[0-9]{1,2}班$");
  EXPECT_EQ(run("[resident_id]", "110105491231002"), "11010519491231002X");  // 15 digits upgraded
  EXPECT_EQ(run("[{lookup: {set: sex, unknown: keep}}]", "X"), "X");
  EXPECT_EQ(run("[{lookup: {set: sex, unknown: drop}}]", "X"), "(none)");
  EXPECT_EQ(run("[{lookup: {codes: {A: x}, unknown: default, default: z}}]", "B"), "z");
  EXPECT_EQ(run("[{lookup: sex}]", "M"), "1");
  // The test table does not ignore case (codes/gbt2261_1_sex.yaml does).
  EXPECT_EQ(run("[{lookup: sex}]", "m").substr(0, 36), "error: 'm' is not in value set sex (");
}

TEST_F(MappingTest, PathWrittenAsConstantIsCaught) {
  ScratchDir other;
  CompileOptions o = options();
  o.formats = [](std::string_view name) -> const formats::Format* {
    return name == "json" ? &toy_format() : nullptr;  // any format called json will do
  };
  try {
    (void)compile_mapping_from_string("mapping: t\nversion: \"1\"\nsource: {format: json}\nrecords:\n  p:\n"
                                      "    kind: person\n    fields:\n      name.text: /patient/name\n",
                                      "t.yaml", o);
    FAIL() << "compiled";
  } catch (const config::ConfigErrors& e) {
    ASSERT_EQ(e.errors().size(), 1u);
    EXPECT_NE(e.errors()[0].message.find("looks like a path but is written as a constant"), std::string::npos);
  }
}

}  // namespace
}  // namespace kq::mapping::testing
