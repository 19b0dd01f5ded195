#pragma once
// Internal to kq_core: the small vocabulary the record validators are written in.
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/dates.hpp"
#include "gateway/core/record.hpp"
#include "gateway/core/text_util.hpp"

namespace kq::core::checks {

// A field's path as a validator names it: spelled out only when there is an error to report.
// Most checks pass, and building "identifiers[0].value" for every field of every record was a
// sizeable part of validating one. Either one path (whatever is passed must outlive the call,
// which a temporary does) or a list entry's field: FieldPath("telecom", 1, "value").
class FieldPath {
 public:
  FieldPath(const char* path) : head_(path) {}               // NOLINT: implicit by design
  FieldPath(std::string_view path) : head_(path) {}          // NOLINT
  FieldPath(const std::string& path) : head_(path) {}        // NOLINT
  FieldPath(std::string_view list, std::size_t index, std::string_view key = {})
      : head_(list), key_(key), index_(index), indexed_(true) {}

  std::string str() const {
    if (!indexed_) return std::string(head_);
    return key_.empty() ? index_path(head_, index_) : join_path(index_path(head_, index_), key_);
  }

 private:
  std::string_view head_;
  std::string_view key_;
  std::size_t index_ = 0;
  bool indexed_ = false;
};

// Collects errors for one record. Paths are given relative to the record root. Every error says
// what kind it is (core::ErrorKind), chosen where the rule is written: a plugin answers with it
// (HL7 ERR-3, an HTTP problem) without reading the message.
class Checker {
 public:
  explicit Checker(const ValidationContext& context) : context_(context) {}

  const ValidationContext& context() const { return context_; }
  PartialDate today() const { return context_.today ? *context_.today : PartialDate::today(); }
  std::vector<FieldError> take() { return std::move(errors_); }

  void error(const FieldPath& path, std::string message, ErrorKind kind) {
    errors_.push_back({path.str(), std::move(message), kind});
  }

  void required(const FieldPath& path, const std::string& value) {
    if (value.empty()) error(path, "is required", ErrorKind::required);
  }
  template <class T>
  void required(const FieldPath& path, const std::optional<T>& value) {
    if (!value) error(path, "is required", ErrorKind::required);
  }

  // Code lists: the message lists what is allowed, which is what the sender needs to fix it.
  void one_of(const FieldPath& path, const std::string& value, std::initializer_list<std::string_view> allowed) {
    if (value.empty()) return;
    for (std::string_view a : allowed) {
      if (value == a) return;
    }
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    error(path, "'" + value + "' is not one of " + list, ErrorKind::code_unknown);
  }
  void one_of(const FieldPath& path, const std::optional<std::string>& value,
              std::initializer_list<std::string_view> allowed) {
    if (value) one_of(path, *value, allowed);
  }

  void range(const FieldPath& path, const std::optional<double>& value, double low, double high) {
    if (!value) return;
    if (!std::isfinite(*value) || *value < low || *value > high) {
      error(path,
            "is " + format_number(*value) + ", expected " + format_number(low) + " to " + format_number(high),
            ErrorKind::data_type);
    }
  }

  void at_least(const FieldPath& path, const std::optional<int>& value, int low) {
    if (value && *value < low) {
      error(path, "is " + std::to_string(*value) + ", expected at least " + std::to_string(low),
            ErrorKind::data_type);
    }
  }

  void not_in_future(const FieldPath& path, const std::optional<PartialDate>& date) {
    if (date && date->first_day_number() > today().last_day_number()) {
      error(path, "is in the future", ErrorKind::data_type);
    }
  }

  void ordered(const FieldPath& end_path, const std::optional<DateTime>& start, const std::optional<DateTime>& end,
               std::string_view start_name) {
    if (start && end && end->utc_millis() < start->utc_millis()) {
      error(end_path, "is before " + std::string(start_name), ErrorKind::data_type);
    }
  }
  void ordered(const FieldPath& end_path, const std::optional<PartialDate>& start,
               const std::optional<PartialDate>& end, std::string_view start_name) {
    if (start && end && end->last_day_number() < start->first_day_number()) {
      error(end_path, "is before " + std::string(start_name), ErrorKind::data_type);
    }
  }

  // person_id once identity resolution has run (ValidationContext::require_person_link).
  void person_link(const std::string& person_id) {
    if (context_.require_person_link && person_id.empty()) {
      error("person_id", "is required once the person has been resolved", ErrorKind::required);
    }
  }

  static std::string format_number(double value) {
    std::string text = std::to_string(value);  // "172.500000"
    if (text.find('.') != std::string::npos) {
      while (text.back() == '0') text.pop_back();
      if (text.back() == '.') text.pop_back();
    }
    return text;
  }

 private:
  const ValidationContext& context_;
  std::vector<FieldError> errors_;
};

// "2024-2025": two consecutive years.
inline std::optional<std::string> check_academic_year(const std::string& text) {
  auto first = read_digits(text, 0, 4);
  auto second = read_digits(text, 5, 4);
  if (text.size() != 9 || text[4] != '-' || !first || !second) return "expected YYYY-YYYY, e.g. 2024-2025";
  if (*second != *first + 1) return "the second year must follow the first";
  return std::nullopt;
}

}  // namespace kq::core::checks
