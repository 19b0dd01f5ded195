#pragma once
// A value on its way from a source path to a canonical field.
//
// A field's value is a list (`Values`): one element for a scalar, several for a repeating source
// or after `split`. Every element remembers where in the sender's document it came from, so an
// error or a lineage entry can name the place in the sender's own terms ("PID-19").
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/core/dates.hpp"

namespace kq::mapping {

// What a value is at a point of a transform chain. The compiler tracks it to refuse, say, a
// date going into `sex`; the runtime keeps it in the payload's alternative.
enum class Kind : std::uint8_t { text, number, boolean, date, datetime, coding };

std::string_view kind_name(Kind kind);  // "text", "number", …

// A code found in a value set: the target code with its system and display.
struct Coded {
  std::string system;
  std::string code;
  std::string display;
};

struct Value {
  // The alternatives follow Kind's order.
  std::variant<std::string, double, bool, core::PartialDate, core::DateTime, Coded> payload;
  bool integral = false;  // a number that `integer` checked to be whole
  std::string location;   // where in the source document ("PID-3[2].1", "row 4, column 姓名")

  Value() = default;
  Value(std::string text, std::string where) : payload(std::move(text)), location(std::move(where)) {}

  Kind kind() const { return static_cast<Kind>(payload.index()); }
  bool is_text() const { return payload.index() == 0; }
  const std::string& text() const { return std::get<std::string>(payload); }
  std::string& text() { return std::get<std::string>(payload); }
  double number() const { return std::get<double>(payload); }
};

using Values = std::vector<Value>;

// The value as text: numbers in their shortest exact form, dates and date-times in ISO 8601,
// a coding as its code, booleans as true/false. Used by join, conditions and text targets.
std::string to_text(const Value& value);

// The shortest decimal text that reads back as the same double ("172.5", "3", "-0.25").
std::string format_number(double value);

}  // namespace kq::mapping
