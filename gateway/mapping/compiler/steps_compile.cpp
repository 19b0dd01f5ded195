// Reading a `then:` step from YAML: its name, its argument, and whether it fits the value that
// reaches it (a date step after `number` is refused at compile time, not at 3 a.m.).
#include <array>
#include <charconv>
#include <cmath>

#include "gateway/mapping/runtime/steps_internal.hpp"
#include "gateway/mapping/compiler/target_schema.hpp"
#include "gateway/mapping/runtime/units.hpp"
#include "gateway/mapping/compiler/yaml_file.hpp"

namespace kq::mapping::detail {

namespace {

constexpr std::size_t kMaxPatternLength = 1000;

constexpr std::array<std::string_view, 24> kStepNames = {
    "trim",  "upper", "lower",   "substring", "extract", "replace",    "split",      "component", "join",
    "default", "number", "integer", "round",  "multiply", "convert",   "range",      "date",
    "datetime", "not_future", "lookup", "one_of", "pattern", "resident_id", "script"};

using KindSet = std::initializer_list<Kind>;

std::string kinds_text(KindSet kinds) {
  std::string out;
  std::size_t i = 0;
  for (Kind k : kinds) {
    out += i == 0 ? "" : (i + 1 == kinds.size() ? " or " : ", ");
    out += kind_name(k);
    ++i;
  }
  return out;
}

class StepReader {
 public:
  StepReader(const YAML::Node& node, Shape& shape, StepCompiler& compiler)
      : node_(node), shape_(shape), c_(compiler), file_(compiler.file) {}

  std::unique_ptr<Step> read() {
    YAML::Node arg;
    if (node_.IsScalar()) {
      name_ = node_.Scalar();
    } else if (node_.IsMap() && node_.size() == 1) {
      const auto it = node_.begin();
      if (!it->first.IsScalar()) return bad("a step is a name or {name: argument}");
      name_ = it->first.Scalar();
      arg.reset(it->second);
      has_arg_ = !arg.IsNull();
    } else {
      return bad("a step is a name (trim) or a single name: argument pair ({date: yyyyMMdd})");
    }
    arg_.reset(arg);
    return dispatch();
  }

 private:
  std::unique_ptr<Step> dispatch() {
    const std::string& n = name_;
    if (n == "trim" || n == "upper" || n == "lower") {
      if (!no_arg() || !accepts({Kind::text})) return nullptr;
      return n == "trim" ? make_trim() : n == "upper" ? make_upper() : make_lower();
    }
    if (n == "substring") return substring();
    if (n == "extract" || n == "pattern") {
      if (!accepts({Kind::text})) return nullptr;
      auto re = regex(arg_);
      if (!re) return nullptr;
      return n == "extract" ? make_extract(re) : make_pattern(re);
    }
    if (n == "replace") return replace();
    if (n == "split") {
      auto sep = required_text();
      if (!sep || !accepts({Kind::text})) return nullptr;
      if (sep->empty()) return bad("'split' needs a separator that is not empty");
      shape_.list = true;
      return make_split(*sep);
    }
    if (n == "component") return component();
    if (n == "join") {
      std::string sep = has_arg_ ? file_.scalar(arg_, "join").value_or("") : "";
      shape_ = {Kind::text, false};
      return make_join(sep);
    }
    if (n == "default") return fallback();
    if (n == "number" || n == "integer") {
      if (!no_arg() || !accepts({Kind::text, Kind::number})) return nullptr;
      shape_.kind = Kind::number;
      return make_number(n == "integer");
    }
    if (n == "round") {
      auto places = has_arg_ ? file_.integer(arg_, "round") : std::nullopt;
      if (!places || *places < 0 || *places > 10) return bad("'round' needs the number of decimal places, 0 to 10");
      if (!accepts({Kind::number})) return nullptr;
      return make_round(static_cast<int>(*places));
    }
    if (n == "multiply") {
      auto factor = has_arg_ ? file_.number(arg_, "multiply") : std::nullopt;
      if (!factor || !std::isfinite(*factor)) return bad("'multiply' needs a number");
      if (!accepts({Kind::number})) return nullptr;
      return make_multiply(*factor);
    }
    if (n == "convert") return convert();
    if (n == "range") return range();
    if (n == "date") return date();
    if (n == "datetime") return datetime();
    if (n == "not_future") {
      if (!no_arg() || !accepts({Kind::date, Kind::datetime})) return nullptr;
      return make_not_future();
    }
    if (n == "lookup") return lookup();
    if (n == "one_of") {
      auto values = has_arg_ ? file_.scalars(arg_, "one_of") : std::nullopt;
      if (!values || values->empty()) return bad("'one_of' needs the list of allowed values");
      if (!accepts({Kind::text, Kind::coding, Kind::number})) return nullptr;
      return make_one_of(std::move(*values));
    }
    if (n == "script") return script();
    if (n == "resident_id") {
      if (!no_arg() || !accepts({Kind::text})) return nullptr;
      return make_resident_id();
    }
    std::vector<std::string_view> names(kStepNames.begin(), kStepNames.end());
    file_.error(node_, unknown_name_message("step", n, names));
    return nullptr;
  }

