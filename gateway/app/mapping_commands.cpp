#include "gateway/app/mapping_commands.hpp"
#include "gateway/app/arg_parser.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <boost/json.hpp>

#include "gateway/core/json_text.hpp"
#include "gateway/core/record.hpp"
#include "gateway/derived/school_health_rules.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/mapping/test_runner/mapping_tests.hpp"

namespace kq::app {

namespace {

namespace json = boost::json;

constexpr const char* kTestHelp = R"help(Usage: kangqiao test-mappings [DIR | FILE.test.yaml] [--no-coverage] [--require-tests]
                              [--min-coverage N]

Runs the mapping tests: every FILE.test.yaml beside its mapping under DIR (default: mappings/),
or the one test file given. Prints PASS or FAIL per test, a structural diff (path, expected,
got) for each failure, and the field rules and value-set codes that no test exercised. A mapping
without a test file is compiled all the same: BROKEN with its errors when it does not compile,
NO TESTS when it does. When DIR holds codes/school_health/, also loads those rule tables
(docs/derived-values.md) and prints their versions or every error. Exits 0 when every test
passes, every mapping compiles and the tables load, 1 otherwise.

Options:
  --no-coverage     do not list the rules and codes no test exercised
  --require-tests   a mapping without a test file fails the run (for CI)
  --min-coverage N  fail when the tests exercise less than N % of the rules or of the value-set
                    codes, over all mappings (the figures are printed per mapping and in all)
)help";

constexpr const char* kMapHelp = R"help(Usage: kangqiao map --mapping FILE --input FILE [options]

Applies one mapping to one payload and prints the canonical records as JSON (stdout), or every
error as "location: message (record.field) [kind]" (stderr), the kind being what the gateway
tells the sender (required, data-type, code-unknown, too-long, structure …). A record whose sender
emptied fields on purpose (the HL7 null "") lists them under "cleared". Exits 0 when the records
are valid, 1 when there are errors, 2 when the mapping does not compile.

Options:
  --mapping FILE       the mapping (its value sets are found in the nearest codes/ folder)
  --input FILE         the payload, as received (bytes)
  --charset NAME       parse with this charset (UTF-8, GB18030, GBK) instead of the mapping's
  --sender-org ID      the value of $sender_org
  --var NAME=VALUE     a mapping variable, as a channel's mapping_variables sets it (repeatable)
  --today YYYY-MM-DD   "today" for not-in-the-future checks
  --received-at TIME   the value of $received_at (ISO 8601 with an offset); default: now
  --lineage            print each record with the source location of each field
)help";

bool read_payload(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = std::move(buffer).str();
  return true;
}

void print_config_errors(const std::vector<config::ConfigError>& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.str().c_str());
  std::fprintf(stderr, "%zu error%s\n", errors.size(), errors.size() == 1 ? "" : "s");
}

// Two-space indented JSON; keys in record order. Strings are escaped by Boost.JSON.
void pretty(std::string& out, const json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
  if (v.is_object()) {
    const json::object& o = v.get_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    std::size_t i = 0;
    for (const auto& entry : o) {
      out += inner + json::serialize(json::string_view(entry.key())) + ": ";
      pretty(out, entry.value(), indent + 1);
      out += ++i < o.size() ? ",\n" : "\n";
    }
    out += pad + "}";
  } else if (v.is_array()) {
    const json::array& a = v.get_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
      out += inner;
      pretty(out, a[i], indent + 1);
      out += i + 1 < a.size() ? ",\n" : "\n";
    }
    out += pad + "]";
  } else {
    core::append_json_text(out, v);  // plain decimals, as the store keeps them
  }
}

struct MapOptions {
  std::string mapping, input, charset, sender_org, today, received_at;
  std::vector<std::string> variables;  // NAME=VALUE
  bool lineage = false;
  bool help = false;
  std::string bad;
};

