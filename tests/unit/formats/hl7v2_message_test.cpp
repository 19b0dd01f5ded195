// HL7 v2 message structure: segments, fields, separators taken from MSH, the header, and the
// exact error for every kind of malformed message.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "gateway/formats/hl7v2/format.hpp"

namespace kq::formats {
namespace {

constexpr std::string_view kMsh =
    "MSH|^~\\&|HIS|BJHD001|KANGQIAO|BJ-HEALTH|20240912103015+0800||ADT^A01^ADT_A01|MSG0001|P|2.4";

std::string join(const std::vector<std::string_view>& segments,
                 std::string_view terminator = "\r") {
  std::string out;
  for (std::string_view s : segments) {
    out += s;
    out += terminator;
  }
  return out;
}

std::unique_ptr<Hl7Message> parse(std::string_view bytes, const ParseOptions& options = {}) {
  ParseError error;
  auto message = Hl7Message::parse(bytes, options, error);
  EXPECT_NE(message, nullptr) << error.location << ": " << error.message;
  return message;
}

ParseError parse_error(std::string_view bytes, const ParseOptions& options = {}) {
  ParseError error;
  EXPECT_EQ(Hl7Message::parse(bytes, options, error), nullptr) << "parsed: " << bytes;
  return error;
}

void expect_error(std::string_view bytes, std::string_view location, std::string_view message) {
  const ParseError error = parse_error(bytes);
  EXPECT_EQ(error.location, location) << bytes;
  EXPECT_EQ(error.message, message) << bytes;
}

TEST(Hl7Message, SplitsSegmentsAndFieldsWithMshShiftedByOne) {
  const auto m =
      parse(join({kMsh, "EVN|A01|20240912103000", "PID|1||00012345^^^BJHD001^MR||ZHANG SAN^张三"}));
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->segment_count(), 3u);
  EXPECT_EQ(m->segment_name(0), "MSH");
  EXPECT_EQ(m->segment_name(2), "PID");
  EXPECT_EQ(m->segment_text(1), "EVN|A01|20240912103000");
  EXPECT_EQ(m->raw_field(0, 1), "|");  // MSH-1 is the separator itself
  EXPECT_EQ(m->raw_field(0, 2), "^~\\&");
  EXPECT_EQ(m->raw_field(0, 3), "HIS");
  EXPECT_EQ(m->raw_field(0, 10), "MSG0001");
  EXPECT_EQ(m->field_count(0), 12u);
  EXPECT_EQ(m->raw_field(2, 1), "1");
  EXPECT_EQ(m->raw_field(2, 2), "");
  EXPECT_EQ(m->raw_field(2, 5), "ZHANG SAN^张三");
  EXPECT_EQ(m->raw_field(2, 6), "");  // absent reads like empty
  EXPECT_EQ(m->field_count(2), 5u);
  EXPECT_EQ(m->format(), "hl7v2");
}

TEST(Hl7Message, AcceptsCrLfAndCrLfTerminatorsBlankLinesAndBom) {
  const std::vector<std::string_view> segments{kMsh, "EVN|A01", "PID|1||42"};
  for (std::string_view terminator : {"\r", "\n", "\r\n", "\n\n"}) {
    const auto m = parse(join(segments, terminator));
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(m->segment_count(), 3u) << "terminator size " << terminator.size();
    EXPECT_EQ(m->segment_text(2), "PID|1||42");
  }
  const auto with_bom = parse("\xEF\xBB\xBF\r\n" + join(segments));
  ASSERT_NE(with_bom, nullptr);
  EXPECT_EQ(with_bom->segment_count(), 3u);
  const auto unterminated = parse(std::string(kMsh) + "\rPID|1||42");
  ASSERT_NE(unterminated, nullptr);
  EXPECT_EQ(unterminated->raw_field(1, 3), "42");
}

TEST(Hl7Message, ReadsTheHeaderFromMsh) {
  const auto m = parse(
      join({"MSH|^~\\&|HIS^1.2.3^ISO|BJHD001|KANGQIAO|BJ-HEALTH|20240912103015+0800^S||"
            "ADT^A01^ADT_A01|MSG\\F\\0001|P^T|2.4^CHN|||AL|NE||UNICODE UTF-8~GB 18030-2000"}));
  ASSERT_NE(m, nullptr);
  const Hl7Header& h = m->header();
  EXPECT_EQ(h.sending_application, "HIS^1.2.3^ISO");
  EXPECT_EQ(h.sending_facility, "BJHD001");
  EXPECT_EQ(h.receiving_application, "KANGQIAO");
  EXPECT_EQ(h.receiving_facility, "BJ-HEALTH");
  EXPECT_EQ(h.date_time, "20240912103015+0800");
  EXPECT_EQ(h.message_type, "ADT");
  EXPECT_EQ(h.trigger_event, "A01");
  EXPECT_EQ(h.message_structure, "ADT_A01");
  EXPECT_EQ(h.control_id, "MSG|0001");  // escapes resolved
  EXPECT_EQ(h.processing_id, "P");
  EXPECT_EQ(h.version, "2.4");
  EXPECT_EQ(h.accept_ack_type, "AL");
  EXPECT_EQ(h.application_ack_type, "NE");
  EXPECT_EQ(h.character_set, "UNICODE UTF-8");
  EXPECT_TRUE(h.enhanced_ack_mode());
  EXPECT_EQ(m->charset(), "UTF-8");
}

TEST(Hl7Message, ParseHeaderReadsMshAloneAsParseDoes) {
  const std::string msh =
      "MSH|^~\\&|HIS|BJHD001|KANGQIAO|BJ-HEALTH|20240912103015+0800||ADT^A01^ADT_A01|MSG\\F\\7|P|"
      "2.4|||AL|NE";
  // A BOM and blank lines before MSH, LF endings, and a later segment parse() would refuse.
  const std::string bytes = "\xEF\xBB\xBF\n\n" + msh + "\nPID|1||10007838\nZ|broken\n";
  EXPECT_EQ(parse_error(bytes).location, "segment 3");
  ParseError error;
  const auto header_only = Hl7Message::parse_header(bytes, {}, error);
  ASSERT_NE(header_only, nullptr) << error.location << ": " << error.message;
  const auto full = parse(join({msh, "PID|1||10007838"}));
  ASSERT_NE(full, nullptr);
  EXPECT_EQ(header_only->header().control_id, "MSG|7");
  EXPECT_EQ(header_only->header().sending_facility, full->header().sending_facility);
  EXPECT_EQ(header_only->header().date_time, full->header().date_time);
  EXPECT_TRUE(header_only->header().enhanced_ack_mode());
  EXPECT_EQ(header_only->segment_count(), 1u);
  // GB 18030: the cut at the end of MSH cannot fall inside a character (no trail byte is CR
  // or LF), and the header reads as the full parse's. 北京 is B1 B1 BE A9 in GB 18030.
  ParseOptions gb;
  gb.charset = "GB18030";
  const std::string gb_msh = "MSH|^~\\&|HIS|\xB1\xB1\xBE\xA9|K|B|20240912||ADT^A01|G1|P|2.4";
  const std::string gb_bytes = gb_msh + "\rPID|1||1^^^\xB1\xB1\xBE\xA9\r";
  const auto gb_header = Hl7Message::parse_header(gb_bytes, gb, error);
  ASSERT_NE(gb_header, nullptr) << error.location << ": " << error.message;
  const auto gb_full = Hl7Message::parse(gb_bytes, gb, error);
  ASSERT_NE(gb_full, nullptr) << error.location << ": " << error.message;
  EXPECT_EQ(gb_header->header().sending_facility, "北京");
  EXPECT_EQ(gb_header->header().sending_facility, gb_full->header().sending_facility);
  // What is wrong with MSH itself is still found.
  EXPECT_EQ(Hl7Message::parse_header("MSH", {}, error), nullptr);
  EXPECT_EQ(error.location, "MSH-1");
}

TEST(Hl7Message, OriginalAckModeWhenMsh15And16AreEmpty) {
  const auto m = parse(join({kMsh}));
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->header().enhanced_ack_mode());
  EXPECT_EQ(m->header().character_set, "");
}

