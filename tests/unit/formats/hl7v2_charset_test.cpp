// Character sets of HL7 v2 messages (MSH-18 and the channel override), strict validation with
// the place of the first bad byte, and escape sequences, \Xhh..\ included.
#include <gtest/gtest.h>
#include <iconv.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "gateway/formats/hl7v2/format.hpp"

namespace kq::formats {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KQ_SOURCE_DIR) + "/tests/fixtures/hl7v2/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// UTF-8 test text in another character set, converted with iconv as a sender's system would.
std::string encode(std::string_view utf8, const char* charset) {
  iconv_t cd = iconv_open(charset, "UTF-8");
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1)) << charset;
  std::string out(utf8.size() * 4 + 8, '\0');
  char* in = const_cast<char*>(utf8.data());
  std::size_t in_left = utf8.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  EXPECT_NE(iconv(cd, &in, &in_left, &dst, &dst_left), static_cast<std::size_t>(-1)) << utf8;
  iconv_close(cd);
  out.resize(out.size() - dst_left);
  return out;
}

std::string message(std::string_view msh18, std::string_view pid5) {
  return "MSH|^~\\&|HIS|BJHD|KQ|BJ|20240101||ADT^A04|C1|P|2.4||||||" + std::string(msh18) +
         "\rPID|1||42||" + std::string(pid5) + "\r";
}

std::unique_ptr<Hl7Message> parse(std::string_view bytes, std::string_view charset = "") {
  ParseOptions options;
  options.charset = std::string(charset);
  ParseError error;
  auto m = Hl7Message::parse(bytes, options, error);
  EXPECT_NE(m, nullptr) << error.location << ": " << error.message;
  return m;
}

ParseError parse_error(std::string_view bytes, std::string_view charset = "") {
  ParseOptions options;
  options.charset = std::string(charset);
  ParseError error;
  EXPECT_EQ(Hl7Message::parse(bytes, options, error), nullptr);
  return error;
}

std::string pid(const Hl7Message& m, std::size_t field) { return m.decoded(m.raw_field(1, field)); }

TEST(Hl7Charset, ResolvesHl7AndVendorNames) {
  auto name = [](std::string_view declared) -> std::string {
    const auto charset = hl7v2::resolve_charset(declared);
    return charset ? charset->name : "-";
  };
  EXPECT_EQ(name("UNICODE UTF-8"), "UTF-8");
  EXPECT_EQ(name("utf8"), "UTF-8");
  EXPECT_EQ(name("GB 18030-2000"), "GB18030");
  EXPECT_EQ(name("gb18030"), "GB18030");
  EXPECT_EQ(name("GBK"), "GBK");
  EXPECT_EQ(name("GB2312"), "GBK");
  EXPECT_EQ(name("ASCII"), "ASCII");
  EXPECT_EQ(name("ISO IR6"), "ASCII");
  EXPECT_EQ(name("8859/1"), "ISO-8859-1");
  EXPECT_EQ(name("8859/15"), "ISO-8859-15");
  EXPECT_EQ(name("ISO IR100"), "ISO-8859-1");
  EXPECT_EQ(name("ISO_IR 192"), "UTF-8");
  EXPECT_EQ(name("BIG-5"), "BIG5");
  EXPECT_EQ(name("KS X 1001"), "EUC-KR");
  EXPECT_EQ(name("CNS 11643-1992"), "EUC-TW");
  EXPECT_EQ(name("UNICODE UTF-16"), "-");  // not splittable as bytes
  EXPECT_EQ(name("ISO IR87"), "-");        // ISO 2022 set switching
  EXPECT_EQ(name(""), "-");
}

TEST(Hl7Charset, FindsInvalidUtf8) {
  using hl7v2::find_invalid_utf8;
  constexpr auto npos = std::string_view::npos;
  EXPECT_EQ(find_invalid_utf8("ZHANG SAN^张三 𠀀 é"), npos);
  EXPECT_EQ(find_invalid_utf8("abcdefghij\x80"), 10u);        // lone continuation byte
  EXPECT_EQ(find_invalid_utf8("ab\xC0\xAF"), 2u);             // overlong '/'
  EXPECT_EQ(find_invalid_utf8("abc\xED\xA0\x80"), 3u);        // surrogate U+D800
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);       // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("张\xE4\xB8"), 3u);             // cut short at the end
  EXPECT_EQ(find_invalid_utf8("0123456789abcdef\xFF"), 16u);  // after the 8-byte fast path
}