  std::unique_ptr<Step> bad(const std::string& message) {
    file_.error(node_, (name_.empty() ? std::string("then") : "'" + name_ + "'") + ": " + message);
    return nullptr;
  }

  bool no_arg() {
    if (!has_arg_) return true;
    bad("takes no argument; write it as a plain name");
    return false;
  }

  bool accepts(KindSet kinds) {
    for (Kind k : kinds) {
      if (k == shape_.kind) return true;
    }
    bad("needs " + kinds_text(kinds) + ", but the value is a " + std::string(kind_name(shape_.kind)) +
        " at this point of the chain");
    return false;
  }

  std::optional<std::string> required_text() {
    if (!has_arg_) {
      bad("needs an argument");
      return std::nullopt;
    }
    return file_.scalar(arg_, name_);
  }

  std::shared_ptr<const CompiledRegex> regex(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) {
      bad("needs a regular expression");
      return nullptr;
    }
    auto text = file_.scalar(node, name_);
    if (!text) return nullptr;
    if (text->size() > kMaxPatternLength) {
      file_.error(node, "'" + name_ + "': the pattern is longer than " + std::to_string(kMaxPatternLength) + " characters");
      return nullptr;
    }
    try {
      return std::make_shared<const CompiledRegex>(CompiledRegex{std::regex(*text, std::regex::ECMAScript), *text});
    } catch (const std::regex_error& e) {
      file_.error(node, "'" + name_ + "': invalid regular expression '" + *text + "': " + e.what());
      return nullptr;
    }
  }

  std::unique_ptr<Step> substring() {
    if (!accepts({Kind::text})) return nullptr;
    auto parts = has_arg_ ? file_.scalars(arg_, "substring") : std::nullopt;
    if (!parts || parts->empty() || parts->size() > 2) return bad("needs [start] or [start, length] (characters, from 0)");
    std::vector<std::size_t> numbers;
    for (const std::string& p : *parts) {
      std::size_t n = 0;
      const auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
      if (ec != std::errc() || ptr != p.data() + p.size()) return bad("'" + p + "' is not a character count");
      numbers.push_back(n);
    }
    return make_substring(numbers[0], numbers.size() > 1 ? std::optional<std::size_t>(numbers[1]) : std::nullopt);
  }

  std::unique_ptr<Step> script() {
    if (!accepts({Kind::text})) return nullptr;
    auto names = has_arg_ ? file_.scalars(arg_, "script") : std::nullopt;
    if (!names || names->empty()) return bad("needs the script to keep: han or latin (or a list of them)");
    ScriptSet scripts = 0;
    for (const std::string& name : *names) {
      const std::optional<Script> parsed = parse_script(name);
      if (!parsed) return bad(unknown_name_message("script", name, script_names()));
      scripts |= script_bit(*parsed);
    }
    return make_script_filter(scripts);
  }

  std::unique_ptr<Step> component() {
    if (!accepts({Kind::text})) return nullptr;
    auto parts = has_arg_ ? file_.scalars(arg_, "component") : std::nullopt;
    if (!parts || parts->empty() || parts->size() > 2) return bad("needs N or [N, separator] (N from 1; separator ^)");
    std::size_t n = 0;
    const std::string& first = (*parts)[0];
    const auto [ptr, ec] = std::from_chars(first.data(), first.data() + first.size(), n);
    if (ec != std::errc() || ptr != first.data() + first.size() || n < 1 || n > 999) {
      return bad("'" + first + "' is not a component number (from 1)");
    }
    char separator = '^';
    if (parts->size() == 2) {
      if ((*parts)[1].size() != 1) return bad("the separator is one character");
      separator = (*parts)[1][0];
    }
    return make_component(n, separator);
  }

  std::unique_ptr<Step> replace() {
    if (!accepts({Kind::text})) return nullptr;
    if (!has_arg_ || !file_.check_keys(arg_, "replace", {"pattern", "with"})) return bad("needs {pattern: …, with: …}");
    if (!carg()["pattern"] || !carg()["with"]) return bad("needs both 'pattern' and 'with'");
    auto re = regex(carg()["pattern"]);
    auto with = file_.scalar(carg()["with"], "with");
    if (!re || !with) return nullptr;
    return make_replace(re, *with);
  }

