#pragma once
// A mapped value converted for the leaf it goes into: the conversions each target type makes
// (text, a system name to its URI, a number, a whole number, a flag, a date, a date-time), as
// the value core's setters take. Internal to kq_mapping; used by apply_fields.cpp.
#include <optional>
#include <string>

#include "gateway/core/error_kind.hpp"
#include "gateway/core/record_setters.hpp"
#include "gateway/mapping/compiler/target_schema.hpp"
#include "gateway/mapping/mapping.hpp"  // before plan.hpp, which uses its types
#include "gateway/mapping/plan.hpp"
#include "gateway/mapping/runtime/value.hpp"

namespace kq::mapping::detail {

// A value converted for its leaf: the LeafValue core's setters take, and whatever text, date
// or date-time it points to.
struct Converted {
  core::setters::LeafValue leaf;
  std::string text;
  std::optional<core::PartialDate> date;
  std::optional<core::DateTime> datetime;
};

// What a leaf of `type` makes of a value; false with `error` when the value does not fit.
bool convert(LeafType type, const Value& v, Converted& out, std::string& error);

// What a conversion failure is for the sender: a system name we do not know is a value not in
// our table; everything else is a value of the wrong form for its field.
core::ErrorKind leaf_error_kind(LeafType type);

// Whether the leaf holds text as it is given (the compiler has already resolved a constant
// system name to its URI).
bool takes_text(const FieldPlan& field);

}  // namespace kq::mapping::detail
