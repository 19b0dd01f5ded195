// Building a record's fields: each value is evaluated in the mapping's order, converted for its
// target and set straight into core's typed record through the setter table core derives from
// its field lists (the same lists its JSON reader and writer use). Nothing is written as JSON and
// read back; core writes the body once, from the record, when it has validated it.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "gateway/mapping/runtime/applier.hpp"
#include "gateway/mapping/runtime/leaf_values.hpp"
#include "gateway/mapping/runtime/steps_internal.hpp"

namespace kq::mapping::detail {

namespace setters = core::setters;

namespace {

// The member `field` fills in a typed object (bound when the mapping was compiled).
const setters::Member& member_of(const Target&, const FieldPlan& field) { return *field.member; }

// A Coding filled in one go from a looked-up code: system, code and display where not empty.
// What a lookup gave for a Coding: the coded value, or a bare code from any other value.
Coded coded_of(const Value& v) { return v.kind() == Kind::coding ? std::get<Coded>(v.payload) : Coded{{}, to_text(v), {}}; }

void fill_coding(const Target& out, const Coded& c, std::vector<const void*>& set_leaves) {
  const std::pair<std::string_view, const std::string*> parts[] = {
      {"system", &c.system}, {"code", &c.code}, {"display", &c.display}};
  for (const auto& [key, text] : parts) {
    if (text->empty()) continue;
    const setters::Member* m = out.type->find(key);
    setters::LeafValue v;
    v.text = *text;
    std::string unused;
    if (m == nullptr) continue;
    m->set(m->in(out.object), v, unused);
    set_leaves.push_back(m->in(out.object));
  }
}

}  // namespace

// "[3]" after the current path, without a temporary string.
void Applier::append_index(std::size_t index) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, index).ptr;
  path_ += '[';
  path_.append(digits, end);
  path_ += ']';
}

// Into the record's own list when the result keeps lineage (the location is moved: the value
// it came with is not used again); otherwise assigned into an entry kept from earlier
// documents, reusing its strings' capacity.
void Applier::add_lineage(Pending& pending, std::string&& location) {
  if (location.empty()) return;
  if (options_.lineage) {
    pending.lineage.push_back({path_, std::move(location)});
    return;
  }
  std::vector<core::FieldLineage>& lineage = buffers_->lineage;
  std::size_t& used = buffers_->lineage_used;
  if (used == lineage.size()) lineage.emplace_back();
  core::FieldLineage& entry = lineage[used++];
  entry.target_path.assign(path_);
  entry.source_location.assign(location);
  ++pending.lineage_count;
}

// Evaluates the fields of `spec` in the mapping's order (which is the order of its errors and
// lineage) into `out`. True when at least one value came from the document (or failed trying),
// which is what makes an object worth keeping. `written` counts the fields that got a value,
// each asked once, as it is filled: a leaf when it was set, an object or list when the member
// holds what core's writer would write (an object none of whose fields got a value is dropped).
bool Applier::fill(const ObjectSpec& spec, const formats::Match* scope, const Target& out, Pending& pending,
                   std::size_t& written) {
  bool sourced = false;
  written = 0;
  for (const FieldPlan& field : spec.fields) {
    const std::size_t mark = path_.size();
    if (!path_.empty()) path_ += '.';
    path_ += field.key;
    const TargetField& target = *field.target;
    const std::size_t leaves = set_leaves_.size();
    const std::size_t keys = out.tagged ? out.tagged->size() : 0;
    std::size_t entries = 0;
    if (!target.object && !target.list) {
      sourced = leaf(field, scope, out, pending) || sourced;
    } else if (!target.object) {
      sourced = leaf_list(field, scope, out, pending, entries) || sourced;
    } else if (!target.list) {
      sourced = object(field, scope, out, pending) || sourced;
    } else {
      sourced = object_list(field, scope, out, pending, entries) || sourced;
    }
    if (out.tagged) {
      written += out.tagged->size() > keys ? 1 : 0;
    } else if (!target.object) {
      written += set_leaves_.size() > leaves ? 1 : 0;
    } else {
      const setters::Member& m = member_of(out, field);
      written += m.present(m.in(out.object)) ? 1 : 0;
    }
    path_.resize(mark);
  }
  return sourced;
}

// Sets one converted value; false (with the error recorded) when it does not fit.
bool Applier::put_leaf(const FieldPlan& field, const Target& out, const Value& value, Pending& pending) {
  Converted converted;
  std::string error;
  if (!convert(field.target->leaf, value, converted, error)) {
    pending.errors.push_back({pending.rule->name, path_, value.location, std::move(error),
                              leaf_error_kind(field.target->leaf)});
    pending.failed.push_back(path_);
    return false;
  }
  if (out.tagged) {  // a union's fields are leaves, each given once (the compiler's schema)
    out.tagged->add(field.key, converted.leaf);
    return true;
  }
  const setters::Member& member = member_of(out, field);
  set_leaves_.push_back(member.in(out.object));
  if (!member.set(member.in(out.object), converted.leaf, error)) {
    // What core's reader says of the same value in a body (an integer out of its range).
    pending.read_errors.push_back({path_, std::move(error), core::ErrorKind::data_type});
  }
  return true;
}

