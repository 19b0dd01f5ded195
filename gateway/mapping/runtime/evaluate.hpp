#pragma once
// Evaluating a plan's values and conditions against one document. Internal to kq_mapping; used
// by apply() and by CompiledMapping::matches().
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/mapping/mapping.hpp"
#include "gateway/mapping/plan.hpp"

namespace kq::mapping::detail {

// The buffers an evaluation fills and empties many times per document (a let's values per slot,
// the records each rule made), kept per thread between documents (ThreadSpares).
struct EvaluatorBuffers {
  struct Instance {
    std::string id;
    std::vector<std::uint32_t> groups;  // serial numbers of the enclosing group instances
  };
  std::vector<Values> slots;
  std::vector<char> slot_nulled;
  std::vector<const std::string*> variables;
  std::string condition_text;
  std::vector<StepFailure> failures;
  std::vector<std::vector<Instance>> produced;
  std::vector<std::uint32_t> group_stack;
  // The matches of the `each` paths being iterated, innermost last (see Evaluator::Matches).
  // Their strings keep their capacity from one document to the next.
  std::vector<std::unique_ptr<std::vector<formats::Match>>> match_lists;
  std::size_t match_depth = 0;
  bool reset();  // empties them all, keeping capacity; false if one grew too large to keep
};

class Evaluator {
 public:
  Evaluator(const CompiledMapping& mapping, const formats::Document& document, const ApplyOptions& options);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // The values of `expr` in `scope` (nullptr: the whole document), after its steps. Values that
  // failed a step are in failures(). An `each:` value is read per match (see ValueExpr).
  Values evaluate(const ValueExpr& expr, const formats::Match* scope);
  // The same into `out` (cleared first), so that a caller can reuse one buffer.
  void evaluate(const ValueExpr& expr, const formats::Match* scope, Values& out);
  // Every match of a path (`each:`), in document order, in a list this thread reuses: valid
  // while the Matches object lives (they nest, as eaches do).
  class Matches {
   public:
    Matches(Evaluator& ev, const Source& source, const formats::Match* scope);
    ~Matches();
    Matches(const Matches&) = delete;
    Matches& operator=(const Matches&) = delete;
    const formats::Match* begin() const { return list_->data(); }
    const formats::Match* end() const { return list_->data() + count_; }

   private:
    EvaluatorBuffers& buffers_;
    std::vector<formats::Match>* list_ = nullptr;
    std::size_t count_ = 0;
  };
  bool holds(const Condition& condition, const formats::Match* scope, std::string* why = nullptr);
  // Reads a let into its slot (its alternatives in turn, until one gives a value).
  void run_let(const LetPlan& let, const formats::Match* scope);

  std::vector<StepFailure>& failures() { return failures_; }
  // How many empty values that mean "delete" (the HL7 null "") the paths read so far have met.
  // A field that gets no value while this count rose was cleared by the sender.
  std::uint32_t nulls() const { return nulls_; }
  // A variable's value given by ApplyOptions::variables that its `one_of` refuses: the first
  // such problem, as an error of the whole document; empty when there is none.
  std::string variable_problem() const;
  void hit(int rule) const;
  const ApplyOptions& options() const { return options_; }
  const Plan& plan() const { return plan_; }

  // Record references: what each record rule produced, and in which group instances.
  using Instance = EvaluatorBuffers::Instance;
  std::vector<std::vector<Instance>>& produced() { return produced_; }
  std::vector<std::uint32_t>& group_stack() { return group_stack_; }
  std::uint32_t next_serial() { return ++serial_; }

 private:
  friend class Matches;
  void select(const Source& source, const formats::Match* scope, bool first_only, Values& out);
  // One reading of `expr` in `scope`: its lets, its when, its sources and steps, into `out`.
  void evaluate_in(const ValueExpr& expr, const formats::Match* scope, Values& out);
  void count_null(std::string_view text) {
    if (text.empty() && plan_.empty_means_cleared) ++nulls_;
  }

  const CompiledMapping& mapping_;
  const Plan& plan_;
  const formats::Document& document_;
  const ApplyOptions& options_;
  std::unique_ptr<EvaluatorBuffers> buffers_;  // taken from this thread's spares; given back after
  // References into *buffers_, under the names the evaluation code has always used.
  std::vector<Values>& slots_;
  // By slot: the let has no value because the sender nulled what it reads, which a field that
  // takes the let passes on (count_null).
  std::vector<char>& slot_nulled_;
  std::vector<const std::string*>& variables_;  // by Plan::variables index: the value, or nullptr
  std::string& condition_text_;  // the value a condition on a path reads, reused
  std::vector<StepFailure>& failures_;
  StepEnv env_;
  std::vector<std::vector<Instance>>& produced_;
  std::vector<std::uint32_t>& group_stack_;
  std::uint32_t serial_ = 0;
  std::uint32_t nulls_ = 0;
};

}  // namespace kq::mapping::detail
