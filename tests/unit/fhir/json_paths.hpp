#pragma once
// Reading FHIR JSON in assertions: JSON pointers that report absence instead of throwing, and
// look-ups by code where FHIR arrays have no fixed order.
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "gateway/core/json_text.hpp"

namespace kq::fhir::testing {

inline const boost::json::value* find(const boost::json::value& root, std::string_view pointer) {
  boost::system::error_code ec;
  return root.find_pointer(pointer, ec);
}

inline bool has(const boost::json::value& root, std::string_view pointer) { return find(root, pointer) != nullptr; }

// The value at `pointer` as text: a string as itself, anything else as compact JSON, "<absent>".
inline std::string text(const boost::json::value& root, std::string_view pointer) {
  const boost::json::value* v = find(root, pointer);
  if (!v) return "<absent>";
  if (v->is_string()) return std::string(v->as_string());
  return core::json_text(*v);
}

// The element of the array at `array_pointer` whose `key` member has `code` in its first coding
// ({"code": {"coding": [{"code": …}]}} for components, {"url": …} for extensions).
inline const boost::json::value* by_code(const boost::json::value& root, std::string_view array_pointer,
                                         std::string_view code) {
  const boost::json::value* array = find(root, array_pointer);
  if (!array || !array->is_array()) return nullptr;
  for (const boost::json::value& item : array->as_array()) {
    if (text(item, "/code/coding/0/code") == code) return &item;
  }
  return nullptr;
}

inline const boost::json::value* extension_named(const boost::json::value& root, std::string_view array_pointer,
                                                 std::string_view name) {
  const boost::json::value* array = find(root, array_pointer);
  if (!array || !array->is_array()) return nullptr;
  const std::string url = "urn:kangqiao:fhir:StructureDefinition/" + std::string(name);
  for (const boost::json::value& item : array->as_array()) {
    if (text(item, "/url") == url) return &item;
  }
  return nullptr;
}

}  // namespace kq::fhir::testing
