#pragma once
// The mapping sub-commands of `kangqiao`:
//   kangqiao test-mappings [DIR|FILE.test.yaml]   run the mapping tests (default: mappings/)
//   kangqiao map --mapping FILE --input FILE      apply one mapping to one payload
// (`kangqiao check` loads the mapping folder itself, with the adapters that bind to it.)
#include <cstddef>
#include <string>
#include <vector>

#include "gateway/config/source_location.hpp"

namespace kq::app {

// Exit codes as for every command: 0 success, 1 failures (failed tests, field errors), 2 usage or
// a mapping that does not compile.
int cmd_test_mappings(const std::vector<std::string>& args);
int cmd_map(const std::vector<std::string>& args);

}  // namespace kq::app
