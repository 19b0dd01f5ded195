#include "gateway/config/source_location.hpp"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace kq::config {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  std::string out = file;
  out += ':';
  out += std::to_string(line);
  // A column of 0 means "somewhere on this line" (e.g. an error about a whole line).
  if (column > 0) {
    out += ':';
    out += std::to_string(column);
  }
  return out;
}

namespace {

// what() must stand on its own in logs and in uncaught-exception output, so it carries every
// error, one per line, in the familiar compiler layout.
std::string summarise(const std::vector<ConfigError>& errors) {
  if (errors.empty()) return "invalid configuration";
  std::string out;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) out += '\n';
    out += errors[i].str();
  }
  return out;
}

}  // namespace

ConfigErrors::ConfigErrors(std::vector<ConfigError> errors)
    : std::runtime_error(summarise(errors)), errors_(std::move(errors)) {}

}  // namespace kq::config
