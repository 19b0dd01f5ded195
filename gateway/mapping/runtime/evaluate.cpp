#include "gateway/mapping/runtime/evaluate.hpp"

#include <algorithm>

#include "gateway/mapping/test_runner/coverage.hpp"
#include "gateway/mapping/runtime/steps_internal.hpp"
#include "gateway/mapping/runtime/thread_spares.hpp"

namespace kq::mapping::detail {

bool EvaluatorBuffers::reset() {
  constexpr std::size_t kLargestKeptSlot = 1024;  // values in one slot
  for (Values& slot : slots) {
    if (slot.capacity() > kLargestKeptSlot) return false;
    slot.clear();
  }
  for (auto& instances : produced) instances.clear();
  for (const auto& list : match_lists) {
    if (list->size() > kLargestKeptSlot) return false;
  }
  match_depth = 0;
  failures.clear();
  group_stack.clear();
  variables.clear();
  return true;
}

Evaluator::Evaluator(const CompiledMapping& mapping, const formats::Document& document, const ApplyOptions& options)
    : mapping_(mapping),
      plan_(mapping.plan()),
      document_(document),
      options_(options),
      buffers_(ThreadSpares<EvaluatorBuffers>::take()),
      slots_(buffers_->slots),
      slot_nulled_(buffers_->slot_nulled),
      variables_(buffers_->variables),
      condition_text_(buffers_->condition_text),
      failures_(buffers_->failures),
      produced_(buffers_->produced),
      group_stack_(buffers_->group_stack) {
  // Sized for this plan; every slot and list is empty (reset() emptied them).
  slots_.resize(static_cast<std::size_t>(plan_.slot_count));
  slot_nulled_.assign(plan_.empty_means_cleared ? static_cast<std::size_t>(plan_.slot_count) : 0, 0);
  produced_.resize(plan_.rules.size());
  env_.failures = &failures_;
  env_.coverage = options.coverage;
  env_.mapping = &mapping;
  env_.fixed_today = options.today;
  // Each variable's value is found once per document, not on every read.
  variables_.reserve(plan_.variables.size());
  for (const MappingVariable& v : plan_.variables) {
    const std::string* value = v.default_value ? &*v.default_value : nullptr;
    if (options.variables) {
      if (auto it = options.variables->find(v.name); it != options.variables->end()) value = &it->second;
    }
    variables_.push_back(value);
  }
}

Evaluator::~Evaluator() { ThreadSpares<EvaluatorBuffers>::give_back(std::move(buffers_)); }

std::string Evaluator::variable_problem() const {
  if (!options_.variables) return {};
  for (const MappingVariable& v : plan_.variables) {
    auto it = options_.variables->find(v.name);
    if (it == options_.variables->end()) continue;
    if (std::string why = v.check(it->second); !why.empty()) {
      return "mapping variable " + v.name + ": " + why + " (set for this channel)";
    }
  }
  return {};
}

void Evaluator::hit(int rule) const {
  if (options_.coverage && rule >= 0) options_.coverage->hit_rule(&mapping_, rule);
}

namespace {

// The matches of a path into a list kept from earlier documents: its strings are assigned, not
// allocated again, and entries past the end are kept for the next time.
class CollectMatches final : public formats::MatchVisitor {
 public:
  explicit CollectMatches(std::vector<formats::Match>& list) : list_(list) {}
  bool take(const formats::MatchView& match) override {
    if (count_ == list_.size()) list_.emplace_back();
    formats::Match& m = list_[count_++];
    m.text.assign(match.text);
    m.location.assign(match.location);
    m.handle = match.handle;
    return true;
  }
  std::size_t count() const { return count_; }

 private:
  std::vector<formats::Match>& list_;
  std::size_t count_ = 0;
};

}  // namespace

Evaluator::Matches::Matches(Evaluator& ev, const Source& source, const formats::Match* scope)
    : buffers_(*ev.buffers_) {
  auto& lists = buffers_.match_lists;
  if (buffers_.match_depth == lists.size()) lists.push_back(std::make_unique<std::vector<formats::Match>>());
  list_ = lists[buffers_.match_depth++].get();
  if (!source.path) return;
  CollectMatches collect(*list_);
  source.path->visit(ev.document_, scope, collect);
  count_ = collect.count();
}

Evaluator::Matches::~Matches() { --buffers_.match_depth; }

namespace {

// The values of a path, straight from the document into `out`: no list of matches in between.
class CollectValues final : public formats::MatchVisitor {
 public:
  CollectValues(Values& out, bool first_only, std::uint32_t* nulls)
      : out_(out), first_only_(first_only), nulls_(nulls) {}
  bool take(const formats::MatchView& match) override {
    if (match.text.empty()) {  // present but empty is no value for a mapping
      if (nulls_) ++*nulls_;
      return true;
    }
    // Made in place from the views: no temporary strings to build and move.
    Value& v = out_.emplace_back();
    v.payload.emplace<std::string>(match.text);
    v.location.assign(match.location);
    return !first_only_;
  }

