#include "gateway/mapping/runtime/evaluate.hpp"

#include <algorithm>

#include "gateway/mapping/test_runner/coverage.hpp"
#include "gateway/mapping/runtime/steps_internal.hpp"

namespace kq::mapping::detail {

Evaluator::Evaluator(const CompiledMapping& mapping, const formats::Document& document, const ApplyOptions& options)
    : mapping_(mapping),
      plan_(mapping.plan()),
      document_(document),
      options_(options),
      slots_(static_cast<std::size_t>(plan_.slot_count)),
      produced_(plan_.rules.size()) {
  env_.failures = &failures_;
  env_.coverage = options.coverage;
  env_.mapping = &mapping;
  env_.fixed_today = options.today;
}

void Evaluator::hit(int rule) const {
  if (options_.coverage && rule >= 0) options_.coverage->hit_rule(&mapping_, rule);
}

std::vector<formats::Match> Evaluator::matches_of(const Source& source, const formats::Match* scope) const {
  if (!source.path) return {};
  return source.path->select(document_, scope);
}

namespace {

// The values of a path, straight from the document into `out`: no list of matches in between.
class CollectValues final : public formats::MatchVisitor {
 public:
  CollectValues(Values& out, bool first_only) : out_(out), first_only_(first_only) {}
  bool take(const formats::MatchView& match) override {
    if (match.text.empty()) return true;  // present but empty is no value for a mapping
    out_.emplace_back(std::string(match.text), std::string(match.location));
    return !first_only_;
  }

 private:
  Values& out_;
  bool first_only_;
};

// The first non-empty value of a path, for a condition: copied into a reused string.
class FirstText final : public formats::MatchVisitor {
 public:
  explicit FirstText(std::string& out) : out_(out) {}
  bool take(const formats::MatchView& match) override {
    if (match.text.empty()) return true;
    out_.assign(match.text);
    found_ = true;
    return false;
  }
  bool found() const { return found_; }

 private:
  std::string& out_;
  bool found_ = false;
};

}  // namespace

void Evaluator::select(const Source& source, const formats::Match* scope, bool first_only, Values& out) {
  switch (source.type) {
    case SourceType::path: {
      CollectValues collect(out, first_only);
      source.path->visit(document_, scope, collect);
      return;
    }
    case SourceType::current:
      if (scope && !scope->text.empty()) out.emplace_back(scope->text, scope->location);
      return;
    case SourceType::variable: {
      const Values& values = slots_[static_cast<std::size_t>(source.index)];
      if (first_only && !values.empty()) {
        out.push_back(values.front());
      } else {
        out.insert(out.end(), values.begin(), values.end());
      }
      return;
    }
    case SourceType::record: {
      const auto depth = static_cast<std::size_t>(source.shared_depth);
      for (const Instance& instance : produced_[static_cast<std::size_t>(source.index)]) {
        // Only records made inside the group instances this rule shares with the one it names:
        // an OBX's observation sees the OBR group it is in, not every group of the message.
        if (instance.groups.size() < depth || group_stack_.size() < depth ||
            !std::equal(group_stack_.begin(), group_stack_.begin() + static_cast<std::ptrdiff_t>(depth),
                        instance.groups.begin())) {
          continue;
        }
        if (instance.id.empty()) continue;
        out.emplace_back(instance.id, std::string());
        if (first_only) break;
      }
      return;
    }
    case SourceType::sender_org:
      if (!options_.sender_org.empty()) out.emplace_back(options_.sender_org, std::string());
      return;
  }
}

Values Evaluator::evaluate(const ValueExpr& expr, const formats::Match* scope) {
  Values out;
  evaluate(expr, scope, out);
  return out;
}

void Evaluator::evaluate(const ValueExpr& expr, const formats::Match* scope, Values& out) {
  out.clear();
  if (expr.when && !holds(*expr.when, scope)) return;
  if (expr.constant) {
    out.push_back(*expr.constant);
  } else {
    for (const Source& source : expr.sources) {
      select(source, scope, expr.first_only, out);
      if (expr.first_source && !out.empty()) break;  // from: [a, b] is "a, or else b"
    }
  }
  for (const auto& step : expr.steps) step->run(out, env_);
}

namespace {

std::string list_text(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) out += (i == 0 ? "" : ", ") + values[i];
  return out;
}

}  // namespace

bool Evaluator::holds(const Condition& condition, const formats::Match* scope, std::string* why) {
  switch (condition.op) {
    case Condition::Op::all:
      for (const Condition& child : condition.children) {
        if (!holds(child, scope, why)) return false;
      }
      return true;
    case Condition::Op::any: {
      std::string first_reason;
      for (const Condition& child : condition.children) {
        if (holds(child, scope, first_reason.empty() ? &first_reason : nullptr)) return true;
      }
      if (why) *why = "none of the alternatives holds (" + first_reason + ")";
      return false;
    }
    case Condition::Op::negate:
      if (holds(condition.children.front(), scope, nullptr)) {
        if (why) *why = "a 'not:' condition holds";
        return false;
      }
      return true;
    case Condition::Op::equals:
    case Condition::Op::exists:
    case Condition::Op::matches: break;
  }
  // A let's value is read in place: conditions on $names run for every repetition of an each.
  // A path's first value is copied into a reused string; only a value that is not text is
  // spelled out.
  std::string_view text;
  std::string converted;
  const auto read = [&](const Value& first) {
    if (first.is_text()) {
      text = first.text();
    } else {
      converted = to_text(first);
      text = converted;
    }
  };
  if (condition.source.type == SourceType::variable) {
    const Values& slot = slots_[static_cast<std::size_t>(condition.source.index)];
    if (!slot.empty()) read(slot.front());
  } else if (condition.source.type == SourceType::path) {
    FirstText first(condition_text_);
    condition.source.path->visit(document_, scope, first);
    if (first.found()) text = condition_text_;
  } else {
    Values values;
    select(condition.source, scope, true, values);
    if (!values.empty()) read(values.front());
  }
  bool ok = false;
  if (condition.op == Condition::Op::exists) {
    ok = text.empty() != condition.expect;
  } else if (condition.op == Condition::Op::equals) {
    const bool found = std::find(condition.values.begin(), condition.values.end(), text) != condition.values.end();
    ok = found == condition.expect;
  } else {
    ok = text.size() <= kMaxRegexInput && std::regex_search(text.begin(), text.end(), *condition.regex);
  }
  if (ok || !why) return ok;
  // The reason is only put into words for a caller that shows it.
  const std::string& name = condition.source.text;
  const std::string shown = text.empty() ? name + " is empty" : name + " is " + quote_value(text);
  if (condition.op == Condition::Op::exists) {
    *why = condition.expect ? name + " is empty" : shown + ", expected nothing there";
  } else if (condition.op == Condition::Op::equals) {
    *why = condition.expect ? shown + ", expected " + (condition.values.size() > 1 ? "one of " : "") +
                                  list_text(condition.values)
                            : shown + ", which is excluded";
  } else {
    *why = shown + ", which does not match " + condition.pattern;
  }
  return ok;
}

}  // namespace kq::mapping::detail
