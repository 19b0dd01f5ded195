#pragma once
// How GoogleTest shows a FieldError in a failed comparison: path, message and kind, instead of
// the struct's bytes.
#include <ostream>

#include "gateway/core/record.hpp"

namespace kq::core {

inline void PrintTo(const FieldError& e, std::ostream* out) {
  *out << "{\"" << e.path << "\", \"" << e.message << "\", " << to_string(e.kind) << "}";
}

}  // namespace kq::core
