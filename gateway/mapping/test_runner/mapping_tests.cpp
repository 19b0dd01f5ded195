#include "gateway/mapping/test_runner/mapping_tests.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "gateway/mapping/test_runner/coverage.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/mapping/plan.hpp"
#include "gateway/mapping/test_runner/test_file.hpp"
#include "gateway/mapping/value_set.hpp"

namespace kq::mapping {

namespace fs = std::filesystem;

namespace {

bool is_test_file(const fs::path& p) {
  const std::string name = p.filename().string();
  const std::string suffix = ".test.yaml";
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<fs::path> test_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.' && it->is_directory(ec)) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && is_test_file(it->path())) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Paths in the report are relative to the folder the run was asked for, as a user typed them.
std::string shown(const fs::path& p, const fs::path& base) {
  std::error_code ec;
  const fs::path rel = fs::relative(p, base, ec);
  return ec || rel.empty() || rel.native().rfind("..", 0) == 0 ? p.string() : rel.string();
}

void print_errors(std::ostream& out, const std::vector<config::ConfigError>& errors) {
  for (const auto& e : errors) out << "  " << e.str() << "\n";
}

class Runner {
 public:
  Runner(const fs::path& base, std::ostream& out, const TestRunOptions& options)
      : base_(base), out_(out), options_(options) {}

  void run_file(const fs::path& test_path, const std::shared_ptr<ValueSetCatalog>& catalog) {
    ++summary_.files;
    std::vector<config::ConfigError> errors;
    detail::TestFile file;
    const bool readable = detail::read_test_file(test_path, file, errors);
    std::shared_ptr<const CompiledMapping> mapping;
    if (readable) {
      CompileOptions compile;
      compile.formats = options_.formats;
      compile.value_sets = catalog;
      std::error_code ec;
      if (!fs::is_regular_file(file.mapping, ec)) {
        errors.push_back({{test_path.string(), 0, 0}, "its mapping " + file.mapping.string() + " does not exist"});
      } else {
        // Compiled once however many test files it has, so that their coverage adds up.
        const std::string id = fs::weakly_canonical(file.mapping, ec_).string();
        auto it = compiled_.find(id);
        mapping = it != compiled_.end() ? it->second : compile_mapping(file.mapping, compile, errors);
        if (mapping && it == compiled_.end()) {
          compiled_.emplace(id, mapping);
          mappings_.push_back(mapping);
        }
      }
    }
    if (readable) tested_.insert(fs::weakly_canonical(file.mapping, ec_).string());
    if (!errors.empty() || !mapping) {
      ++summary_.broken;
      out_ << "BROKEN " << shown(test_path, base_) << "\n";
      print_errors(out_, errors);
      if (!mapping) return;
    }
    for (const detail::TestCase& c : file.cases) run_case(*mapping, file, c);
  }

  // A mapping no test file names is still compiled: a misspelt key or a missing value set is
  // found by the same run that CI makes, not on the gateway's next start.
  void untested(const std::vector<fs::path>& mappings, const std::shared_ptr<ValueSetCatalog>& catalog) {
    for (const fs::path& m : mappings) {
      if (tested_.count(fs::weakly_canonical(m, ec_).string()) != 0) continue;
      CompileOptions compile;
      compile.formats = options_.formats;
      compile.value_sets = catalog;
      std::vector<config::ConfigError> errors;
      const auto mapping = compile_mapping(m, compile, errors);
      if (!mapping || !errors.empty()) {
        ++summary_.broken;
        out_ << "BROKEN " << shown(m, base_) << " (no tests)\n";
        print_errors(out_, errors);
        continue;
      }
      ++summary_.untested;
      out_ << "NO TESTS " << shown(m, base_) << "\n";
    }
  }

  void coverage() {
    if (mappings_.empty() || !collecting()) return;
    if (options_.coverage) list_gaps();
    figures();
  }

  bool collecting() const { return options_.coverage || options_.min_coverage > 0; }

  // Per mapping and in all, as `go test -cover` gives them: what a CI gate can hold on to.
  void figures() {
    std::set<const ValueSet*> sets;
    std::ostringstream lines;
    for (const auto& mapping : mappings_) {
      const Coverage::Count rules = coverage_.rule_count(*mapping);
      summary_.rules_exercised += rules.exercised;
      summary_.rules_total += rules.total;
      lines << "  " << shown(mapping->file(), base_) << ": rules " << rules.exercised << "/" << rules.total << " ("
            << percent(rules.percent()) << ")\n";
      for (const auto& set : mapping->plan().value_sets) sets.insert(set.get());
    }
    for (const ValueSet* set : sets) {
      const Coverage::Count codes = coverage_.code_count(*set);
      summary_.codes_exercised += codes.exercised;
      summary_.codes_total += codes.total;
    }
    const Coverage::Count rules{summary_.rules_exercised, summary_.rules_total};
    const Coverage::Count codes{summary_.codes_exercised, summary_.codes_total};
    out_ << "\nCoverage:\n" << lines.str() << "  all mappings: rules " << rules.exercised << "/" << rules.total << " ("
         << percent(rules.percent()) << "), value-set codes " << codes.exercised << "/" << codes.total << " ("
         << percent(codes.percent()) << ")\n";
    if (options_.min_coverage > 0 &&
        (rules.percent() < options_.min_coverage || codes.percent() < options_.min_coverage)) {
      summary_.below_min_coverage = true;
      out_ << "  below --min-coverage " << percent(options_.min_coverage) << "\n";
    }
  }

  static std::string percent(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", value);
    return text;
  }

  void list_gaps() {
    bool header = false;
    auto title = [&] {
      if (!header) out_ << "\nNot exercised by any test:\n";
      header = true;
    };
    std::set<const ValueSet*> sets;
    for (const auto& mapping : mappings_) {
      const auto gaps = coverage_.unused_rules(*mapping);
      if (!gaps.empty()) {
        title();
        out_ << "  " << shown(mapping->file(), base_) << "\n";
        for (const auto& gap : gaps) {
          // Rules from an included fragment say where they are written.
          const std::string where = gap.where.file == mapping->file()
                                        ? "line " + std::to_string(gap.where.line)
                                        : shown(gap.where.file, base_) + ":" + std::to_string(gap.where.line);
          out_ << "    " << gap.what << " (" << where << ")\n";
        }
      }
      for (const auto& set : mapping->plan().value_sets) sets.insert(set.get());
    }
    for (const ValueSet* set : sets) {
      const auto gaps = coverage_.unused_codes(*set);
      if (gaps.empty()) continue;
      title();
      out_ << "  value set " << (set->name() == "inline" ? "(inline) in " + shown(set->file(), base_) : set->name())
           << ": ";
      for (std::size_t i = 0; i < gaps.size(); ++i) {
        out_ << (i == 0 ? "" : ", ") << gaps[i].what.substr(gaps[i].what.find(": ") + 2);
      }
      out_ << "\n";
    }
  }

  const TestSummary& summary() const { return summary_; }

 private:
  void run_case(const CompiledMapping& mapping, const detail::TestFile& file, const detail::TestCase& c) {
    ++summary_.tests;
    std::vector<detail::Difference> diffs;
    formats::ParseOptions parse = mapping.parse_options();
    if (!c.charset.empty()) parse.charset = c.charset;
    formats::ParseError parse_error;
    std::unique_ptr<formats::Document> document = mapping.format().parse(c.input, parse, parse_error);
    MapResult result;
    if (!document) {
      result.errors.push_back({"", "", parse_error.location, parse_error.message, parse_error.kind});
    } else {
      const MatchResult match = mapping.matches(*document);
      if (match.matched != c.expect_match) {
        diffs.push_back({"source.match", c.expect_match ? "holds" : "does not hold",
                         match.matched ? "holds" : "does not hold: " + match.reason});
      }
      const bool variables_ok = check_variables(mapping, c.variables, diffs);
      if (c.expect_match && variables_ok) {
        ApplyOptions apply_options;
        apply_options.today = file.today;
        apply_options.sender_org = c.sender_org.value_or(file.sender_org);
        apply_options.received_at = file.received_at;
        if (!c.variables.empty()) apply_options.variables = std::make_shared<const MappingVariables>(c.variables);
        apply_options.coverage = collecting() ? &coverage_ : nullptr;
        result = apply(mapping, *document, apply_options);
      }
    }
    if (c.expect_match || !document) {
      detail::Bindings bindings;
      if (c.records) detail::compare_records(*c.records, result.records, bindings, diffs);
      if (c.errors) {
        detail::compare_errors(*c.errors, result.errors, diffs);
      } else {
        for (const MapError& e : result.errors) diffs.push_back({"errors", "none", e.str()});
      }
    }
    const std::string label = shown(file.path, base_) + ": " + c.name;
    if (diffs.empty()) {
      ++summary_.passed;
      out_ << "PASS " << label << "\n";
      return;
    }
    ++summary_.failed;
    out_ << "FAIL " << label << " (line " << c.where.line << ")\n";
    for (const auto& d : diffs) {
      out_ << "    " << d.path << ": expected " << d.expected << ", got " << d.got << "\n";
    }
  }

  // A variable the mapping does not declare, or a value it does not allow, is a slip in the
  // test: reported as its difference, and the mapping is not applied.
  static bool check_variables(const CompiledMapping& mapping, const MappingVariables& variables,
                              std::vector<detail::Difference>& diffs) {
    bool ok = true;
    for (const auto& [name, value] : variables) {
      const MappingVariable* declared = mapping.variable(name);
      std::string problem;
      if (!declared) {
        std::string names;
        for (const MappingVariable& v : mapping.variables()) names += (names.empty() ? "" : ", ") + v.name;
        problem = "not a variable of " + mapping.name() + (names.empty() ? " (it declares none)" : " (it has " + names + ")");
      } else {
        problem = declared->check(value);
      }
      if (problem.empty()) continue;
      diffs.push_back({"variables." + name, "a value the mapping takes", problem});
      ok = false;
    }
    return ok;
  }

  fs::path base_;
  std::ostream& out_;
  const TestRunOptions& options_;
  TestSummary summary_;
  Coverage coverage_;
  std::vector<std::shared_ptr<const CompiledMapping>> mappings_;
  std::map<std::string, std::shared_ptr<const CompiledMapping>> compiled_;  // by canonical path
  std::set<std::string> tested_;
  std::error_code ec_;
};

}  // namespace

TestSummary run_mapping_tests(const fs::path& path, std::ostream& out, const TestRunOptions& options) {
  std::error_code ec;
  const bool single = fs::is_regular_file(path, ec);
  const fs::path base = single ? path.parent_path() : path;
  Runner runner(base, out, options);
  if (!single && !fs::is_directory(path, ec)) {
    out << "BROKEN " << path.string() << ": no such file or folder\n";
    TestSummary summary;
    summary.broken = 1;
    return summary;
  }
  // Value sets are shared by every mapping of the folder, so that each is read once and its
  // coverage adds up over all the tests that use it.
  std::shared_ptr<ValueSetCatalog> catalog;
  if (!single && fs::is_directory(path / "codes", ec)) {
    catalog = std::make_shared<ValueSetCatalog>(path / "codes");
  }
  const std::vector<fs::path> files = single ? std::vector<fs::path>{path} : test_files(path);
  for (const fs::path& file : files) runner.run_file(file, catalog);
  if (!single) runner.untested(mapping_files(path), catalog);
  runner.coverage();
  TestSummary summary = runner.summary();
  summary.require_tests = options.require_tests;
  out << "\n" << summary.tests << " test" << (summary.tests == 1 ? "" : "s") << " in " << summary.files << " file"
      << (summary.files == 1 ? "" : "s") << ": " << summary.passed << " passed, " << summary.failed << " failed";
  if (summary.broken) out << ", " << summary.broken << " broken";
  if (summary.untested) {
    out << ", " << summary.untested << " mapping" << (summary.untested == 1 ? "" : "s") << " without tests"
        << (options.require_tests ? " (--require-tests)" : "");
  }
  out << "\n";
  return summary;
}

}  // namespace kq::mapping