TEST(Hl7Message, TakesAnySeparatorsFromMsh) {
  // field '#', component '@', repetition '*', escape '!', subcomponent '$'
  const auto m = parse(join({"MSH#@*!$#HIS#BJHD001#####ADT@A08#CTRL!F!7#P#2.5",
                             "PID#1##A1@@@H$1.2@MR*B2@@@H@NI##LI@李!S!四"}));
  ASSERT_NE(m, nullptr);
  const Hl7Separators& s = m->separators();
  EXPECT_EQ(s.field, '#');
  EXPECT_EQ(s.component, '@');
  EXPECT_EQ(s.repetition, '*');
  EXPECT_EQ(s.escape, '!');
  EXPECT_EQ(s.subcomponent, '$');
  EXPECT_EQ(s.truncation, '\0');
  EXPECT_EQ(m->header().trigger_event, "A08");
  EXPECT_EQ(m->header().control_id, "CTRL#7");
  EXPECT_EQ(m->raw_field(0, 1), "#");
  EXPECT_EQ(m->raw_field(0, 2), "@*!$");
  EXPECT_EQ(m->decoded(m->raw_field(1, 5)), "LI@李@四");
}

TEST(Hl7Message, AcceptsTheV27TruncationCharacter) {
  const auto m =
      parse(join({"MSH|^~\\&#|HIS|F|R|F|20240101||ADT^A01|C1|P|2.7", "NTE|1||long text\\P\\"}));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->separators().truncation, '#');
  EXPECT_EQ(m->raw_field(0, 2), "^~\\&#");
  EXPECT_EQ(m->decoded(m->raw_field(1, 3)), "long text#");
  EXPECT_EQ(m->header().sending_application, "HIS");
}

