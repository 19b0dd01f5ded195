// Applying a compiled mapping: run the record rules over the document, write each record's body
// as JSON directly, then let core validate it and translate core's errors back into the
// sender's terms through the lineage.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>

#include <boost/json.hpp>

#include "gateway/core/uuid.hpp"
#include "gateway/mapping/test_runner/coverage.hpp"
#include "gateway/mapping/runtime/document_checks.hpp"
#include "gateway/mapping/runtime/evaluate.hpp"
#include "gateway/mapping/runtime/name_uuid.hpp"
#include "gateway/mapping/runtime/steps_internal.hpp"

namespace kq::mapping {

namespace detail {

namespace json = boost::json;

namespace {

bool write_leaf(LeafType type, const Value& v, json::value& out, std::string& error) {
  switch (type) {
    case LeafType::text:
    case LeafType::code:
    case LeafType::id:
      if (v.is_text()) {
        out = v.text();
      } else {
        out = to_text(v);
      }
      return true;
    case LeafType::identifier_system:
    case LeafType::code_system: {
      // A system read from the document gets the same treatment as a constant: a registry name
      // becomes its URI, an unknown name is an error (core would not know the system's checks).
      const std::string text = v.is_text() ? v.text() : to_text(v);
      auto uri = resolve_system(type == LeafType::identifier_system, text, error);
      if (!uri) {
        error = quote_value(text) + ": " + error;
        return false;
      }
      out = std::move(*uri);
      return true;
    }
    case LeafType::number:
    case LeafType::integer: {
      double n = 0;
      if (v.kind() == Kind::number) {
        n = v.number();
      } else if (!text_to_number(v.text(), n, error)) {
        return false;
      }
      if (type == LeafType::number) {
        out = n;
        return true;
      }
      if (std::fabs(n - std::round(n)) > 1e-9 || std::fabs(n) > 9e15) {
        error = quote_value(to_text(v)) + " is not a whole number";
        return false;
      }
      out = static_cast<std::int64_t>(std::llround(n));
      return true;
    }
    case LeafType::boolean: {
      bool b = false;
      if (v.kind() == Kind::boolean) {
        b = std::get<bool>(v.payload);
      } else if (!text_to_boolean(v.text(), b, error)) {
        return false;
      }
      out = b;
      return true;
    }
    case LeafType::date: {
      if (v.kind() == Kind::date) {
        out = std::get<core::PartialDate>(v.payload).iso();
      } else if (v.kind() == Kind::datetime) {
        out = std::get<core::DateTime>(v.payload).local_date().iso();
      } else if (auto d = core::PartialDate::parse(v.text())) {
        out = d->iso();
      } else if (auto dt = core::DateTime::parse(v.text())) {
        out = dt->local_date().iso();
      } else {
        error = quote_value(v.text()) + " is not a date (" + d.error() + "); give the layout with {date: …}";
        return false;
      }
      return true;
    }
    case LeafType::datetime: {
      if (v.kind() == Kind::datetime) {
        out = std::get<core::DateTime>(v.payload).iso();
      } else if (auto dt = core::DateTime::parse(v.text())) {
        out = dt->iso();
      } else {
        error = quote_value(v.text()) + " is not a date-time (" + dt.error() + "); give the layout with {datetime: …}";
        return false;
      }
      return true;
    }
  }
  return false;
}

// What a write_leaf failure is for the sender: a system name we do not know is a value not in
// our table; everything else is a value of the wrong form for its field.
core::ErrorKind leaf_error_kind(LeafType type) {
  return type == LeafType::identifier_system || type == LeafType::code_system ? core::ErrorKind::code_unknown
                                                                              : core::ErrorKind::data_type;
}

json::object coding_object(const Coded& c, const json::storage_ptr& arena) {
  json::object o(arena);
  o.reserve(3);
  if (!c.system.empty()) o.emplace("system", c.system);
  if (!c.code.empty()) o.emplace("code", c.code);
  if (!c.display.empty()) o.emplace("display", c.display);
  return o;
}

const std::string kIdKey = "id";

bool related(const std::string& a, const std::string& b) {
  auto under = [](const std::string& inner, const std::string& outer) {
    return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
           (inner[outer.size()] == '.' || inner[outer.size()] == '[');
  };
  return a == b || under(a, b) || under(b, a);
}

// One record being made: its body, where each of its values came from, and what went wrong.
struct Pending {
  explicit Pending(const json::storage_ptr& arena) : body(arena) {}
  const RecordRule* rule = nullptr;
  json::object body;
  std::vector<core::FieldLineage> lineage;
  std::vector<MapError> errors;
  std::vector<std::string> failed;  // target paths whose value failed; core's complaints about them are echoes
  bool minted_id = false;  // record_id() made a new id: no earlier version of the record can exist
};

class Applier {
 public:
  Applier(const CompiledMapping& mapping, const formats::Document& document, const ApplyOptions& options,
          MapResult& result)
      : plan_(mapping.plan()),
        document_(document),
        options_(options),
        result_(result),
        ev_(mapping, document, options),
        arena_(json::make_shared_resource<json::monotonic_resource>(kArenaBlock)) {
    // Room for a typical document at once, rather than growing step by step on every one.
    slots_.reserve(64);
    scratch_.reserve(4);
    let_scratch_.reserve(4);
    pending_.reserve(plan_.rules.size());
    result_.records.reserve(plan_.rules.size());
  }