  std::unique_ptr<Step> fallback() {
    auto text = required_text();
    if (!text) return nullptr;
    Value v(*text, "default");
    std::string error;
    switch (shape_.kind) {
      case Kind::text: break;
      case Kind::number: {
        double n = 0;
        if (!text_to_number(*text, n, error)) return bad(error);
        v.payload = n;
        break;
      }
      case Kind::boolean: {
        bool b = false;
        if (!text_to_boolean(*text, b, error)) return bad(error);
        v.payload = b;
        break;
      }
      case Kind::date: {
        auto d = core::PartialDate::parse(*text);
        if (!d) return bad(d.error());
        v.payload = *d;
        break;
      }
      case Kind::datetime: {
        auto d = core::DateTime::parse(*text);
        if (!d) return bad(d.error());
        v.payload = *d;
        break;
      }
      case Kind::coding: v.payload = Coded{{}, *text, {}}; break;
    }
    return make_default(std::move(v));
  }

  std::unique_ptr<Step> convert() {
    if (!accepts({Kind::number})) return nullptr;
    if (!has_arg_ || !file_.check_keys(arg_, "convert", {"from", "to"}) || !carg()["from"] || !carg()["to"]) {
      return bad("needs {from: unit, to: unit}, e.g. {from: mm, to: cm}");
    }
    const Unit* units[2] = {nullptr, nullptr};
    const char* keys[2] = {"from", "to"};
    for (int i = 0; i < 2; ++i) {
      auto name = file_.scalar(carg()[keys[i]], keys[i]);
      if (!name) return nullptr;
      units[i] = find_unit(*name);
      if (!units[i]) {
        file_.error(carg()[keys[i]], "'convert': " + unknown_name_message("unit", *name, unit_names()));
        return nullptr;
      }
    }
    if (units[0]->dimension != units[1]->dimension) {
      return bad("cannot convert " + std::string(units[0]->dimension) + " (" + std::string(units[0]->name) + ") to " +
                 std::string(units[1]->dimension) + " (" + std::string(units[1]->name) + ")");
    }
    return make_convert(units[0]->to_base / units[1]->to_base);
  }

  std::unique_ptr<Step> range() {
    if (!accepts({Kind::number})) return nullptr;
    if (!has_arg_ || !arg_.IsSequence() || arg_.size() != 2) {
      return bad("needs [min, max]; write ~ for an open end ([0, ~])");
    }
    std::optional<double> bounds[2];
    for (std::size_t i = 0; i < 2; ++i) {
      const YAML::Node b = carg()[i];
      if (b.IsNull()) continue;
      bounds[i] = file_.number(b, "range");
      if (!bounds[i]) return nullptr;
    }
    if (bounds[0] && bounds[1] && *bounds[0] > *bounds[1]) return bad("min is greater than max");
    return make_range(bounds[0], bounds[1]);
  }

  std::optional<DatePattern> pattern(const YAML::Node& node, bool& ok) {
    ok = true;
    if (!node.IsDefined() || node.IsNull()) return std::nullopt;
    auto text = file_.scalar(node, name_);
    if (!text) {
      ok = false;
      return std::nullopt;
    }
    std::string error;
    auto p = DatePattern::compile(*text, error);
    if (!p) {
      file_.error(node, "'" + name_ + "': " + error);
      ok = false;
    }
    return p;
  }

  std::unique_ptr<Step> date() {
    // `{date: excel}`: a day number as Excel stores dates (a CSV saved from a workbook, a cell
    // without its date style), not a pattern.
    if (arg_.IsScalar() && arg_.Scalar() == "excel") {
      if (!accepts({Kind::text, Kind::number, Kind::date, Kind::datetime})) return nullptr;
      shape_.kind = Kind::date;
      return make_excel_date();
    }
    if (!accepts({Kind::text, Kind::date, Kind::datetime})) return nullptr;
    bool ok = true;
    auto p = pattern(arg_, ok);
    if (!ok) return nullptr;
    shape_.kind = Kind::date;
    return make_date(std::move(p));
  }

