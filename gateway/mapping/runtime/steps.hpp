#pragma once
// Steps: the `then:` chain of a value. A step transforms each value (trim, date, lookup …) or
// checks it (range, pattern, resident_id …). A value that fails a step is removed from the
// chain and reported with its source location, so one bad field neither stops the record nor
// hides the other errors.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/core/dates.hpp"
#include "gateway/core/error_kind.hpp"
#include "gateway/mapping/runtime/value.hpp"

namespace kq::mapping {
class CompiledMapping;
class Coverage;
class ValueSet;
class ValueSetCatalog;
}  // namespace kq::mapping

namespace kq::mapping::detail {

class YamlFile;

// A value that failed a step: where it came from, why, and what kind of problem that is for
// the sender (a lookup miss is code_unknown, a bad date data_type …), carried into MapError.
struct StepFailure {
  std::string location;
  std::string message;
  core::ErrorKind kind = core::ErrorKind::unspecified;
};

// What a step may use while it runs.
struct StepEnv {
  std::vector<StepFailure>* failures = nullptr;
  Coverage* coverage = nullptr;
  const CompiledMapping* mapping = nullptr;
  std::optional<core::PartialDate> fixed_today;  // ApplyOptions::today

  // Today's date, read from the clock only by the steps that ask (most documents have none).
  const core::PartialDate& today() const {
    if (!today_) today_ = fixed_today ? *fixed_today : core::PartialDate::today();
    return *today_;
  }

  void fail(const Value& value, std::string message, core::ErrorKind kind) const {
    failures->push_back({value.location, std::move(message), kind});
  }

 private:
  mutable std::optional<core::PartialDate> today_;
};

class Step {
 public:
  virtual ~Step() = default;
  virtual void run(Values& values, const StepEnv& env) const = 0;
  // join combines several values into one: a single-valued field keeps every selected value
  // until it, instead of only the first.
  virtual bool combines() const { return false; }
  virtual const ValueSet* value_set() const { return nullptr; }
  // A step that keeps a part of a text value (component): cuts_text() is true, and part_of()
  // gives the part of `text` it would keep (false: none, the value would be dropped) and the
  // suffix it adds to the value's location ("PID-3[2]" → "PID-3[2].1"). Lets the evaluator
  // take just that part of a match instead of copying the whole match and cutting it.
  virtual bool cuts_text() const { return false; }
  virtual bool part_of(std::string_view /*text*/, std::string_view& /*part*/, std::string& /*suffix*/) const {
    return false;
  }
};

// What flows between steps, as far as the compiler can tell.
struct Shape {
  Kind kind = Kind::text;
  bool list = false;  // several values (split, or every match of a path into a list field)
};

struct StepCompiler {
  YamlFile& file;
  ValueSetCatalog* catalog;  // may be null: then only inline lookup tables work
  // Called for every value set a step uses (for coverage and `kangqiao check`).
  std::function<void(std::shared_ptr<const ValueSet>)> used_set;
};

// Compiles one step (`trim`, `{date: yyyyMMdd}` …) that receives values of `shape`, and updates
// `shape` to what it produces. Reports problems through `compiler.file`; nullptr on error.
std::unique_ptr<Step> compile_step(const YAML::Node& node, Shape& shape, StepCompiler& compiler);

// Implicit conversions of text to the kind a target needs. Return false with `error` set.
bool text_to_number(std::string_view text, double& out, std::string& error);
bool text_to_boolean(std::string_view text, bool& out, std::string& error);

}  // namespace kq::mapping::detail
