#pragma once
// JSON documents (HIS pushes, platform APIs) and JSON Pointer paths, on Boost.JSON.
//
// Path syntax: a JSON Pointer (RFC 6901): "" is the whole document (or the scope), "/patient/name"
// a member, "/items/0" an array element, "~1" in a segment stands for '/' and "~0" for '~'.
// One extension: a segment that is exactly "*" selects every element of an array or every member
// value of an object, in document order ("/students/*/name"). A member literally named "*" is
// therefore only reachable through the wildcard, together with its siblings.
// A path inside a scope is resolved from the scope's value, "/name" being a member of it.
//
// Matches: the location is the concrete pointer ("/students/3/name"; "(root)" for the whole
// document). Strings give their text, numbers their shortest text (integers exactly; 100.0 and 1E2
// give "100"), booleans "true"/"false", objects and arrays their compact JSON text (they are mostly
// scopes). null gives no match, as does a pointer into a missing member or past an array's end.
//
// Limits: ParseOptions::max_bytes and max_depth (nesting of arrays and objects). JSON is UTF-8
// (RFC 8259, validated; a BOM is dropped); ParseOptions::charset may say GB18030 for senders that
// ignore that rule. A Document is used by one thread at a time (it records the values it handed
// out as scopes); compiled paths may be shared.
#include "gateway/formats/source.hpp"

namespace kq::formats {

const Format& json_format();

}  // namespace kq::formats
