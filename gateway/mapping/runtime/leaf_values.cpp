// Converting mapped values for their leaves (leaf_values.hpp).
#include "gateway/mapping/runtime/leaf_values.hpp"

#include <cmath>

#include "gateway/mapping/runtime/steps_internal.hpp"

namespace kq::mapping::detail {

namespace setters = core::setters;

namespace {

const std::string& text_of(const Value& v, std::string& buffer) {
  if (v.is_text()) return v.text();
  buffer = to_text(v);
  return buffer;
}

}  // namespace

bool convert(LeafType type, const Value& v, Converted& out, std::string& error) {
  using K = setters::LeafValue::Kind;
  switch (type) {
    case LeafType::text:
    case LeafType::code:
    case LeafType::id:
      out.leaf.kind = K::text;
      out.leaf.text = text_of(v, out.text);
      return true;
    case LeafType::identifier_system:
    case LeafType::code_system: {
      // A system read from the document gets the same treatment as a constant: a registry name
      // becomes its URI, an unknown name is an error (core would not know the system's checks).
      std::string buffer;
      const std::string& text = text_of(v, buffer);
      auto uri = resolve_system(type == LeafType::identifier_system, text, error);
      if (!uri) {
        error = quote_value(text) + ": " + error;
        return false;
      }
      out.text = std::move(*uri);
      out.leaf.kind = K::text;
      out.leaf.text = out.text;
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
        out.leaf.kind = K::number;
        out.leaf.number = n;
        return true;
      }
      if (std::fabs(n - std::round(n)) > 1e-9 || std::fabs(n) > 9e15) {
        error = quote_value(to_text(v)) + " is not a whole number";
        return false;
      }
      out.leaf.kind = K::integer;
      out.leaf.integer = static_cast<std::int64_t>(std::llround(n));
      return true;
    }
    case LeafType::boolean: {
      bool b = false;
      if (v.kind() == Kind::boolean) {
        b = std::get<bool>(v.payload);
      } else if (!text_to_boolean(v.text(), b, error)) {
        return false;
      }
      out.leaf.kind = K::boolean;
      out.leaf.boolean = b;
      return true;
    }
    case LeafType::date: {
      if (v.kind() == Kind::date) {
        out.date = std::get<core::PartialDate>(v.payload);
      } else if (v.kind() == Kind::datetime) {
        out.date = std::get<core::DateTime>(v.payload).local_date();
      } else if (auto d = core::PartialDate::parse(v.text())) {
        out.date = *d;
      } else if (auto dt = core::DateTime::parse(v.text())) {
        out.date = dt->local_date();
      } else {
        error = quote_value(v.text()) + " is not a date (" + d.error() + "); give the layout with {date: …}";
        return false;
      }
      out.leaf.kind = K::date;
      out.leaf.date = &*out.date;
      return true;
    }
    case LeafType::datetime: {
      if (v.kind() == Kind::datetime) {
        out.datetime = std::get<core::DateTime>(v.payload);
      } else if (auto dt = core::DateTime::parse(v.text())) {
        out.datetime = *dt;
      } else {
        error = quote_value(v.text()) + " is not a date-time (" + dt.error() + "); give the layout with {datetime: …}";
        return false;
      }
      out.leaf.kind = K::datetime;
      out.leaf.datetime = &*out.datetime;
      return true;
    }
  }
  return false;
}

// What a conversion failure is for the sender: a system name we do not know is a value not in
// our table; everything else is a value of the wrong form for its field.
core::ErrorKind leaf_error_kind(LeafType type) {
  return type == LeafType::identifier_system || type == LeafType::code_system ? core::ErrorKind::code_unknown
                                                                              : core::ErrorKind::data_type;
}

// Whether the leaf holds text as it is given (the compiler has already resolved a constant
// system name to its URI).
bool takes_text(const FieldPlan& field) {
  switch (field.target->leaf) {
    case LeafType::text:
    case LeafType::code:
    case LeafType::id:
    case LeafType::identifier_system:
    case LeafType::code_system: return true;
    default: return false;
  }
}

}  // namespace kq::mapping::detail
