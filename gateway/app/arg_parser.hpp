#pragma once
// Command-line options of the `kangqiao` sub-commands: "--name value", "--name=value", flags and
// repeatable options, declared per command so every command reports the same errors the same way.
#include <string>
#include <vector>

namespace kq::app {

class ArgParser {
 public:
  void flag(std::string name, bool& out);
  void value(std::string name, std::string& out);
  void repeated(std::string name, std::vector<std::string>& out);
  // "-h" and "--help" set this flag.
  void help(bool& out);

  struct Problems {
    std::vector<std::string> unknown;     // options nobody declared
    std::vector<std::string> positional;  // arguments that are not options
    std::string missing_value;            // an option that needs a value got none
  };
  Problems parse(const std::vector<std::string>& args) const;

 private:
  enum class Type { flag, value, repeated };
  struct Spec {
    std::string name;
    Type type;
    bool* flag = nullptr;
    std::string* value = nullptr;
    std::vector<std::string>* values = nullptr;
  };
  std::vector<Spec> specs_;
};

}  // namespace kq::app