TEST(Hl7Message, CountsSegmentOccurrences) {
  const auto m = parse(join({kMsh, "OBR|1", "OBX|1", "OBX|2", "OBR|2", "OBX|3"}));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->occurrence(2), 1u);
  EXPECT_EQ(m->occurrence(5), 3u);
  EXPECT_EQ(m->occurrences(5), 3u);
  EXPECT_EQ(m->occurrence(4), 2u);
  EXPECT_EQ(m->occurrences(1), 2u);
  EXPECT_EQ(m->occurrences(0), 1u);
}

TEST(Hl7Message, CountsOccurrencesOfManyDistinctSegmentNames) {
  // More distinct names than the small table holds: the sorting fallback must agree.
  std::string text = join({kMsh});
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 40; ++i) {
      text += "Z" + std::to_string(10 + i) + "|" + std::to_string(round) + "\r";
    }
  }
  const auto m = parse(text);
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->segment_count(), 121u);
  EXPECT_EQ(m->segment_name(1), "Z10");
  EXPECT_EQ(m->occurrence(1), 1u);
  EXPECT_EQ(m->occurrence(81), 3u);  // third round, Z10 again
  EXPECT_EQ(m->segment_name(81), "Z10");
  EXPECT_EQ(m->occurrences(40), 3u);
  EXPECT_EQ(m->occurrences(0), 1u);
}

