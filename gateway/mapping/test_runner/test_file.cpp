#include "gateway/mapping/test_runner/test_file.hpp"

#include <cmath>

#include <boost/json/value.hpp>

#include "gateway/core/json_text.hpp"
#include "gateway/mapping/runtime/steps.hpp"
#include "gateway/mapping/compiler/yaml_file.hpp"

namespace kq::mapping::detail {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string stem_of_test(const fs::path& path) {
  std::string name = path.filename().string();
  const std::string suffix = ".test.yaml";
  return name.size() > suffix.size() ? name.substr(0, name.size() - suffix.size()) : name;
}

// `variables: {name_order: pinyin_hanzi}`: the mapping variables a channel would set.
void read_variables(const YAML::Node& node, YamlFile& file, MappingVariables& out) {
  for (const auto& [key, value] : file.entries(node, "variables")) {
    if (auto text = file.scalar(value, key.Scalar())) out[key.Scalar()] = std::move(*text);
  }
}

// An expected error's `kind:` must name a kind ("data-type", not "data_type"): a misspelt kind
// would otherwise fail every comparison without saying why.
void check_error_kind(const YAML::Node& entry, std::string_view what, YamlFile& file) {
  const YAML::Node kind = entry.IsMap() ? entry["kind"] : YAML::Node();
  if (!kind) return;
  const auto text = file.scalar(kind, std::string(what) + ".kind");
  if (!text || core::parse_error_kind(*text)) return;
  std::vector<std::string_view> names;
  for (std::uint8_t k = 0; k <= core::kLastErrorKind; ++k) names.push_back(core::to_string(core::ErrorKind{k}));
  file.error(kind, std::string(what) + ": " + unknown_name_message("error kind", *text, names));
}

void read_case(const YAML::Node& node, const fs::path& dir, YamlFile& file, TestFile& out) {
  if (!file.check_keys(node, "test", {"name", "input", "input_file", "charset", "sender_org", "variables", "expect"})) {
    return;
  }
  TestCase c;
  c.where = file.at(node);
  c.name = node["name"] ? file.scalar(node["name"], "name").value_or("") : "";
  if (c.name.empty()) c.name = "test at line " + std::to_string(c.where.line);
  const bool inline_input = static_cast<bool>(node["input"]);
  if (inline_input == static_cast<bool>(node["input_file"])) {
    file.error(node, "test '" + c.name + "': give either 'input' (inline) or 'input_file' (a path from this file)");
    return;
  }
  if (inline_input) {
    c.input = file.scalar(node["input"], "input").value_or("");
  } else {
    auto relative = file.scalar(node["input_file"], "input_file");
    if (!relative) return;
    std::string why;
    if (!read_file(dir / *relative, c.input, why)) {
      file.error(node["input_file"], "test '" + c.name + "': cannot read " + (dir / *relative).string() + ": " + why);
      return;
    }
  }
  if (node["charset"]) c.charset = file.scalar(node["charset"], "charset").value_or("");
  if (node["sender_org"]) c.sender_org = file.scalar(node["sender_org"], "sender_org");
  c.variables = out.variables;
  if (node["variables"]) read_variables(node["variables"], file, c.variables);
  const auto expect = node["expect"];
  if (!expect) {
    file.error(node, "test '" + c.name + "': 'expect' is required (records, errors or matches: false)");
    return;
  }
  if (!file.check_keys(expect, "expect", {"records", "errors", "matches"})) return;
  if (expect["matches"]) c.expect_match = file.boolean(expect["matches"], "matches").value_or(true);
  if (const auto records = expect["records"]) c.records = records;
  if (const auto errors = expect["errors"]) {
    // An entry's keys are checked here: a misspelt key ({loc: PID-19}) would otherwise be
    // ignored, and the entry would match any error.
    if (!errors.IsSequence()) {
      file.error(errors, "test '" + c.name + "': 'errors' is a list of {target, location, record, message, kind}");
      return;
    }
    for (std::size_t i = 0; i < errors.size(); ++i) {
      const std::string what = "errors[" + std::to_string(i) + "]";
      (void)file.check_keys(errors[i], what, {"target", "location", "record", "message", "kind"});
      check_error_kind(errors[i], what, file);
    }
    c.errors = errors;
  }
  if (c.expect_match && !c.records && !c.errors) {
    file.error(expect, "test '" + c.name + "': expect records, errors, or matches: false");
    return;
  }
  out.cases.push_back(std::move(c));
}

bool is_placeholder(const std::string& text) { return text.size() > 1 && text[0] == '$'; }

bool numbers_equal(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(a)); }

void compare_value(const YAML::Node& expected, const json::value& got, const std::string& path, Bindings& bindings,
                   std::vector<Difference>& out, bool record_root);

