#pragma once
// The text form of canonical JSON: what the store keeps, the pull API gives out and the mapping
// commands show. Boost.JSON writes doubles in exponent form (138.5 as "1.385E2", 5.0 as "5E0"),
// which people misread and other parsers keep as different text; here numbers are plain
// decimals, and a whole double keeps its ".0" so that it reads back as a double.
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace kq::core {

// Compact JSON, keys in the object's order.
std::string json_text(const boost::json::value& value);
std::string json_text(const boost::json::object& object);  // without copying it into a value
void append_json_text(std::string& out, const boost::json::value& value);
void append_json_text(std::string& out, const boost::json::object& object);

// A JSON string literal: quotes, backslash and control characters escaped, UTF-8 kept as is.
void append_json_string(std::string& out, std::string_view text);

// A number as json_text writes it: 138.5 → "138.5", 5.0 → "5.0", 1e-9 → "1e-09".
void append_json_number(std::string& out, double number);

}  // namespace kq::core