  void run() {
    check_document(plan_, document_, result_.errors);
    run_lets(plan_.lets, nullptr, nullptr);
    run_rules(plan_.top, nullptr);
    finish();
  }

 private:
  void run_lets(const std::vector<LetPlan>& lets, const formats::Match* scope, Pending* pending) {
    for (const LetPlan& let : lets) {
      // Evaluated into a scratch list that then trades places with the slot, so that a let run
      // for every repetition of an each reuses the same two buffers.
      ev_.evaluate(let.value, scope, let_scratch_);
      if (!ev_.failures().empty()) report_failures(pending, "$" + let.name);
      if (!let_scratch_.empty()) ev_.hit(let.value.rule);
      ev_.swap_slot(let.slot, let_scratch_);
    }
  }

  void run_rules(const std::vector<int>& rules, const formats::Match* scope) {
    for (int index : rules) {
      const RecordRule& rule = plan_.rules[static_cast<std::size_t>(index)];
      if (rule.spec.each) {
        const std::vector<formats::Match> matches = ev_.matches_of(*rule.spec.each, scope);
        for (const formats::Match& m : matches) run_instance(rule, index, &m);
      } else {
        run_instance(rule, index, scope);
      }
    }
  }

  void run_instance(const RecordRule& rule, int index, const formats::Match* scope) {
    Pending pending(arena_);
    pending.rule = &rule;
    pending.lineage.reserve(16);  // one allocation for a typical record (errors read it too)
    run_lets(rule.spec.lets, scope, &pending);
    // A rule whose condition does not hold does not apply: what its lets found is not an error.
    if (rule.spec.when && !ev_.holds(*rule.spec.when, scope)) return;
    if (rule.group) {
      keep_errors(pending);
      ev_.hit(rule.spec.rule);
      ev_.group_stack().push_back(ev_.next_serial());
      run_rules(rule.children, scope);
      ev_.group_stack().pop_back();
      return;
    }
    make_record(rule, index, scope, pending);
  }

  void make_record(const RecordRule& rule, int index, const formats::Match* scope, Pending& pending) {
    path_.clear();
    // The fields wait on the slot stack until the id is known, which goes first in a record.
    const std::size_t mark = slots_.size();
    const bool sourced = fill_slots(rule.spec, scope, pending);
    if (!sourced && rule.spec.document_sources) {
      slots_.resize(mark);
      keep_errors(pending);
      return;  // nothing from the document: constants and references alone make no record
    }
    auto& produced = ev_.produced()[static_cast<std::size_t>(index)];
    std::string id = record_id(rule, scope, produced.size(), pending);
    if (!id.empty()) slots_.push_back({id_order(rule.kind), &kIdKey, json::value(id, arena_)});
    emit_slots(mark, pending.body);
    check_required(rule.spec, pending.body, pending);
    ev_.hit(rule.spec.rule);
    produced.push_back({std::move(id), ev_.group_stack()});
    pending_.push_back(std::move(pending));
  }

