// libFuzzer target: arbitrary text as an HL7 v2 path (what a mapping file may hold). A path
// either compiles or is refused with a reason; one that compiles is selected from a fixed ORU
// message, from the whole message and inside every segment as a scope, and its matches must
// name a location that starts with the path's segment name.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/formats/hl7v2/format.hpp"

namespace {

using kq::formats::Hl7Message;
using kq::formats::Match;

void require(bool condition, const char* property) {
  if (condition) return;
  std::fprintf(stderr, "property broken: %s\n", property);
  std::abort();
}

const Hl7Message& message() {
  static const std::unique_ptr<Hl7Message> parsed = [] {
    constexpr std::string_view kOru =
        "MSH|^~\\&#|LIS|BJHD001|KANGQIAO|BJ|20240915142233+0800||ORU^R01^ORU_R01|LIS0044|P|2.7\r"
        "PID|1||00020877^^^BJHD001^MR~110108201105062033^^^&2.16.156.10011.1.3&ISO^NNCHN||"
        "WANG XIAOMING^王小明||20110506|M|||\"\"\r"
        "OBR|1|ORD7781||CBC^血常规^L\r"
        "OBX|1|NM|6690-2^白细胞计数^LN||6.8|10*9/L|4.0-10.0|N|||F\r"
        "NTE|1||偏低\\.br\\复查\\T\\随访\\P\\\r"
        "OBX|2|NM|718-7^血红蛋白^LN||128~130|g/L\r"
        "OBR|2|ORD7782||LFT^肝功能^L\r"
        "OBX|1|ST|5778-6^尿颜色^LN||\\XE6B7A1\\黄色\r";
    kq::formats::ParseError error;
    auto m = Hl7Message::parse(kOru, kq::formats::ParseOptions{}, error);
    require(m != nullptr, "the target's own message parses");
    return m;
  }();
  return *parsed;
}

bool valid_utf8(std::string_view text) {
  return kq::formats::hl7v2::find_invalid_utf8(text) == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto path = kq::formats::hl7v2_format().compile_path(text, error);
  if (path == nullptr) {
    require(!error.empty(), "a refused path says why");
    if (valid_utf8(text)) require(valid_utf8(error), "the reason for a UTF-8 path is UTF-8");
    return 0;
  }
  require(path->text() == text, "a compiled path keeps its text");
  kq::formats::hl7v2::PathSpec spec;
  require(kq::formats::hl7v2::parse_path(text, spec, error), "compile_path and parse_path agree");
  const Hl7Message& m = message();
  const std::size_t name_at = text.find_first_not_of(" /");
  const std::string_view name = text.substr(name_at, 3);
  auto check = [&](const Match& match) {
    require(match.location.compare(0, 3, name) == 0, "a location starts with the segment name");
    require(match.handle < m.segment_count(), "a match's handle is a segment of the message");
    require(valid_utf8(match.text), "selected text is valid UTF-8");
  };
  for (const Match& match : path->select(m, nullptr)) check(match);
  for (std::size_t segment = 0; segment < m.segment_count(); ++segment) {
    Match scope;
    scope.handle = segment;
    for (const Match& match : path->select(m, &scope)) check(match);
  }
  return 0;
}