void compare_object(const YAML::Node& expected, const json::object& got, const std::string& path,
                    Bindings& bindings, std::vector<Difference>& out, bool record_root) {
  auto join = [&path](const std::string& key) { return path.empty() ? key : path + "." + key; };
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    const std::string key = it->first.Scalar();
    // Not fields of the body: the record's kind, and the fields its sender nulled (compared
    // by compare_records).
    if (record_root && (key == "kind" || key == "cleared")) continue;
    const json::value* value = got.if_contains(key);
    if (!value) {
      out.push_back({join(key), show(it->second), "nothing"});
      continue;
    }
    compare_value(it->second, *value, join(key), bindings, out, false);
  }
  for (const auto& entry : got) {
    const std::string key(entry.key());
    if (record_root && key == "id" && !expected["id"]) continue;  // generated ids may be left out
    if (!expected[key]) out.push_back({join(key), "nothing", show(entry.value())});
  }
}

void compare_value(const YAML::Node& expected, const json::value& got, const std::string& path, Bindings& bindings,
                   std::vector<Difference>& out, bool record_root) {
  if (expected.IsMap()) {
    if (!got.is_object()) {
      out.push_back({path, show(expected), show(got)});
      return;
    }
    compare_object(expected, got.get_object(), path, bindings, out, record_root);
    return;
  }
  if (expected.IsSequence()) {
    if (!got.is_array()) {
      out.push_back({path, show(expected), show(got)});
      return;
    }
    const json::array& items = got.get_array();
    const std::size_t common = std::min<std::size_t>(expected.size(), items.size());
    for (std::size_t i = 0; i < common; ++i) {
      compare_value(expected[i], items[i], path + "[" + std::to_string(i) + "]", bindings, out, false);
    }
    for (std::size_t i = common; i < expected.size(); ++i) {
      out.push_back({path + "[" + std::to_string(i) + "]", show(expected[i]), "nothing"});
    }
    for (std::size_t i = common; i < items.size(); ++i) {
      out.push_back({path + "[" + std::to_string(i) + "]", "nothing", show(items[i])});
    }
    return;
  }
  if (expected.IsNull()) {
    if (!got.is_null()) out.push_back({path, "null", show(got)});
    return;
  }
  const std::string& text = expected.Scalar();
  bool same = false;
  if (got.is_string()) {
    const std::string value(got.get_string());
    if (is_placeholder(text)) {
      const std::string why = bindings.bind(text, value);
      if (!why.empty()) out.push_back({path, text + " (" + why + ")", show(got)});
      return;
    }
    same = value == text;
  } else if (got.is_number()) {
    double want = 0;
    std::string ignored;
    same = text_to_number(text, want, ignored) && numbers_equal(want, got.to_number<double>());
  } else if (got.is_bool()) {
    same = (text == "true" && got.get_bool()) || (text == "false" && !got.get_bool());
  }
  if (!same) out.push_back({path, show(expected), show(got)});
}

std::string error_text(const MapError& e) { return e.str(); }

std::string shorten(std::string text) {
  constexpr std::size_t kMax = 160;
  if (text.size() <= kMax) return text;
  std::size_t cut = kMax - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return text.substr(0, cut) + "...";
}

}  // namespace

bool read_test_file(const fs::path& path, TestFile& out, std::vector<config::ConfigError>& errors) {
  const std::size_t before = errors.size();
  YamlFile file(path.string(), errors);
  const YAML::Node root = load_yaml(path, file, {path.string(), 0, 0});
  if (errors.size() != before) return false;
  out.path = path;
  if (!file.check_keys(root, "test file", {"mapping", "today", "received_at", "sender_org", "variables", "tests"})) return false;
  const fs::path dir = path.parent_path();
  // Normalised, so that reports and coverage name the file as people do (no "broken/../").
  out.mapping = (dir / (stem_of_test(path) + ".yaml")).lexically_normal();
  if (root["mapping"]) {
    if (auto m = file.scalar(root["mapping"], "mapping")) out.mapping = (dir / *m).lexically_normal();
  }
  if (root["today"]) {
    if (auto text = file.scalar(root["today"], "today")) {
      auto date = core::PartialDate::parse_iso(*text);
      if (date && date->precision() == core::DatePrecision::day) {
        out.today = *date;
      } else {
        file.error(root["today"], "today: expected a date like 2024-06-01");
      }
    }
  }
  if (root["received_at"]) {
    if (auto text = file.scalar(root["received_at"], "received_at")) {
      auto at = core::DateTime::parse_iso(*text);
      if (at) {
        out.received_at = *at;
      } else {
        file.error(root["received_at"], "received_at: expected a date-time like 2024-06-01T08:30:00+08:00");
      }
    }
  }
  if (root["sender_org"]) out.sender_org = file.scalar(root["sender_org"], "sender_org").value_or("");
  if (root["variables"]) read_variables(root["variables"], file, out.variables);
  const auto tests = root["tests"];
  if (!tests || !tests.IsSequence() || tests.size() == 0) {
    file.error(tests ? tests : root, "'tests' is required: a list of test cases");
    return false;
  }
  for (const YAML::Node& item : tests) read_case(item, dir, file, out);
  return true;
}

