#pragma once
// The result of checking or parsing one untrusted value: the value, or a sentence saying why not.
//
// Validators run on data from hospitals, card readers and spreadsheets, where a bad value is the
// normal case rather than an exceptional one, so they return this instead of throwing. The error
// text is meant for the sender (it ends up in a negative acknowledgement), so it names the reason
// precisely ("check digit is 3, expected X") and never echoes more personal data than needed.
#include <optional>
#include <string>
#include <utility>

namespace kq::core {

template <class T>
class Parsed {
 public:
  static Parsed success(T value) {
    Parsed p;
    p.value_ = std::move(value);
    return p;
  }
  static Parsed failure(std::string error) {
    Parsed p;
    p.error_ = std::move(error);
    return p;
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  const T* operator->() const { return &*value_; }

  // Empty when ok().
  const std::string& error() const { return error_; }

 private:
  Parsed() = default;
  std::optional<T> value_;
  std::string error_;
};

}  // namespace kq::core