  std::string record_id(const RecordRule& rule, const formats::Match* scope, std::size_t made_before, Pending& pending) {
    if (rule.key) {
      Values parts = ev_.evaluate(*rule.key, scope);
      report_failures(&pending, "id");
      if (parts.empty()) {
        std::string sources;
        for (const Source& s : rule.key->sources) sources += (sources.empty() ? "" : ", ") + s.text;
        pending.errors.push_back({rule.name, "id", sources,
                                  "the record's key has no value, so the record cannot be identified",
                                  core::ErrorKind::required});
        return {};
      }
      ev_.hit(rule.key->rule);
      // Kind and rule name are part of the key, so that the height and the weight taken from
      // one exam record (two observation rules, one key) get ids of their own.
      std::string name = std::string(core::kind_name(rule.kind)) + '\x1f' + rule.name;
      for (const Value& part : parts) name += '\x1f' + to_text(part);
      return name_uuid(name);
    }
    if (rule.kind == core::RecordKind::person) {
      // A message-local reference: the store resolves it to the person its identifiers name.
      std::string id = "ref:" + rule.name;
      if (rule.multi) id += "#" + std::to_string(made_before + 1);
      return id;
    }
    if (!rule.referenced) return {};  // the pipeline gives it one (core::assign_new_id)
    pending.minted_id = true;
    return core::new_time_ordered_uuid();
  }

  void keep_errors(Pending& pending) {
    for (MapError& e : pending.errors) result_.errors.push_back(std::move(e));
    pending.errors.clear();
  }

  // Turns the step failures of the last evaluation into errors of `target`; true if any.
  bool report_failures(Pending* pending, const std::string& target) {
    auto& failures = ev_.failures();
    if (failures.empty()) return false;
    for (StepFailure& f : failures) {
      MapError e{pending && pending->rule ? pending->rule->name : std::string(), target, std::move(f.location),
                 std::move(f.message), f.kind};
      if (pending) {
        pending->errors.push_back(std::move(e));
        pending->failed.push_back(target);
      } else {
        result_.errors.push_back(std::move(e));
      }
    }
    failures.clear();
    return true;
  }

  // "[3]" after the current path, without a temporary string.
  void append_index(std::size_t index) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, index).ptr;
    path_ += '[';
    path_.append(digits, end);
    path_ += ']';
  }

  // The location is moved: the value it came with is not used again.
  void add_lineage(Pending& pending, std::string&& location) {
    if (!location.empty()) pending.lineage.push_back({path_, std::move(location)});
  }

  // Writes the fields of `spec` into `out`. True when at least one value came from the
  // document (or failed trying), which is what makes an object worth writing.
  bool build_fields(const ObjectSpec& spec, const formats::Match* scope, json::object& out, Pending& pending) {
    const std::size_t mark = slots_.size();
    const bool sourced = fill_slots(spec, scope, pending);
    emit_slots(mark, out);
    return sourced;
  }

  // Evaluates the fields of `spec` in the mapping's order (which is the order of its errors and
  // lineage) and leaves their values on the slot stack, for emit_slots.
  bool fill_slots(const ObjectSpec& spec, const formats::Match* scope, Pending& pending) {
    bool sourced = false;
    for (const FieldPlan& field : spec.fields) {
      const std::size_t mark = path_.size();
      if (!path_.empty()) path_ += '.';
      path_ += field.key;
      const TargetField& target = *field.target;
      if (!target.object && !target.list) {
        sourced = leaf(field, scope, pending) || sourced;
      } else if (!target.object) {
        sourced = leaf_list(field, scope, pending) || sourced;
      } else if (!target.list) {
        sourced = object(field, scope, pending) || sourced;
      } else {
        sourced = object_list(field, scope, pending) || sourced;
      }
      path_.resize(mark);
    }
    return sourced;
  }

