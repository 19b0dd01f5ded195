#include "gateway/mapping/runtime/value.hpp"

#include <charconv>
#include <cmath>

namespace kq::mapping {

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::text: return "text";
    case Kind::number: return "number";
    case Kind::boolean: return "boolean";
    case Kind::date: return "date";
    case Kind::datetime: return "date-time";
    case Kind::coding: return "code";
  }
  return "text";
}

std::string format_number(double value) {
  if (!std::isfinite(value)) return std::isnan(value) ? "NaN" : (value < 0 ? "-Infinity" : "Infinity");
  if (value == 0) return "0";  // also for -0: "-0" surprises people in a report
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string to_text(const Value& value) {
  switch (value.kind()) {
    case Kind::text: return value.text();
    case Kind::number: return format_number(value.number());
    case Kind::boolean: return std::get<bool>(value.payload) ? "true" : "false";
    case Kind::date: return std::get<core::PartialDate>(value.payload).iso();
    case Kind::datetime: return std::get<core::DateTime>(value.payload).iso();
    case Kind::coding: return std::get<Coded>(value.payload).code;
  }
  return {};
}

}  // namespace kq::mapping
