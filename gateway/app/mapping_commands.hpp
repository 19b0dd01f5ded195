#pragma once
// The mapping sub-commands of `kangqiao`:
//   kangqiao test-mappings [DIR|FILE.test.yaml]   run the mapping tests (default: mappings/)
//   kangqiao map --mapping FILE --input FILE      apply one mapping to one payload
// and the mapping part of `kangqiao check`.
#include <cstddef>
#include <string>
#include <vector>

#include "gateway/config/source_location.hpp"

namespace kq::app {

// Exit codes as for every command: 0 success, 1 failures (failed tests, field errors), 2 usage or
// a mapping that does not compile.
int cmd_test_mappings(const std::vector<std::string>& args);
int cmd_map(const std::vector<std::string>& args);

// Compiles every mapping and value set of `dir` as `run` would and appends every problem to
// `errors`. Returns the number of mappings that compiled (0 when there are errors).
std::size_t check_mappings(const std::string& dir, std::vector<config::ConfigError>& errors);

}  // namespace kq::app
