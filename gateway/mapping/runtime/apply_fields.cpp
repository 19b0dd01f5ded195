// Building a record's fields: each value is evaluated in the mapping's order, converted for its
// target and left on the slot stack, then written into the JSON body in the model's order.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "gateway/mapping/runtime/applier.hpp"
#include "gateway/mapping/runtime/steps_internal.hpp"

namespace kq::mapping::detail {

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

}  // namespace

// "[3]" after the current path, without a temporary string.
void Applier::append_index(std::size_t index) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, index).ptr;
  path_ += '[';
  path_.append(digits, end);
  path_ += ']';
}

// The location is moved: the value it came with is not used again.
void Applier::add_lineage(Pending& pending, std::string&& location) {
  if (!location.empty()) pending.lineage.push_back({path_, std::move(location)});
}

// Writes the fields of `spec` into `out`. True when at least one value came from the
// document (or failed trying), which is what makes an object worth writing.
bool Applier::build_fields(const ObjectSpec& spec, const formats::Match* scope, json::object& out, Pending& pending) {
  const std::size_t mark = slots_.size();
  const bool sourced = fill_slots(spec, scope, pending);
  emit_slots(mark, out);
  return sourced;
}

// Evaluates the fields of `spec` in the mapping's order (which is the order of its errors and
// lineage) and leaves their values on the slot stack, for emit_slots.
bool Applier::fill_slots(const ObjectSpec& spec, const formats::Match* scope, Pending& pending) {
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

void Applier::put(const FieldPlan& field, json::value&& value) {
  slots_.push_back({field.order, &field.key, std::move(value)});
}

// Moves the slots above `mark` into `out` in the model's field order: the order core writes a
// record in, so that core keeps this body instead of writing it again.
void Applier::emit_slots(std::size_t mark, json::object& out) {
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

// A field that gets no value although a null ("") was read for it was cleared by the sender.
void Applier::note_cleared(Pending& pending, std::uint32_t nulls_before) {
  if (ev_.nulls() != nulls_before) pending.cleared.push_back(path_);
}

// A list with entries is written; an empty one that nulls made empty was cleared.
void Applier::put_list(const FieldPlan& field, json::array&& items, bool sourced, Pending& pending,
                       std::uint32_t nulls_before) {
  if (!items.empty()) {
    put(field, std::move(items));
  } else if (!sourced) {
    note_cleared(pending, nulls_before);
  }
}

bool Applier::leaf(const FieldPlan& field, const formats::Match* scope, Pending& pending) {
  Values& values = scratch_;
  const std::uint32_t nulls = ev_.nulls();
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
  note_cleared(pending, nulls);
  return false;
}

bool Applier::leaf_list(const FieldPlan& field, const formats::Match* scope, Pending& pending) {
  json::array items(arena_);
  bool sourced = false;
  const std::uint32_t nulls = ev_.nulls();
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
  put_list(field, std::move(items), sourced, pending, nulls);
  return sourced;
}

bool Applier::object(const FieldPlan& field, const formats::Match* scope, Pending& pending) {
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
    json::object sub(arena_);
    const bool sourced = build_fields(spec, scope, sub, pending);
    // Not written: an object whose document values were all missing, and one that ended up
    // with no field at all (its $names had no value). Then it is the object that was cleared,
    // if anything was (below).
    if ((!sourced && spec.document_sources) || sub.empty()) {
      pending.cleared.resize(cleared);
      continue;
    }
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
  note_cleared(pending, nulls);
  return false;
}

bool Applier::object_list(const FieldPlan& field, const formats::Match* scope, Pending& pending) {
  json::array items(arena_);
  bool sourced = false;
  const std::uint32_t nulls = ev_.nulls();
  const std::size_t cleared = pending.cleared.size();
  for (const ObjectSpec& spec : field.objects) {
    if (spec.each) {
      const std::vector<formats::Match> matches = ev_.matches_of(*spec.each, scope);
      for (const formats::Match& m : matches) sourced = element(spec, &m, items, pending) || sourced;
    } else {
      sourced = element(spec, scope, items, pending) || sourced;
    }
  }
  // A list is replaced as a whole when sent: a null inside one of its entries is no field of
  // its own.
  pending.cleared.resize(cleared);
  put_list(field, std::move(items), sourced, pending, nulls);
  return sourced;
}

bool Applier::element(const ObjectSpec& spec, const formats::Match* scope, json::array& items, Pending& pending) {
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

}  // namespace kq::mapping::detail
