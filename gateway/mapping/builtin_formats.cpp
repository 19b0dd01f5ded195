// The compile entry points that use the formats built into the gateway. In a file of their own
// so that linking kq_mapping without them (the mapping unit tests use a toy format) does not
// pull in every format.
#include "gateway/mapping/mapping.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/mapping/test_runner/mapping_tests.hpp"

namespace kq::mapping {

FormatLookup builtin_formats() {
  return [](std::string_view name) { return formats::find_format(name); };
}

std::shared_ptr<const CompiledMapping> compile_mapping(const std::filesystem::path& file) {
  CompileOptions options;
  options.formats = builtin_formats();
  return compile_mapping(file, options);
}

std::shared_ptr<const CompiledMapping> compile_mapping_from_string(std::string_view text, const std::string& name) {
  CompileOptions options;
  options.formats = builtin_formats();
  return compile_mapping_from_string(text, name, options);
}

std::shared_ptr<const MappingSet> load_mapping_dir(const std::filesystem::path& dir) {
  return load_mapping_dir(dir, builtin_formats());
}

TestSummary run_mapping_tests(const std::filesystem::path& path, std::ostream& out) {
  TestRunOptions options;
  options.formats = builtin_formats();
  return run_mapping_tests(path, out, options);
}

}  // namespace kq::mapping
