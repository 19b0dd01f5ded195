#include "gateway/app/arg_parser.hpp"

namespace kq::app {

void ArgParser::flag(std::string name, bool& out) { specs_.push_back({std::move(name), Type::flag, &out}); }

void ArgParser::value(std::string name, std::string& out) {
  specs_.push_back({std::move(name), Type::value, nullptr, &out});
}

void ArgParser::repeated(std::string name, std::vector<std::string>& out) {
  specs_.push_back({std::move(name), Type::repeated, nullptr, nullptr, &out});
}

void ArgParser::help(bool& out) {
  flag("--help", out);
  flag("-h", out);
}

ArgParser::Problems ArgParser::parse(const std::vector<std::string>& args) const {
  Problems problems;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a[0] != '-') {
      problems.positional.push_back(a);
      continue;
    }
    const std::size_t eq = a.find('=');
    const std::string name = a.substr(0, eq);
    const Spec* spec = nullptr;
    for (const Spec& s : specs_) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr || (spec->type == Type::flag && eq != std::string::npos)) {
      problems.unknown.push_back(a);
      continue;
    }
    if (spec->type == Type::flag) {
      *spec->flag = true;
      continue;
    }
    std::string text;
    if (eq != std::string::npos) {
      text = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      text = args[++i];
    } else {
      if (problems.missing_value.empty()) problems.missing_value = name;
      continue;
    }
    if (spec->type == Type::value) {
      *spec->value = std::move(text);
    } else {
      spec->values->push_back(std::move(text));
    }
  }
  return problems;
}

}  // namespace kq::app