  std::unique_ptr<Step> datetime() {
    if (!accepts({Kind::text, Kind::datetime})) return nullptr;
    YAML::Node format;
    format.reset(arg_);
    int offset = core::kChinaStandardOffsetMinutes;
    if (has_arg_ && arg_.IsMap()) {
      if (!file_.check_keys(arg_, "datetime", {"format", "timezone"})) return nullptr;
      const auto f = carg()["format"];
      format.reset(f ? f : YAML::Node());
      if (const auto tz = carg()["timezone"]) {
        auto text = file_.scalar(tz, "timezone");
        auto minutes = text ? parse_utc_offset(*text) : std::nullopt;
        if (!minutes) {
          file_.error(tz, "'datetime': timezone is a UTC offset such as +08:00");
          return nullptr;
        }
        offset = *minutes;
      }
    }
    bool ok = true;
    auto p = pattern(format, ok);
    if (!ok) return nullptr;
    if (p && !p->has_time()) return bad("the pattern has no time (HH:mm); use 'date' for a date");
    if (p && !p->has_day()) return bad("the pattern needs a full date (yyyy, MM and dd)");
    shape_.kind = Kind::datetime;
    return make_datetime(std::move(p), offset);
  }

  std::unique_ptr<Step> lookup() {
    if (!accepts({Kind::text, Kind::coding})) return nullptr;
    std::shared_ptr<const ValueSet> set;
    std::optional<UnknownCode> unknown;
    std::optional<YAML::Node> fallback;
    if (has_arg_ && arg_.IsScalar()) {
      set = named_set(arg_);
    } else if (has_arg_ && arg_.IsMap()) {
      if (!file_.check_keys(arg_, "lookup", {"set", "codes", "unknown", "default", "source_system"})) return nullptr;
      if (carg()["set"] && carg()["codes"]) return bad("give either 'set' (a file in codes/) or 'codes' (inline), not both");
      if (carg()["set"]) {
        if (carg()["source_system"]) return bad("source_system belongs in the value set file");
        set = named_set(carg()["set"]);
      } else if (carg()["codes"]) {
        std::string source_system;
        if (const auto sys = carg()["source_system"]) {
          source_system = file_.scalar(sys, "source_system").value_or("");
          std::string error;
          if (!source_system.empty() && !resolve_system(false, source_system, error)) {
            file_.error(sys, "lookup: source_system: " + error);
            return nullptr;
          }
        }
        set = ValueSet::from_yaml(carg()["codes"], "inline", file_, true, source_system);
      } else {
        return bad("needs 'set' or 'codes'");
      }
      if (const auto u = carg()["unknown"]) {
        auto text = file_.scalar(u, "unknown");
        if (text) unknown = parse_unknown_code(*text);
        if (text && !unknown) {
          file_.error(u, "'lookup': " + unknown_name_message("behaviour", *text, {"error", "keep", "default", "drop"}));
        }
        if (!unknown) return nullptr;
      }
      if (const auto d = carg()["default"]) fallback = d;
    } else {
      return bad("needs a value set name or {set: …, unknown: …}");
    }
    if (!set) return nullptr;
    if (c_.used_set) c_.used_set(set);
    const UnknownCode behaviour = unknown.value_or(set->unknown());
    std::optional<Coded> code = set->default_code();
    if (fallback) {
      auto text = file_.scalar(*fallback, "default");
      if (!text) return nullptr;
      const Coded* known = set->find_target(*text);
      code = known ? *known : Coded{set->system(), *text, {}};
    }
    if (behaviour == UnknownCode::default_ && !code) return bad("'unknown: default' needs a 'default:' code");
    shape_.kind = Kind::coding;
    return make_lookup(std::move(set), behaviour, std::move(code));
  }

  std::shared_ptr<const ValueSet> named_set(const YAML::Node& node) {
    auto name = file_.scalar(node, "lookup");
    if (!name) return nullptr;
    if (!c_.catalog) {
      file_.error(node, "'lookup': value set '" + *name + "' cannot be found: no codes/ folder above this mapping");
      return nullptr;
    }
    const std::size_t before = file_.errors().size();
    auto set = c_.catalog->get(*name, file_.errors());
    if (set) return set;
    if (c_.catalog->has_file(*name)) {
      if (file_.errors().size() == before) {
        file_.error(node, "'lookup': value set '" + *name + "' has errors (reported with its file)");
      }
      return nullptr;
    }
    const std::vector<std::string> names = c_.catalog->names();
    std::vector<std::string_view> views(names.begin(), names.end());
    file_.error(node, "'lookup': " + unknown_name_message("value set", *name, views) + " (looked in " +
                          c_.catalog->dir().string() + ")");
    return nullptr;
  }

  const YAML::Node& carg() const { return arg_; }

  const YAML::Node& node_;
  Shape& shape_;
  StepCompiler& c_;
  YamlFile& file_;
  std::string name_;
  YAML::Node arg_;
  bool has_arg_ = false;
};

}  // namespace

std::unique_ptr<Step> compile_step(const YAML::Node& node, Shape& shape, StepCompiler& compiler) {
  return StepReader(node, shape, compiler).read();
}

}  // namespace kq::mapping::detail