// A leaf holds a value when the mapping gave it one; an object when one of its fields does (a
// plain struct such as Observation.code is always there, so being there says nothing, and an
// object that got no value was dropped, its leaves forgotten); anything else when it holds
// something core's writer would write (an engaged optional, a list with entries).
bool Applier::holds_value(const setters::Member& member, const void* at) const {
  if (member.shape == setters::Shape::leaf) {
    return std::find(set_leaves_.begin(), set_leaves_.end(), at) != set_leaves_.end();
  }
  if (member.shape == setters::Shape::object && member.peek != nullptr) {
    const void* inner = member.peek(at);
    if (inner == nullptr) return false;
    for (const setters::Member& m : member.type->members) {
      if (holds_value(m, m.in(inner))) return true;
    }
    return false;
  }
  return member.present(at);
}

// A field that gets no value although a null ("") was read for it was cleared by the sender.
void Applier::note_cleared(Pending& pending, std::uint32_t nulls_before) {
  if (ev_.nulls() != nulls_before) pending.cleared.push_back(path_);
}

bool Applier::leaf(const FieldPlan& field, const formats::Match* scope, const Target& out, Pending& pending) {
  Values& values = scratch_;
  const std::uint32_t nulls = ev_.nulls();
  for (const ValueExpr& expr : field.values) {
    if (expr.constant && expr.constant->is_text() && expr.steps.empty() && !expr.when && takes_text(field)) {
      // Text as the compiler left it, a system name already resolved to its URI
      // (Compiler::constant_for): written as it is.
      if (out.tagged) {
        setters::LeafValue text;
        text.text = expr.constant->text();
        out.tagged->add(field.key, text);
      } else {
        const setters::Member& member = member_of(out, field);
        setters::LeafValue text;
        text.text = expr.constant->text();
        std::string unused;
        member.set(member.in(out.object), text, unused);
        set_leaves_.push_back(member.in(out.object));
      }
      ev_.hit(expr.rule);
      return expr.from_document;
    }
    ev_.evaluate(expr, scope, values);
    if (report_failures(&pending, path_)) return true;  // an alternative must not hide a bad value
    if (values.empty()) continue;
    if (!put_leaf(field, out, values.front(), pending)) return true;
    add_lineage(pending, std::move(values.front().location));
    ev_.hit(expr.rule);
    return expr.from_document;
  }
  note_cleared(pending, nulls);
  return false;
}

bool Applier::leaf_list(const FieldPlan& field, const formats::Match* scope, const Target& out, Pending& pending,
                        std::size_t& written) {
  bool sourced = false;
  std::size_t count = 0;
  const std::uint32_t nulls = ev_.nulls();
  const std::size_t mark = path_.size();
  Values& values = scratch_;
  for (const ValueExpr& expr : field.values) {
    ev_.evaluate(expr, scope, values);
    sourced = report_failures(&pending, path_) || sourced;
    for (Value& v : values) {
      append_index(count);
      if (put_leaf(field, out, v, pending)) {
        ++count;
        add_lineage(pending, std::move(v.location));
        sourced = sourced || expr.from_document;
      } else {
        sourced = true;
      }
      path_.resize(mark);
    }
    if (!values.empty()) ev_.hit(expr.rule);
  }
  written += count;
  // A list with entries is written; an empty one that nulls made empty was cleared.
  if (count == 0 && !sourced) note_cleared(pending, nulls);
  return sourced;
}