TEST(Hl7Charset, Utf8DeclaredOrAssumed) {
  const auto declared = parse(message("UNICODE UTF-8", "ZHANG SAN^张三"));
  ASSERT_NE(declared, nullptr);
  EXPECT_EQ(pid(*declared, 5), "ZHANG SAN^张三");
  const auto assumed = parse(message("", "LI^李"));
  ASSERT_NE(assumed, nullptr);
  EXPECT_EQ(assumed->charset(), "UTF-8");
}

TEST(Hl7Charset, InvalidUtf8IsAnErrorNamingTheField) {
  const std::string text = message("UNICODE UTF-8", "ZHANG\xFF SAN");
  const ParseError error = parse_error(text);
  EXPECT_EQ(error.location, "PID-5");
  EXPECT_EQ(error.message, "bytes not valid in UNICODE UTF-8 (MSH-18) at byte " +
                               std::to_string(text.find('\xFF')) + " (segment 2): \\xFF SA");
}

TEST(Hl7Charset, ByteOffsetsCountWhatWasSkippedBeforeMsh) {
  const std::string text = "\xEF\xBB\xBF\r\n" + message("", "LI\xFF");
  const ParseError error = parse_error(text);
  EXPECT_EQ(error.location, "PID-5");
  EXPECT_EQ(error.message,
            "bytes not valid in UTF-8, assumed because neither MSH-18 nor the channel names a "
            "character set at byte " +
                std::to_string(text.find('\xFF')) + " (segment 2): \\xFF\\x0D");
}

TEST(Hl7Charset, Gb18030FromMsh18) {
  const auto m = parse(fixture("adt_a01_gb18030.hl7"));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->charset(), "GB18030");
  EXPECT_EQ(m->header().character_set, "GB 18030-2000");
  EXPECT_EQ(m->decoded(m->raw_field(2, 5)), "LIU YAN^刘䶮");  // U+4DAE: GB 18030, not GBK
  EXPECT_EQ(m->decoded(m->raw_field(2, 11)), "南山大道1088号^^深圳市^广东省^518052^CHN^H^^440305");
}

TEST(Hl7Charset, Gb18030BytesReadAsUtf8AreRefused) {
  const std::string bytes = fixture("adt_a01_gb18030.hl7");
  const ParseError error = parse_error(bytes, "UTF-8");
  const std::size_t bad = bytes.find("\xC1\xF5");  // 刘
  ASSERT_NE(bad, std::string::npos);
  EXPECT_EQ(error.location, "PID-5");
  EXPECT_EQ(error.message, "bytes not valid in the channel's character set UTF-8 at byte " +
                               std::to_string(bad) + " (segment 3): \\xC1\\xF5\\xFE\\x9F");
}

TEST(Hl7Charset, InvalidGb18030IsAnErrorNamingTheField) {
  std::string bytes = fixture("adt_a01_gb18030.hl7");
  const std::size_t bad = bytes.find("\xC1\xF5");
  ASSERT_NE(bad, std::string::npos);
  bytes[bad + 1] = ' ';  // a lead byte followed by a space is no GB 18030 character
  const ParseError error = parse_error(bytes);
  EXPECT_EQ(error.location, "PID-5");
  EXPECT_EQ(error.message, "bytes not valid in GB 18030-2000 (MSH-18) at byte " +
                               std::to_string(bad) + " (segment 3): \\xC1 \\xFE\\x9F");
  // A lead byte cut off by the end of the message.
  const std::string cut = message("GB18030", "LIU^") + "NTE|1||\x81";
  const ParseError truncated = parse_error(cut);
  EXPECT_EQ(truncated.location, "NTE-3");
  EXPECT_EQ(truncated.message, "bytes not valid in GB18030 (MSH-18) at byte " +
                                   std::to_string(cut.size() - 1) + " (segment 3): \\x81");
}

TEST(Hl7Charset, GbkWithoutMsh18NeedsTheChannelCharset) {
  const std::string bytes = fixture("adt_a04_gbk_no_msh18.hl7");
  const ParseError error = parse_error(bytes);
  EXPECT_EQ(error.location, "MSH-4");
  EXPECT_EQ(error.message,
            "bytes not valid in UTF-8, assumed because neither MSH-18 nor the channel names a "
            "character set at byte 13 (segment 1): \\x8FV\\x96|");
  for (std::string_view channel : {"GBK", "GB18030", "gb2312"}) {
    const auto m = parse(bytes, channel);
    ASSERT_NE(m, nullptr) << channel;
    // 廣東 and 王瑋 have second bytes equal to '|': split after transcoding, they stay whole.
    EXPECT_EQ(m->header().sending_facility, "廣東省人民醫院");
    EXPECT_EQ(m->decoded(m->raw_field(2, 5)), "WANG WEI^王瑋");
    EXPECT_EQ(m->decoded(m->raw_field(2, 19)), "310115198507204424");
    EXPECT_EQ(m->field_count(2), 19u);
  }
}

