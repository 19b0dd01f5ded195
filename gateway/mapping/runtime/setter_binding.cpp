// Binding a compiled plan's fields to the members of core's typed records (plan.hpp,
// bind_setters): done once per mapping, so that applying it sets each value without looking
// its member up.
#include <stdexcept>

#include "gateway/mapping/mapping.hpp"
#include "gateway/mapping/plan.hpp"

namespace kq::mapping::detail {

namespace {

void bind_spec(ObjectSpec& spec, const core::setters::Type& type);

void bind_field(FieldPlan& field, const core::setters::Type& type) {
  const core::setters::Member* member = type.find(field.key);
  if (member == nullptr) {
    throw std::logic_error("the mapping targets " + field.key + ", which core's " + std::string(type.name) +
                           " does not have");
  }
  field.member = member;
  // Inside a tagged union the fields stay unbound: they are given to core by key.
  if (member->shape == core::setters::Shape::object || member->shape == core::setters::Shape::object_list) {
    for (ObjectSpec& spec : field.objects) bind_spec(spec, *member->type);
  }
}

void bind_spec(ObjectSpec& spec, const core::setters::Type& type) {
  for (FieldPlan& field : spec.fields) bind_field(field, type);
}

}  // namespace

void bind_setters(Plan& plan) {
  for (RecordRule& rule : plan.rules) {
    if (!rule.group) bind_spec(rule.spec, core::setters::record_type(rule.kind));
  }
}

}  // namespace kq::mapping::detail