  void put(const FieldPlan& field, json::value&& value) { slots_.push_back({field.order, &field.key, std::move(value)}); }

  // Moves the slots above `mark` into `out` in the model's field order: the order core writes a
  // record in, so that core keeps this body instead of writing it again.
  void emit_slots(std::size_t mark, json::object& out) {
    const std::size_t count = slots_.size() - mark;
    // Sorted by index rather than by moving the values around: an insertion sort of a handful
    // of indices, mostly in order already, with no buffer to allocate for the usual sizes.
    std::array<std::uint16_t, 64> small;
    std::vector<std::uint16_t> large;
    std::uint16_t* order = small.data();
    if (count > small.size()) {
      large.resize(count);
      order = large.data();
    }
    for (std::size_t i = 0; i < count; ++i) {
      const int key = slots_[mark + i].order;
      std::size_t j = i;
      for (; j > 0 && slots_[mark + order[j - 1]].order > key; --j) order[j] = order[j - 1];
      order[j] = static_cast<std::uint16_t>(i);
    }
    out.reserve(out.size() + count);
    for (std::size_t i = 0; i < count; ++i) {
      Slot& slot = slots_[mark + order[i]];
      out.emplace(*slot.key, std::move(slot.value));
    }
    slots_.resize(mark);
  }

  static int id_order(core::RecordKind kind) {
    const ObjectType& type = record_type(kind);
    const TargetField* id = type.find(kIdKey);
    return id ? static_cast<int>(id - type.fields.data()) : -1;
  }

  bool leaf(const FieldPlan& field, const formats::Match* scope, Pending& pending) {
    Values& values = scratch_;
    for (const ValueExpr& expr : field.values) {
      if (expr.constant && expr.constant->is_text() && expr.steps.empty() && !expr.when) {
        // Text as the compiler left it, a system name already resolved to its URI
        // (Compiler::constant_for): written as it is.
        put(field, json::value(expr.constant->text(), arena_));
        ev_.hit(expr.rule);
        return expr.from_document;
      }
      ev_.evaluate(expr, scope, values);
      if (report_failures(&pending, path_)) return true;  // an alternative must not hide a bad value
      if (values.empty()) continue;
      json::value written(arena_);
      std::string error;
      if (!write_leaf(field.target->leaf, values.front(), written, error)) {
        pending.errors.push_back({pending.rule->name, path_, values.front().location, std::move(error),
                                  leaf_error_kind(field.target->leaf)});
        pending.failed.push_back(path_);
        return true;
      }
      put(field, std::move(written));
      add_lineage(pending, std::move(values.front().location));
      ev_.hit(expr.rule);
      return expr.from_document;
    }
    return false;
  }

  bool leaf_list(const FieldPlan& field, const formats::Match* scope, Pending& pending) {
    json::array items(arena_);
    bool sourced = false;
    const std::size_t mark = path_.size();
    Values& values = scratch_;
    for (const ValueExpr& expr : field.values) {
      ev_.evaluate(expr, scope, values);
      sourced = report_failures(&pending, path_) || sourced;
      for (Value& v : values) {
        append_index(items.size());
        json::value written(arena_);
        std::string error;
        if (write_leaf(field.target->leaf, v, written, error)) {
          items.push_back(std::move(written));
          add_lineage(pending, std::move(v.location));
          sourced = sourced || expr.from_document;
        } else {
          pending.errors.push_back({pending.rule->name, path_, v.location, std::move(error),
                                    leaf_error_kind(field.target->leaf)});
          pending.failed.push_back(path_);
          sourced = true;
        }
        path_.resize(mark);
      }
      if (!values.empty()) ev_.hit(expr.rule);
    }
    if (!items.empty()) put(field, std::move(items));
    return sourced;
  }