 private:
  Values& out_;
  bool first_only_;
  std::uint32_t* nulls_;  // null where an empty value is only "nothing here"
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
      CollectValues collect(out, first_only, plan_.empty_means_cleared ? &nulls_ : nullptr);
      source.path->visit(document_, scope, collect);
      return;
    }
    case SourceType::current:
      if (!scope) return;
      count_null(scope->text);
      if (!scope->text.empty()) out.emplace_back(scope->text, scope->location);
      return;
    case SourceType::variable: {
      const Values& values = slots_[static_cast<std::size_t>(source.index)];
      if (values.empty() && !slot_nulled_.empty() && slot_nulled_[static_cast<std::size_t>(source.index)]) ++nulls_;
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
    case SourceType::received_at:
      if (options_.received_at) {
        Value& v = out.emplace_back();
        v.payload = *options_.received_at;
      }
      return;
    case SourceType::mapping_variable: {
      const std::string* value = variables_[static_cast<std::size_t>(source.index)];
      if (value && !value->empty()) out.emplace_back(*value, std::string());
      return;
    }
  }
}

Values Evaluator::evaluate(const ValueExpr& expr, const formats::Match* scope) {
  Values out;
  evaluate(expr, scope, out);
  return out;
}

void Evaluator::evaluate(const ValueExpr& expr, const formats::Match* scope, Values& out) {
  if (!expr.each) {
    evaluate_in(expr, scope, out);
    return;
  }
  out.clear();
  const Matches matches(*this, *expr.each, scope);
  if (expr.first_match) {
    // The first match that gives a value: `out` is empty until then, so each reading goes
    // straight into it and the steps see that match's values only.
    for (const formats::Match& m : matches) {
      evaluate_in(expr, &m, out);
      if (!out.empty()) return;
    }
    return;
  }
  Values part;
  for (const formats::Match& m : matches) {
    evaluate_in(expr, &m, part);
    for (Value& v : part) out.push_back(std::move(v));
  }
}

void Evaluator::run_let(const LetPlan& let, const formats::Match* scope) {
  // Straight into the let's slot: a let cannot read itself (its value is compiled before its
  // name is declared), so the slot's buffer is reused for every document and every match.
  const auto index = static_cast<std::size_t>(let.slot);
  Values& slot = slots_[index];
  const std::uint32_t nulls = nulls_;
  evaluate(let.value, scope, slot);
  const ValueExpr* used = &let.value;
  for (std::size_t i = 0; i < let.otherwise.size() && slot.empty() && failures_.empty(); ++i) {
    used = &let.otherwise[i];
    evaluate(*used, scope, slot);
  }
  if (!slot.empty()) hit(used->rule);
  if (!slot_nulled_.empty()) slot_nulled_[index] = slot.empty() && nulls_ != nulls;
}

void Evaluator::evaluate_in(const ValueExpr& expr, const formats::Match* scope, Values& out) {
  out.clear();
  for (const LetPlan& let : expr.lets) run_let(let, scope);
  if (expr.when && !holds(*expr.when, scope)) return;
  std::size_t first_step = 0;
  if (expr.constant) {
    out.push_back(*expr.constant);
  } else if (expr.sources.size() == 1 && expr.sources.front().type == SourceType::current && scope &&
             !expr.steps.empty()) {
    // `from: .` then a component: only that part of the match is copied (a PID-3 repetition is
    // 50 bytes, the part a type code or a number).
    count_null(scope->text);
    std::string_view part;
    std::string suffix;
    if (scope->text.empty()) return;
    const Step& first = *expr.steps.front();
    if (!first.cuts_text()) {
      out.emplace_back(scope->text, scope->location);  // as select() reads `.`
    } else if (first.part_of(scope->text, part, suffix)) {
      first_step = 1;
      Value& v = out.emplace_back();
      v.payload.emplace<std::string>(part);
      if (!scope->location.empty()) v.location.append(scope->location).append(suffix);
    } else {
      return;  // the part is missing: the step would have dropped the value
    }
  } else {
    for (const Source& source : expr.sources) {
      select(source, scope, expr.first_only, out);
      if (expr.first_source && !out.empty()) break;  // from: [a, b] is "a, or else b"
    }
  }
  for (std::size_t i = first_step; i < expr.steps.size(); ++i) expr.steps[i]->run(out, env_);
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
    case Condition::Op::matches:
    case Condition::Op::script: break;
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
  } else if (condition.source.type == SourceType::mapping_variable) {
    if (const std::string* value = variables_[static_cast<std::size_t>(condition.source.index)]) text = *value;
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
  } else if (condition.op == Condition::Op::script) {
    ok = written_in(text, condition.scripts);
  } else {
    ok = text.size() <= kMaxRegexInput && std::regex_search(text.begin(), text.end(), *condition.regex);
  }
  if (ok || !why) return ok;
  // The reason is only put into words for a caller that shows it.
  const std::string& name = condition.source.text;
  const std::string shown = text.empty() ? name + " is empty" : name + " is " + quote_value(text);
  if (condition.op == Condition::Op::exists) {
    *why = condition.expect ? name + " is empty" : shown + ", expected nothing there";
  } else if (condition.op == Condition::Op::script) {
    *why = text.empty() ? shown : shown + ", which is not written in " + list_text(condition.values);
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
