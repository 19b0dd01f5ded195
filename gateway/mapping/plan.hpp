#pragma once
// The compiled form of a mapping: what apply() runs. Built by the compiler, immutable after.
//
// Names are resolved to indices (variables to slots, `$record` references to rule numbers),
// paths are compiled by their format, and every target is checked against the canonical model,
// so that applying a mapping is selection, a few virtual calls per value and JSON writing.
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "gateway/config/source_location.hpp"
#include "gateway/core/record_kind.hpp"
#include "gateway/core/record_setters.hpp"
#include "gateway/formats/source.hpp"
#include "gateway/mapping/runtime/script.hpp"
#include "gateway/mapping/runtime/steps.hpp"
#include "gateway/mapping/compiler/target_schema.hpp"
#include "gateway/mapping/runtime/value.hpp"
#include "gateway/mapping/value_set.hpp"

namespace kq::mapping::detail {

enum class SourceType {
  path,        // a path of the source format
  current,     // `.`: the current match of an each: (its text and location)
  variable,    // $name of a `let`
  record,      // $name of a record rule: the id(s) of the record(s) it produced
  sender_org,  // $sender_org
  received_at,  // $received_at: when the gateway received the message
  mapping_variable,  // $name of the mapping's `variables:`, set by the channel
};

struct Source {
  SourceType type = SourceType::path;
  std::shared_ptr<const formats::Path> path;
  int index = -1;         // variable slot, record rule number, or index into Plan::variables
  int shared_depth = 0;   // record: how many enclosing groups the referring and referred rule share
  bool from_document = true;  // whether its values come from the document (not constants, ids or context)
  bool multi = false;     // may give several values (record: several records)
  std::string text;       // as written
};

struct Condition {
  enum class Op { all, any, negate, equals, exists, matches, script };
  Op op = Op::all;
  std::vector<Condition> children;  // all, any, negate
  Source source;                    // equals, exists, matches
  std::vector<std::string> values;  // equals: any of these; script: the names as written
  bool expect = true;               // exists: true/false; equals: false for `not: […]`
  std::shared_ptr<const std::regex> regex;
  std::string pattern;              // matches: as written
  ScriptSet scripts = 0;            // script: any of these
};

struct LetPlan;

struct ValueExpr {
  // `each:` makes the value per match of a path, in its scope: the `let`s, `when` and sources
  // below are read for every match, and a single-valued field takes the first match that gives
  // a value (first_match); lists, lets and keys take the values of every match.
  std::optional<Source> each;
  std::vector<LetPlan> lets;  // read before `when`, per evaluation (per match with each)
  bool first_match = true;
  std::vector<Source> sources;     // from: one path or several
  std::optional<Value> constant;   // a constant instead of sources
  std::vector<std::unique_ptr<Step>> steps;
  std::optional<Condition> when;
  // A single-valued field takes the first value found, before the steps run, unless a step
  // combines several (join): then every selected value flows until it.
  bool first_only = true;
  // `from: [a, b]` is "a, or else b" (the first source that gives a value) wherever the values
  // are not combined: fields that are not lists and lets. Lists, join and keys take every source.
  bool first_source = true;
  bool from_document = true;
  Shape shape;  // what the steps produce
  int rule = -1;
};

struct ObjectSpec;

struct FieldPlan {
  std::string key;
  const TargetField* target = nullptr;
  std::vector<ValueExpr> values;    // leaf targets; Coding objects filled from a lookup
  std::vector<ObjectSpec> objects;  // object and list-of-object targets
  // The member of core's typed record this field sets (bind_setters); null inside a tagged
  // union (Observation.value), whose fields core takes by `key`.
  const core::setters::Member* member = nullptr;
};

struct LetPlan {
  std::string name;
  int slot = -1;
  ValueExpr value;
  // `name: [A, B]`: B is read only when A gives no value, as for a field's alternatives.
  std::vector<ValueExpr> otherwise;
};

struct RequiredPlan {
  std::vector<std::string> keys;  // "name.text" → {"name", "text"}
  std::string path;               // as written
  std::string sources;            // the source paths mapped into it, for the message ("PID-7")
};

// An object (a record, a list entry, a nested object) that maps something from the document is
// written only when at least one of those values is found: an identifier whose PID-19 is empty
// is left out rather than written as a system without a value. An object made only of
// constants and $names is written whenever its `when` holds.
struct ObjectSpec {
  std::optional<Source> each;  // list elements and record rules: one per match
  std::optional<Condition> when;
  std::vector<LetPlan> lets;
  std::vector<FieldPlan> fields;
  std::vector<RequiredPlan> required;
  bool document_sources = false;  // some field maps a path of the document
  int rule = -1;
};

struct RecordRule {
  std::string name;
  bool group = false;
  core::RecordKind kind = core::RecordKind::person;
  ObjectSpec spec;
  std::optional<ValueExpr> key;  // the business key the record id is derived from
  std::vector<int> children;     // group: the rules inside it
  int parent = -1;               // the enclosing group, -1 at the top
  int depth = 0;                 // number of enclosing groups
  bool multi = false;            // may produce several records per instance of its parent group
  bool referenced = false;       // some field refers to it with $name
  bool required = false;         // the document must produce at least one such record
  config::SourceLocation where;
};

struct RuleInfo {
  std::string what;  // "patient.sex", "records.visit"
  config::SourceLocation where;
};

struct Plan {
  std::string name;
  std::string version;
  std::string description;
  std::string file;
  const formats::Format* format = nullptr;
  formats::ParseOptions parse_options;
  std::optional<Condition> match;
  std::vector<LetPlan> lets;  // document scope
  std::vector<RecordRule> rules;  // in the order they run (pre-order)
  std::vector<int> top;           // the rules at the top level
  int slot_count = 0;
  std::vector<RuleInfo> rule_infos;
  std::vector<std::shared_ptr<const ValueSet>> value_sets;  // every set a lookup uses
  std::vector<std::shared_ptr<const formats::Path>> paths;  // every compiled path, for document checks
  std::vector<MappingVariable> variables;  // `variables:`, in the order declared
  // The format's "present but empty" is the sender saying "delete this value": the HL7 null "".
  // Elsewhere (an empty XML element, an empty cell) it is only "nothing here".
  bool empty_means_cleared = false;
};

// Points every field of the plan at the member of core's typed record it sets. Called once,
// when the mapping is compiled; throws std::logic_error if a target is not in core's model
// (the compiler's target table and core's field lists are held together by a unit test).
void bind_setters(Plan& plan);

}  // namespace kq::mapping::detail