// The index scans 16 bytes at a time: shift every separator, line end and multi-byte
// character across block boundaries and compare with a plain split of the same text.
TEST(Hl7Message, IndexMatchesAPlainSplitAtEveryAlignment) {
  for (std::size_t pad = 0; pad < 40; ++pad) {
    const std::string text = join({kMsh, "NTE|1||" + std::string(pad, 'x') + "张三|李四~王五|𠀀é",
                                   "", "", "ZZ1|" + std::string(pad % 7, '^') + "|赵|"},
                                  pad % 2 == 0 ? "\r" : "\r\n");
    const auto m = parse(text);
    ASSERT_NE(m, nullptr) << "pad " << pad;
    std::vector<std::string> expected;  // every segment, then every field of it
    std::string segment;
    for (char c : text + "\r") {
      if (c != '\r' && c != '\n') {
        segment += c;
      } else if (!segment.empty()) {
        expected.push_back(segment);
        segment.clear();
      }
    }
    ASSERT_EQ(m->segment_count(), expected.size()) << "pad " << pad;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(m->segment_text(i), expected[i]) << "pad " << pad;
      std::size_t number = i == 0 ? 2 : 1, begin = expected[i].find('|') + 1;
      if (i == 0) begin = 4;
      while (begin <= expected[i].size()) {
        const std::size_t end = std::min(expected[i].find('|', begin), expected[i].size());
        EXPECT_EQ(m->raw_field(i, number), expected[i].substr(begin, end - begin))
            << "pad " << pad << " segment " << i << " field " << number;
        begin = end + 1;
        ++number;
      }
      EXPECT_EQ(m->field_count(i), number - 1) << "pad " << pad << " segment " << i;
    }
    EXPECT_FALSE(m->field(1, 3).has_repetitions);
    EXPECT_TRUE(m->field(1, 4).has_repetitions);  // 李四~王五
  }
}

TEST(Hl7Message, EscapeValueIsTheInverseOfDecoding) {
  Hl7Separators separators;
  const std::string hostile = "A|B^C~D\\E&F\rMSA|AA\nG";
  const std::string escaped = hl7v2::escape_value(hostile, separators);
  EXPECT_EQ(escaped, "A\\F\\B\\S\\C\\R\\D\\E\\E\\T\\F\\X0D\\MSA\\F\\AA\\X0A\\G");
  const auto m = parse(join({kMsh, "NTE|1||" + escaped}));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->segment_count(), 2u);  // the CR inside did not start a segment
  EXPECT_EQ(m->decoded(m->raw_field(1, 3)), hostile);
}

// Malformed input: each gets one precise error.

TEST(Hl7MessageErrors, EmptyInput) {
  expect_error("", "segment 1", "message is empty");
  expect_error("\r\n\r", "segment 1", "message is empty");
  expect_error("\xEF\xBB\xBF", "segment 1", "message is empty");
}

TEST(Hl7MessageErrors, NotStartingWithMsh) {
  expect_error("EVN|A01|20240912\rPID|1\r", "segment 1",
               "message must start with an MSH segment, found 'EVN'");
  expect_error("msh|^~\\&|HIS\r", "segment 1",
               "message must start with an MSH segment, found 'msh'");
  expect_error(" MSH|^~\\&|HIS\r", "segment 1",
               "message must start with an MSH segment, found ' MS'");
}

TEST(Hl7MessageErrors, BinaryGarbage) {
  expect_error(std::string_view("\x00\xFF\x13\x37\x80\x0B", 6), "segment 1",
               "message must start with an MSH segment, found '\\x00\\xFF\\x13'");
  expect_error(std::string_view("MSH\x00\xFF\x13", 6), "MSH-1",
               "field separator must be a printable ASCII character other than a letter, digit or "
               "space, found byte 0x00");
}

TEST(Hl7MessageErrors, BadFieldSeparator) {
  expect_error("MSH", "MSH-1", "MSH segment ends before its field separator (MSH-1)");
  expect_error("MSH\rPID|1", "MSH-1", "MSH segment ends before its field separator (MSH-1)");
  expect_error("MSHA^~\\&A", "MSH-1",
               "field separator must be a printable ASCII character other than a letter, digit or "
               "space, found 'A'");
  expect_error("MSH ^~\\& ", "MSH-1",
               "field separator must be a printable ASCII character other than a letter, digit or "
               "space, found byte 0x20");
}

