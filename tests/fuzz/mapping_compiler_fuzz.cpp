// libFuzzer target: arbitrary bytes as a mapping file, compiled with the gateway's formats and,
// when it compiles, applied to a small document of its format. Mapping files are configuration,
// written by people and edited under pressure: whatever they hold, `kangqiao check` must answer
// with located errors, never crash, hang or leak. Properties checked for every input:
//   - compilation either succeeds or throws config::ConfigErrors, and every error has a message
//     and names a file;
//   - a compiled mapping has its name and version, and applying it to a document of its format
//     gives records that core accepted and errors that each have a message.
// A broken property aborts, which libFuzzer reports as a finding with the input that caused it.
//
// Includes resolve against a scratch folder made at start-up, which also holds a codes/ folder
// with one value set, so that `lookup:` can succeed as well as fail.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

#include "gateway/config/source_location.hpp"
#include "gateway/mapping/mapping.hpp"

namespace {

namespace fs = std::filesystem;

void require(bool condition, const char* property) {
  if (condition) return;
  std::fprintf(stderr, "property broken: %s\n", property);
  std::abort();
}

const fs::path& scratch() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("kq-mapping-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d / "codes");
    std::ofstream(d / "codes" / "sex.yaml") << "unknown: error\ncodes: {M: \"1\", F: \"2\", 男: \"1\"}\n";
    std::ofstream(d / "fragment.yaml") << "records:\n  shared:\n    kind: person\n"
                                           "    fields: {name.text: {from: PID-5.2}}\n";
    return d;
  }();
  return dir;
}

// One small document per format, for mappings that compile.
std::string_view sample(std::string_view format) {
  if (format == "hl7v2") {
    return "MSH|^~\\&|HIS|H001|KQ|KQ|20240305083000||ADT^A01^ADT_A01|M1|P|2.4\r"
           "PID|1||11010519491231002X^^^^ID~7^^^H1^MR||ZHANG^张三||19491231|M\r"
           "PV1|1|I|内科||||||||||||||||V1\rOBR|1||F1\rOBX|1|NM|HGB||131|g/L\r";
  }
  if (format == "xml") {
    return "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><id extension=\"1\"/><recordTarget><patientRole>"
           "<patient><name>张三</name><birthTime value=\"19491231\"/></patient></patientRole></recordTarget>"
           "</ClinicalDocument>";
  }
  if (format == "json") return R"({"patient": {"name": "张三", "ids": ["1", "2"]}, "items": [{"v": 1}, {"v": 2}]})";
  if (format == "csv") return "姓名,性别,出生日期\n张三,男,2012-03-15\n李四,F,20120701\n";
  if (format == "fixed") return "0000012345G1101052012031512332024091014520385504900\n";
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const kq::mapping::FormatLookup formats = kq::mapping::builtin_formats();
  const std::string text(reinterpret_cast<const char*>(data), size);
  kq::mapping::CompileOptions options;
  options.formats = formats;
  options.base_dir = scratch();
  std::shared_ptr<const kq::mapping::CompiledMapping> mapping;
  try {
    mapping = kq::mapping::compile_mapping_from_string(text, "fuzz.yaml", options);
  } catch (const kq::config::ConfigErrors& e) {
    require(!e.errors().empty(), "a failed compilation reports at least one error");
    for (const auto& error : e.errors()) {
      require(!error.message.empty(), "every error has a message");
      require(!error.where.file.empty(), "every error names its file");
    }
    return 0;
  }
  require(mapping != nullptr, "a compilation that does not throw gives a mapping");
  require(!mapping->name().empty() && !mapping->version().empty(), "a compiled mapping has a name and a version");
  const std::string_view document = sample(mapping->format().name());
  if (document.empty()) return 0;  // xlsx: no sample workbook here
  kq::mapping::ApplyOptions apply;
  apply.sender_org = "org-fuzz";
  apply.today = kq::core::PartialDate::ymd(2024, 6, 1);
  const kq::mapping::MapResult result = kq::mapping::map_payload(*mapping, document, apply);
  for (const auto& error : result.errors) require(!error.message.empty(), "every mapping error has a message");
  for (const auto& record : result.records) {
    require(kq::core::validate_envelope(record.envelope, kq::core::ValidationContext{apply.today}).empty(),
            "every mapped record is valid for core");
  }
  return 0;
}