TEST(Hl7Charset, Msh18IsFoundPastDoubleByteTextInMsh) {
  // MSH-4 holds 東 (0x96 0x7C): a plain byte scan would count one field too many and miss MSH-18.
  const std::string bytes = encode(
      "MSH|^~\\&|HIS|廣東省人民醫院|KQ|BJ|20240101||ADT^A04|C1|P|2.4||||||GBK\rPID|1||42||WANG "
      "WEI^王瑋\r",
      "GBK");
  const auto m = parse(bytes);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->charset(), "GBK");
  EXPECT_EQ(m->header().character_set, "GBK");
  EXPECT_EQ(pid(*m, 5), "WANG WEI^王瑋");
}

TEST(Hl7Charset, ChannelCharsetWinsOverMsh18) {
  // A sender that labels GBK bytes as UTF-8: the channel's operator knows better.
  const std::string bytes = encode(message("UNICODE UTF-8", "ZHANG SAN^张三"), "GBK");
  EXPECT_EQ(parse_error(bytes).location, "PID-5");
  const auto m = parse(bytes, "GBK");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(pid(*m, 5), "ZHANG SAN^张三");
  EXPECT_EQ(m->header().character_set, "UNICODE UTF-8");  // as declared
  EXPECT_EQ(m->charset(), "GBK");                         // as used
}

TEST(Hl7Charset, OtherSetsAndAscii) {
  const auto latin = parse(message("8859/1", "M\xDCLLER^J\xC9R\xD4ME"));
  ASSERT_NE(latin, nullptr);
  EXPECT_EQ(pid(*latin, 5), "MÜLLER^JÉRÔME");
  const auto big5 = parse(encode(message("BIG-5", "CHEN^許功"), "BIG5"));  // second bytes 0x5C
  ASSERT_NE(big5, nullptr);
  EXPECT_EQ(pid(*big5, 5), "CHEN^許功");
  const ParseError ascii = parse_error(message("ASCII", "LI^李"));
  EXPECT_EQ(ascii.location, "PID-5");
  EXPECT_EQ(ascii.message.substr(0, 30), "bytes not valid in ASCII (MSH-");
}

TEST(Hl7Charset, UnsupportedCharsets) {
  const ParseError declared = parse_error(message("UNICODE UTF-16", "LI"));
  EXPECT_EQ(declared.location, "MSH-18");
  EXPECT_EQ(declared.message, "unsupported character set 'UNICODE UTF-16'");
  const ParseError channel = parse_error(message("", "LI"), "EBCDIC");
  EXPECT_EQ(channel.location, "charset");
  EXPECT_EQ(channel.message, "unsupported character set 'EBCDIC' configured for the channel");
}

TEST(Hl7Escapes, DecodesSeparatorsLineBreaksAndHex) {
  const auto m = parse(message("", "A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F\\.br\\G"));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(pid(*m, 5), "A|B^C&D~E\\F\nG");
  const auto hex = parse(message("", "\\XE5BCA0\\\\X0D0A\\x\\Xe4b889\\"));
  ASSERT_NE(hex, nullptr);
  EXPECT_EQ(pid(*hex, 5), "张\r\nx三");
}

TEST(Hl7Escapes, KeepsUnknownAndBrokenEscapesVerbatim) {
  const std::string kept = "\\H\\bold\\N\\ \\Zabc\\ \\XZZ\\ \\XABC\\ \\XFF\\ \\Cxxyy\\ tail\\F";
  const auto m = parse(message("", kept));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(pid(*m, 5), kept);
  const auto p = parse(message("", "\\P\\"));  // no truncation character declared
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(pid(*p, 5), "\\P\\");
}

TEST(Hl7Escapes, HexIsReadInTheMessageCharset) {
  // \XD5C5\ is 张 in GBK; the rest of the message is ASCII, so it needs no transcoding.
  const auto m = parse(message("GBK", "ZHANG^\\XD5C5\\"));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(pid(*m, 5), "ZHANG^张");
  const auto invalid = parse(message("GBK", "\\XFF\\"));
  ASSERT_NE(invalid, nullptr);
  EXPECT_EQ(pid(*invalid, 5), "\\XFF\\");
}

}  // namespace
}  // namespace kq::formats