TEST(Hl7MessageErrors, BadEncodingCharacters) {
  const std::string_view count_rule =
      "encoding characters must be 4 or 5 characters (component, repetition, escape, "
      "subcomponent, optional truncation), found ";
  expect_error("MSH|^~|HIS|F", "MSH-2", std::string(count_rule) + "2: '^~'");
  expect_error("MSH||HIS|F", "MSH-2", std::string(count_rule) + "0");
  expect_error("MSH|^~\\&#$|HIS", "MSH-2", std::string(count_rule) + "6: '^~\\&#$'");
  expect_error("MSH|^~\\A|HIS", "MSH-2",
               "subcomponent character must be a printable ASCII character other than a letter, "
               "digit or space, found 'A'");
  expect_error("MSH|^~\\^|HIS", "MSH-2",
               "encoding characters must differ from each other and from the field separator, but "
               "'^' appears twice in '|^~\\^'");
}

TEST(Hl7MessageErrors, TruncatedMsh) {
  expect_error("MSH|^~\\&", "MSH-3",
               "MSH segment is too short: it ends after MSH-2, but MSH-9 to MSH-12 are required");
  expect_error("MSH|^~\\&|HIS|BJ\rPID|1", "MSH-5",
               "MSH segment is too short: it ends after MSH-4, but MSH-9 to MSH-12 are required");
}

TEST(Hl7MessageErrors, EmptyRequiredHeaderFields) {
  expect_error("MSH|^~\\&|HIS|F|R|F|20240101||^A01|C1|P|2.4", "MSH-9",
               "message type (MSH-9.1) is empty");
  expect_error("MSH|^~\\&|HIS|F|R|F|20240101||ADT^A01||P|2.4", "MSH-10",
               "message control ID (MSH-10) is empty");
  expect_error("MSH|^~\\&|HIS|F|R|F|20240101||ADT^A01|\"\"|P|2.4", "MSH-10",
               "message control ID (MSH-10) is empty");
  expect_error("MSH|^~\\&|HIS|F|R|F|20240101||ADT^A01|C1||2.4", "MSH-11",
               "processing ID (MSH-11.1) is empty");
  expect_error("MSH|^~\\&|HIS|F|R|F|20240101||ADT^A01|C1|P|", "MSH-12",
               "version ID (MSH-12.1) is empty");
}

TEST(Hl7MessageErrors, MalformedSegmentNames) {
  const std::string msh = join({kMsh});
  expect_error(msh + "EVN|A01\rPI|1\r", "segment 3",
               "segment name must be 3 upper-case letters or digits: 'PI'");
  expect_error(msh + "pid|1\r", "segment 2",
               "segment name must be 3 upper-case letters or digits: 'pid'");
  expect_error(msh + "PIDX|1\r", "segment 2",
               "segment name must be 3 upper-case letters or digits: 'PIDX'");
  expect_error(msh + "|1|2\r", "segment 2",
               "segment name must be 3 upper-case letters or digits: ''");
  expect_error(msh + std::string("\x01\x02\x7F|", 4), "segment 2",
               "segment name must be 3 upper-case letters or digits: '\\x01\\x02\\x7F'");
}

TEST(Hl7MessageErrors, SecondMshIsAnotherMessage) {
  expect_error(join({kMsh, "PID|1", kMsh, "PID|2"}), "segment 3",
               "a second MSH segment starts another message; send one message per payload");
}

TEST(Hl7MessageErrors, OverMaxBytes) {
  ParseOptions options;
  options.max_bytes = 100;
  const std::string text = join({kMsh, "PID|1||" + std::string(100, '1')});
  const ParseError error = parse_error(text, options);
  EXPECT_EQ(error.location, "byte 100");
  EXPECT_EQ(error.message,
            "message is " + std::to_string(text.size()) + " bytes, over the limit of 100");
  options.max_bytes = text.size();
  EXPECT_NE(parse(text, options), nullptr);  // exactly at the limit is fine
}

TEST(Hl7MessageErrors, FormatReportsTheSameErrors) {
  ParseError error;
  EXPECT_EQ(hl7v2_format().parse("PID|1", ParseOptions{}, error), nullptr);
  EXPECT_EQ(error.location, "segment 1");
  EXPECT_EQ(error.message, "message must start with an MSH segment, found 'PID'");
  EXPECT_EQ(hl7v2_format().name(), "hl7v2");
}

}  // namespace
}  // namespace kq::formats