  bool object(const FieldPlan& field, const formats::Match* scope, Pending& pending) {
    for (const ObjectSpec& spec : field.objects) {
      const std::size_t errors = pending.errors.size(), failed = pending.failed.size();
      run_lets(spec.lets, scope, &pending);
      if (spec.when && !ev_.holds(*spec.when, scope)) {
        pending.errors.resize(errors);
        pending.failed.resize(failed);
        continue;
      }
      json::object sub(arena_);
      const bool sourced = build_fields(spec, scope, sub, pending);
      if (!sourced && spec.document_sources) continue;
      check_required(spec, sub, pending);
      put(field, std::move(sub));
      ev_.hit(spec.rule);
      return sourced;
    }
    for (const ValueExpr& expr : field.values) {  // a Coding filled from a lookup
      Values values = ev_.evaluate(expr, scope);
      if (report_failures(&pending, path_)) return true;
      if (values.empty()) continue;
      const Value& v = values.front();
      put(field, coding_object(v.kind() == Kind::coding ? std::get<Coded>(v.payload) : Coded{{}, to_text(v), {}}, arena_));
      add_lineage(pending, std::string(v.location));
      ev_.hit(expr.rule);
      return expr.from_document;
    }
    return false;
  }

  bool object_list(const FieldPlan& field, const formats::Match* scope, Pending& pending) {
    json::array items(arena_);
    bool sourced = false;
    for (const ObjectSpec& spec : field.objects) {
      if (spec.each) {
        const std::vector<formats::Match> matches = ev_.matches_of(*spec.each, scope);
        for (const formats::Match& m : matches) sourced = element(spec, &m, items, pending) || sourced;
      } else {
        sourced = element(spec, scope, items, pending) || sourced;
      }
    }
    if (!items.empty()) put(field, std::move(items));
    return sourced;
  }

  bool element(const ObjectSpec& spec, const formats::Match* scope, json::array& items, Pending& pending) {
    const std::size_t mark = path_.size();
    append_index(items.size());
    const std::size_t errors = pending.errors.size(), failed = pending.failed.size();
    run_lets(spec.lets, scope, &pending);
    bool sourced = false;
    if (spec.when && !ev_.holds(*spec.when, scope)) {
      pending.errors.resize(errors);
      pending.failed.resize(failed);
    } else {
      json::object sub(arena_);
      sourced = build_fields(spec, scope, sub, pending);
      // An entry equal to one already in the list is not added again: the same identifier
      // sent in PID-3 and in PID-19 is one identifier.
      const bool duplicate = std::any_of(items.begin(), items.end(), [&sub](const json::value& item) {
        return item.is_object() && item.get_object() == sub;
      });
      if ((sourced || !spec.document_sources) && !duplicate) {
        check_required(spec, sub, pending);
        items.push_back(std::move(sub));
        ev_.hit(spec.rule);
      }
    }
    path_.resize(mark);
    return sourced;
  }

  void check_required(const ObjectSpec& spec, const json::object& object, Pending& pending) {
    for (const RequiredPlan& required : spec.required) {
      const json::value* v = nullptr;
      const json::object* at = &object;
      for (const std::string& key : required.keys) {
        v = at ? at->if_contains(key) : nullptr;
        at = v && v->is_object() ? &v->get_object() : nullptr;
        if (!v) break;
      }
      const bool empty = !v || (v->is_array() && v->get_array().empty());
      if (!empty) continue;
      const std::string target = path_.empty() ? required.path : path_ + "." + required.path;
      bool echoed = false;
      for (const std::string& f : pending.failed) echoed = echoed || related(f, target);
      if (echoed) continue;
      pending.errors.push_back({pending.rule->name, target, required.sources,
                                required.sources.empty() ? "is required" : "is required but has no value here",
                                core::ErrorKind::required});
      pending.failed.push_back(target);
    }
  }

  std::string location_of(const Pending& pending, const std::string& path) const {
    for (const auto& l : pending.lineage) {
      if (l.target_path == path) return l.source_location;
    }
    for (const auto& l : pending.lineage) {
      if (related(l.target_path, path)) return l.source_location;
    }
    return {};
  }