MapOptions parse_map_options(const std::vector<std::string>& args) {
  MapOptions o;
  ArgParser parser;
  parser.help(o.help);
  parser.flag("--lineage", o.lineage);
  parser.value("--mapping", o.mapping);
  parser.value("--input", o.input);
  parser.value("--charset", o.charset);
  parser.value("--sender-org", o.sender_org);
  parser.value("--today", o.today);
  parser.value("--received-at", o.received_at);
  parser.repeated("--var", o.variables);
  const ArgParser::Problems problems = parser.parse(args);
  if (!problems.unknown.empty()) {
    o.bad = problems.unknown.front();
  } else if (!problems.positional.empty()) {
    o.bad = problems.positional.front();
  } else if (!problems.missing_value.empty()) {
    o.bad = problems.missing_value;
  }
  return o;
}

// The school-health rule tables (docs/derived-values.md) live beside the value sets: a broken
// table fails here as well, where CI and a table's author run the mapping tests.
int check_school_health_rules(const std::string& mappings_dir) {
  std::error_code ec;
  const std::filesystem::path dir = derived::school_health_rules_dir(mappings_dir);
  if (!std::filesystem::is_directory(dir, ec)) return 0;
  std::vector<config::ConfigError> errors;
  const auto rules = derived::load_school_health_rules(dir, errors);
  if (rules) {
    std::cout << "school-health rules: " << rules->versions() << "\n";
    return 0;
  }
  for (const config::ConfigError& error : errors) std::cout << error.str() << "\n";
  std::cout << "school-health rules: FAIL (" << errors.size() << " errors)\n";
  return 1;
}

}  // namespace

int cmd_test_mappings(const std::vector<std::string>& args) {
  bool help = false;
  bool no_coverage = false;
  ArgParser parser;
  parser.help(help);
  parser.flag("--no-coverage", no_coverage);
  bool require_tests = false;
  parser.flag("--require-tests", require_tests);
  std::string min_coverage_text;
  parser.value("--min-coverage", min_coverage_text);
  const ArgParser::Problems problems = parser.parse(args);
  if (help) {
    std::fputs(kTestHelp, stdout);
    return 0;
  }
  std::string bad;
  if (!problems.unknown.empty()) bad = problems.unknown.front();
  if (bad.empty() && problems.positional.size() > 1) bad = problems.positional[1];
  if (!bad.empty()) {
    std::fprintf(stderr, "kangqiao: unknown option '%s'\n\n%s", bad.c_str(), kTestHelp);
    return 2;
  }
  const std::string path = problems.positional.empty() ? "mappings" : problems.positional.front();
  const bool coverage = !no_coverage;
  mapping::TestRunOptions options;
  options.formats = mapping::builtin_formats();
  options.coverage = coverage;
  options.require_tests = require_tests;
  if (!min_coverage_text.empty()) {
    char* end = nullptr;
    options.min_coverage = std::strtod(min_coverage_text.c_str(), &end);
    if (end == min_coverage_text.c_str() || *end != '\0' || !(options.min_coverage >= 0 && options.min_coverage <= 100)) {
      std::fprintf(stderr, "kangqiao: --min-coverage takes a percentage from 0 to 100, got '%s'\n",
                   min_coverage_text.c_str());
      return 2;
    }
  }
  const mapping::TestSummary summary = mapping::run_mapping_tests(path, std::cout, options);
  const int rules_exit = check_school_health_rules(path);
  std::cout.flush();
  return summary.exit_code() != 0 ? summary.exit_code() : rules_exit;
}

