#include "gateway/core/error_kind.hpp"

#include <array>

namespace kq::core {

namespace {
constexpr std::array<std::string_view, kLastErrorKind + 1> kNames = {
    "unspecified", "required",      "data-type",     "code-unknown", "too-long", "structure",
    "unsupported", "unsupported-event", "unknown-key", "duplicate-key", "not-permitted", "internal"};
}  // namespace

std::string_view to_string(ErrorKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < kNames.size() ? kNames[i] : "unspecified";
}

std::optional<ErrorKind> parse_error_kind(std::string_view text) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == text) return static_cast<ErrorKind>(i);
  }
  return std::nullopt;
}

}  // namespace kq::core