std::string Bindings::bind(const std::string& name, const std::string& value) {
  auto [it, fresh] = values_.emplace(name, value);
  if (!fresh) return it->second == value ? std::string() : "bound before to '" + it->second + "'";
  auto [other, fresh_value] = names_.emplace(value, name);
  if (!fresh_value && other->second != name) {
    values_.erase(it);
    return "the same value as " + other->second;
  }
  return {};
}

void compare_records(const YAML::Node& expected, const std::vector<MappedRecord>& got, Bindings& bindings,
                     std::vector<Difference>& out) {
  if (!expected.IsSequence()) {
    out.push_back({"records", "a list of records", "(the test file gives something else)"});
    return;
  }
  const std::size_t common = std::min<std::size_t>(expected.size(), got.size());
  for (std::size_t i = 0; i < common; ++i) {
    const std::string path = "records[" + std::to_string(i) + "]";
    const YAML::Node& want = expected[i];
    if (!want.IsMap()) {
      out.push_back({path, show(want), "(a record is a mapping with kind and fields)"});
      continue;
    }
    const std::string kind = want["kind"] ? want["kind"].Scalar() : std::string();
    if (kind != got[i].envelope.kind) {
      out.push_back({path + ".kind", kind.empty() ? "(no kind given)" : kind, got[i].envelope.kind});
      continue;  // the fields of different kinds would only add noise
    }
    compare_object(want, got[i].envelope.body, path, bindings, out, true);
    // `cleared:` lists the fields the sender nulled; like any key, it must be expected when the
    // record has it.
    const std::vector<std::string>& cleared = got[i].envelope.cleared;
    if (want["cleared"]) {
      json::array paths;
      for (const std::string& c : cleared) paths.push_back(json::string(c));
      compare_value(want["cleared"], paths, path + ".cleared", bindings, out, false);
    } else if (!cleared.empty()) {
      std::string paths;
      for (const std::string& c : cleared) paths += (paths.empty() ? "" : ", ") + c;
      out.push_back({path + ".cleared", "nothing", "[" + paths + "]"});
    }
  }
  for (std::size_t i = common; i < expected.size(); ++i) {
    out.push_back({"records[" + std::to_string(i) + "]", show(expected[i]), "nothing"});
  }
  for (std::size_t i = common; i < got.size(); ++i) {
    out.push_back({"records[" + std::to_string(i) + "]", "nothing",
                   got[i].envelope.kind + " " + show(json::value(got[i].envelope.body))});
  }
}

void compare_errors(const YAML::Node& expected, const std::vector<MapError>& got, std::vector<Difference>& out) {
  if (!expected.IsSequence()) {
    out.push_back({"errors", "a list of errors", "(the test file gives something else)"});
    return;
  }
  std::vector<bool> used(got.size(), false);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const YAML::Node& want = expected[i];
    auto part = [&want](const char* key) -> std::optional<std::string> {
      if (!want.IsMap() || !want[key] || !want[key].IsScalar()) return std::nullopt;
      return want[key].Scalar();
    };
    const auto target = part("target"), location = part("location"), message = part("message"), record = part("record"),
               kind = part("kind");
    bool found = false;
    for (std::size_t g = 0; g < got.size() && !found; ++g) {
      if (used[g]) continue;
      const MapError& e = got[g];
      if (target && *target != e.target) continue;
      if (location && *location != e.location) continue;
      if (record && *record != e.record) continue;
      if (kind && *kind != core::to_string(e.kind)) continue;
      if (message && e.message.find(*message) == std::string::npos) continue;
      used[g] = found = true;
    }
    if (!found) out.push_back({"errors[" + std::to_string(i) + "]", show(want), "no such error"});
  }
  for (std::size_t g = 0; g < got.size(); ++g) {
    if (!used[g]) out.push_back({"errors", "nothing more", error_text(got[g])});
  }
}

std::string show(const json::value& value) {
  return shorten(core::json_text(value));
}

std::string show(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsNull()) return "null";
  YAML::Emitter emitter;
  emitter.SetMapFormat(YAML::Flow);
  emitter.SetSeqFormat(YAML::Flow);
  emitter << node;
  return shorten(emitter.c_str());
}

}  // namespace kq::mapping::detail