int cmd_map(const std::vector<std::string>& args) {
  const MapOptions o = parse_map_options(args);
  if (o.help) {
    std::fputs(kMapHelp, stdout);
    return 0;
  }
  if (!o.bad.empty() || o.mapping.empty() || o.input.empty()) {
    if (!o.bad.empty()) std::fprintf(stderr, "kangqiao: unknown option '%s'\n\n", o.bad.c_str());
    if (o.bad.empty()) std::fprintf(stderr, "kangqiao: map needs --mapping and --input\n\n");
    std::fputs(kMapHelp, stderr);
    return 2;
  }
  std::shared_ptr<const mapping::CompiledMapping> compiled;
  try {
    compiled = mapping::compile_mapping(o.mapping);
  } catch (const config::ConfigErrors& e) {
    print_config_errors(e.errors());
    return 2;
  }
  std::string payload;
  if (!read_payload(o.input, payload)) {
    std::fprintf(stderr, "kangqiao: cannot read %s\n", o.input.c_str());
    return 2;
  }
  mapping::ApplyOptions apply;
  apply.sender_org = o.sender_org;
  auto variables = std::make_shared<mapping::MappingVariables>();
  for (const std::string& assignment : o.variables) {
    const std::size_t equals = assignment.find('=');
    const std::string name = assignment.substr(0, equals);
    const mapping::MappingVariable* declared = compiled->variable(name);
    std::string problem;
    if (equals == std::string::npos) {
      problem = "--var expects NAME=VALUE, got '" + assignment + "'";
    } else if (!declared) {
      std::string names;
      for (const auto& v : compiled->variables()) names += (names.empty() ? "" : ", ") + v.name;
      problem = "mapping " + compiled->name() + " has no variable '" + name + "'" +
                (names.empty() ? std::string(" (it declares none)") : " (it has " + names + ")");
    } else {
      problem = declared->check(assignment.substr(equals + 1));
      if (!problem.empty()) problem = "--var " + name + ": " + problem;
    }
    if (!problem.empty()) {
      std::fprintf(stderr, "kangqiao: %s\n", problem.c_str());
      return 2;
    }
    (*variables)[name] = assignment.substr(equals + 1);
  }
  if (!variables->empty()) apply.variables = std::move(variables);
  if (!o.today.empty()) {
    auto today = core::PartialDate::parse_iso(o.today);
    if (!today || today->precision() != core::DatePrecision::day) {
      std::fprintf(stderr, "kangqiao: --today expects YYYY-MM-DD, got '%s'\n", o.today.c_str());
      return 2;
    }
    apply.today = *today;
  }
  if (!o.received_at.empty()) {
    auto at = core::DateTime::parse_iso(o.received_at);
    if (!at) {
      std::fprintf(stderr, "kangqiao: --received-at expects a date-time like 2024-06-01T08:30:00+08:00, got '%s'\n",
                   o.received_at.c_str());
      return 2;
    }
    apply.received_at = *at;
  } else {
    apply.received_at = core::DateTime::now();
  }
  formats::ParseOptions parse = compiled->parse_options();
  if (!o.charset.empty()) parse.charset = o.charset;
  formats::ParseError parse_error;
  auto document = compiled->format().parse(payload, parse, parse_error);
  if (!document) {
    // Printed as the gateway reports it: a document-level error with its kind.
    const mapping::MapError error{"", "", parse_error.location, parse_error.message, parse_error.kind};
    std::fprintf(stderr, "%s\n", error.str().c_str());
    return 1;
  }
  const mapping::MatchResult match = compiled->matches(*document);
  if (!match.matched) {
    std::fprintf(stderr, "warning: source.match of %s does not hold (%s); applying it anyway\n",
                 compiled->name().c_str(), match.reason.c_str());
  }
  const mapping::MapResult result = mapping::apply(*compiled, *document, apply);
  json::array records;
  for (const auto& r : result.records) {
    json::value record = core::envelope_to_json(r.envelope);
    if (!r.envelope.cleared.empty()) {
      json::array cleared;
      for (const std::string& path : r.envelope.cleared) cleared.push_back(json::string(path));
      record.get_object()["cleared"] = std::move(cleared);
    }
    if (o.lineage) {
      json::object wrapped;
      wrapped["record"] = std::move(record);
      json::array lineage;
      for (const auto& l : r.lineage) lineage.push_back(json::object{{"field", l.target_path}, {"source", l.source_location}});
      wrapped["lineage"] = std::move(lineage);
      record = std::move(wrapped);
    }
    records.push_back(std::move(record));
  }
  std::string out;
  pretty(out, records, 0);
  std::fputs((out + "\n").c_str(), stdout);
  for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.str().c_str());
  if (!result.ok()) {
    std::fprintf(stderr, "%zu error%s (mapping %s %s)\n", result.errors.size(), result.errors.size() == 1 ? "" : "s",
                 result.mapping.c_str(), result.version.c_str());
    return 1;
  }
  return 0;
}

}  // namespace kq::app