  void finish() {
    core::ValidationContext context;
    context.today = options_.today;
    std::map<std::pair<core::RecordKind, std::string>, std::size_t> keyed;
    for (Pending& pending : pending_) {
      const RecordRule& rule = *pending.rule;
      core::EnvelopeResult checked = core::envelope_from_body(rule.kind, std::move(pending.body), context);
      for (core::FieldError& e : checked.errors) {
        bool echoed = false;
        for (const std::string& f : pending.failed) echoed = echoed || related(f, e.path);
        if (!echoed) {
          pending.errors.push_back({rule.name, e.path, location_of(pending, e.path), std::move(e.message), e.kind});
        }
      }
      if (!pending.errors.empty()) {
        keep_errors(pending);
        continue;
      }
      if (rule.key) {  // the same key twice in one document: one record, if they agree
        auto [it, fresh] = keyed.emplace(std::make_pair(rule.kind, checked.envelope.id), result_.records.size());
        if (!fresh) {
          const MappedRecord& first = result_.records[it->second];
          if (first.envelope.body != checked.envelope.body) {
            result_.errors.push_back({rule.name, "id", pending.lineage.empty() ? "" : pending.lineage.front().source_location,
                                      "another " + std::string(core::kind_name(rule.kind)) +
                                          " with the same key has different content" +
                                          (first.lineage.empty() ? "" : " (" + first.lineage.front().source_location + ")"),
                                      core::ErrorKind::duplicate_key});
          }
          continue;
        }
      }
      // Constructed, not assigned, so that the body keeps its arena (core::adopt_body).
      MappedRecord record{std::move(checked.envelope), rule.name,
                          options_.lineage ? std::move(pending.lineage) : std::vector<core::FieldLineage>()};
      record.envelope.new_id = pending.minted_id;
      result_.records.push_back(std::move(record));
    }
  }

  // Every JSON value of the document's records is allocated here: one block of memory for
  // the lot instead of a heap allocation per key, string and container, all released
  // together when the last record made from this document is gone.
  static constexpr std::size_t kArenaBlock = 4096;

  const Plan& plan_;
  const formats::Document& document_;
  const ApplyOptions& options_;
  MapResult& result_;
  Evaluator ev_;
  json::storage_ptr arena_;
  std::vector<Pending> pending_;
  // Values waiting to be written into the object being built, nested objects above their
  // parents' (see fill_slots and emit_slots).
  struct Slot {
    int order = 0;
    const std::string* key = nullptr;
    json::value value;
  };
  std::vector<Slot> slots_;
  std::string path_;
  Values scratch_;      // the values of the leaf being written, reused for every leaf
  Values let_scratch_;  // the values of the let being evaluated (run_lets)
};

}  // namespace

}  // namespace detail

std::string MapError::str() const {
  std::string out = location.empty() ? (target.empty() ? std::string("document") : target) : location;
  out += ": " + message;
  if (!target.empty() || !record.empty()) {
    out += " (" + record + (record.empty() || target.empty() ? "" : ".") + target + ")";
  }
  if (kind != core::ErrorKind::unspecified) out += " [" + std::string(core::to_string(kind)) + "]";
  return out;
}

MapResult apply(const CompiledMapping& mapping, const formats::Document& document, const ApplyOptions& options) {
  MapResult result;
  result.mapping = mapping.name();
  result.version = mapping.version();
  detail::Applier(mapping, document, options, result).run();
  return result;
}

MapResult map_payload(const CompiledMapping& mapping, std::string_view bytes, const ApplyOptions& options,
                      std::string_view charset) {
  formats::ParseOptions parse = mapping.parse_options();
  if (!charset.empty()) parse.charset = std::string(charset);
  formats::ParseError error;
  std::unique_ptr<formats::Document> document = mapping.format().parse(bytes, parse, error);
  if (!document) {
    MapResult result;
    result.mapping = mapping.name();
    result.version = mapping.version();
    result.errors.push_back({"", "", error.location, error.message, error.kind});
    return result;
  }
  return apply(mapping, *document, options);
}

}  // namespace kq::mapping
