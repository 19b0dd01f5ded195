#pragma once
// Helpers for the mapping engine tests: compile mapping text against the toy format, with value
// sets written to a scratch codes/ folder, and apply it to toy documents.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <boost/json.hpp>

#include "gateway/config/source_location.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/mapping/value_set.hpp"
#include "tests/unit/mapping/toy_format.hpp"

namespace kq::mapping::testing {

// A scratch folder removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("kq-mapping-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

inline const char* kSexCodes = R"(description: GB/T 2261.1 sex codes and sender spellings
system: urn:oid:2.16.156.10011.2.3.3.4
unknown: error
codes:
  "1": {code: "1", display: 男性}
  "2": {code: "2", display: 女性}
  M: {code: "1", display: 男性}
  F: {code: "2", display: 女性}
  男: "1"
  女: "2"
)";

class MappingTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_.write("codes/sex.yaml", kSexCodes); }

  CompileOptions options() const {
    CompileOptions o;
    o.formats = toy_lookup();
    o.base_dir = dir_.path();
    return o;
  }

  std::shared_ptr<const CompiledMapping> compile(const std::string& text) {
    return compile_mapping_from_string(text, "test.yaml", options());
  }

  // The errors of a mapping that must not compile, one "line:col: message" per entry.
  std::vector<std::string> compile_errors(const std::string& text) {
    try {
      (void)compile(text);
    } catch (const config::ConfigErrors& e) {
      std::vector<std::string> out;
      for (const auto& error : e.errors()) {
        out.push_back(std::to_string(error.where.line) + ":" + std::to_string(error.where.column) + ": " +
                      error.message);
      }
      return out;
    }
    return {};
  }

  MapResult map(const CompiledMapping& mapping, const std::string& input, ApplyOptions o = {}) {
    if (!o.today) o.today = core::PartialDate::ymd(2024, 6, 1);
    return map_payload(mapping, input, o);
  }

  static std::string errors_text(const MapResult& result) {
    std::string out;
    for (const auto& e : result.errors) out += e.str() + "\n";
    return out;
  }

  static const boost::json::object& body(const MapResult& result, std::size_t i) {
    return result.records.at(i).envelope.body;
  }

  ScratchDir dir_;
};

// True when any message contains `part`.
inline ::testing::AssertionResult any_contains(const std::vector<std::string>& messages, const std::string& part) {
  for (const auto& m : messages) {
    if (m.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  }
  auto failure = ::testing::AssertionFailure() << "no message contains \"" << part << "\"; messages:";
  for (const auto& m : messages) failure << "\n  " << m;
  return failure;
}

}  // namespace kq::mapping::testing
