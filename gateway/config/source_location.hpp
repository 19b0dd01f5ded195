#pragma once
#include <string>
#include <vector>
#include <stdexcept>

namespace kq::config {

// A place in a configuration or mapping file; line and column are 1-based.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "file:line:col" (or just "file" when line is 0)
};

struct ConfigError {
  SourceLocation where;
  std::string message;
  std::string str() const { return where.str() + ": " + message; }
};

// Thrown when loading fails; carries every error found, not only the first.
class ConfigErrors : public std::runtime_error {
 public:
  explicit ConfigErrors(std::vector<ConfigError> errors);
  const std::vector<ConfigError>& errors() const { return errors_; }

 private:
  std::vector<ConfigError> errors_;
};

}  // namespace kq::config