bool Applier::object(const FieldPlan& field, const formats::Match* scope, const Target& out, Pending& pending) {
  if (member_of(out, field).shape == setters::Shape::tagged) return tagged_object(field, scope, out, pending);
  const setters::Member& member = member_of(out, field);
  void* slot = member.in(out.object);
  const std::uint32_t nulls = ev_.nulls();
  const std::size_t cleared = pending.cleared.size();
  for (const ObjectSpec& spec : field.objects) {
    const std::size_t errors = pending.errors.size(), failed = pending.failed.size();
    run_lets(spec.lets, scope, &pending);
    if (spec.when && !ev_.holds(*spec.when, scope)) {
      pending.errors.resize(errors);
      pending.failed.resize(failed);
      continue;
    }
    const Target sub{member.type, member.open(slot), nullptr};
    const std::size_t leaves = set_leaves_.size();
    std::size_t written = 0;
    const bool sourced = fill(spec, scope, sub, pending, written);
    // Not kept: an object whose document values were all missing, and one that ended up with
    // no field at all (its $names had no value). Then it is the object that was cleared, if
    // anything was (below). Its leaves are forgotten with it: an object opened again later
    // lies at the same address, and must not count as set what was set in this one.
    if ((!sourced && spec.document_sources) || written == 0) {
      member.drop(slot);
      set_leaves_.resize(leaves);
      pending.cleared.resize(cleared);
      continue;
    }
    check_required(spec, sub, pending);
    ev_.hit(spec.rule);
    return sourced;
  }
  for (const ValueExpr& expr : field.values) {  // a Coding filled from a lookup
    Values& values = scratch_;  // free here: nothing below evaluates again before it is read
    ev_.evaluate(expr, scope, values);
    if (report_failures(&pending, path_)) return true;
    if (values.empty()) continue;
    Value& v = values.front();
    const Target sub{member.type, member.open(slot), nullptr};
    fill_coding(sub, coded_of(v), set_leaves_);
    add_lineage(pending, std::move(v.location));
    ev_.hit(expr.rule);
    return expr.from_document;
  }
  note_cleared(pending, nulls);
  return false;
}

// A tagged union (Observation.value): the alternative whose `when` holds fills its fields, and
// core makes the member of them at once, with the checks and words of its JSON reader (the
// type's required value, a type it does not know). The compiler accepts only alternatives
// with a constant `type` and leaves as fields, and no lookup filling the whole union.
bool Applier::tagged_object(const FieldPlan& field, const formats::Match* scope, const Target& out,
                            Pending& pending) {
  const std::uint32_t nulls = ev_.nulls();
  const std::size_t cleared = pending.cleared.size();
  core::setters::TaggedFields& fields = buffers_->tagged;
  for (const ObjectSpec& spec : field.objects) {
    const std::size_t errors = pending.errors.size(), failed = pending.failed.size();
    run_lets(spec.lets, scope, &pending);
    if (spec.when && !ev_.holds(*spec.when, scope)) {
      pending.errors.resize(errors);
      pending.failed.resize(failed);
      continue;
    }
    fields.clear();
    const Target sub{nullptr, nullptr, &fields};
    std::size_t written = 0;
    const bool sourced = fill(spec, scope, sub, pending, written);
    if ((!sourced && spec.document_sources) || fields.empty()) {
      pending.cleared.resize(cleared);
      continue;
    }
    check_required(spec, sub, pending);
    const setters::Member& member = member_of(out, field);
    member.set_tagged(member.in(out.object), fields, path_, pending.read_errors);
    ev_.hit(spec.rule);
    return sourced;
  }
  note_cleared(pending, nulls);
  return false;
}

bool Applier::object_list(const FieldPlan& field, const formats::Match* scope, const Target& out, Pending& pending,
                          std::size_t& written) {
  bool sourced = false;
  std::size_t count = 0;
  const std::uint32_t nulls = ev_.nulls();
  const std::size_t cleared = pending.cleared.size();
  for (const ObjectSpec& spec : field.objects) {
    if (spec.each) {
      const Evaluator::Matches matches(ev_, *spec.each, scope);
      for (const formats::Match& m : matches) sourced = element(spec, &m, out, field, count, pending) || sourced;
    } else {
      sourced = element(spec, scope, out, field, count, pending) || sourced;
    }
  }
  written += count;
  // A list is replaced as a whole when sent: a null inside one of its entries is no field of
  // its own. An empty list that nulls made empty was cleared.
  pending.cleared.resize(cleared);
  if (count == 0 && !sourced) note_cleared(pending, nulls);
  return sourced;
}

bool Applier::element(const ObjectSpec& spec, const formats::Match* scope, const Target& list, const FieldPlan& field,
                      std::size_t& count, Pending& pending) {
  const std::size_t mark = path_.size();
  append_index(count);
  const std::size_t errors = pending.errors.size(), failed = pending.failed.size();
  run_lets(spec.lets, scope, &pending);
  bool sourced = false;
  if (spec.when && !ev_.holds(*spec.when, scope)) {
    pending.errors.resize(errors);
    pending.failed.resize(failed);
  } else {
    const setters::Member& member = member_of(list, field);
    void* items = member.in(list.object);
    const Target sub{member.type, member.open(items), nullptr};
    const std::size_t leaves = set_leaves_.size();
    std::size_t written = 0;
    sourced = fill(spec, scope, sub, pending, written);
    // An entry equal to one already in the list is not added again: the same identifier
    // sent in PID-3 and in PID-19 is one identifier.
    if ((sourced || !spec.document_sources) && !member.last_repeats(items)) {
      check_required(spec, sub, pending);
      ++count;
      ev_.hit(spec.rule);
    } else {
      member.drop(items);
      set_leaves_.resize(leaves);  // as for a dropped object (object())
    }
  }
  path_.resize(mark);
  return sourced;
}

}  // namespace kq::mapping::detail
