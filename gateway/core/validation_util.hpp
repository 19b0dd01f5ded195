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

// Collects errors for one record. Paths are given relative to the record root. Every error says
// what kind it is (core::ErrorKind), chosen where the rule is written: a plugin answers with it
// (HL7 ERR-3, an HTTP problem) without reading the message.
class Checker {
 public:
  explicit Checker(const ValidationContext& context) : context_(context) {}

  const ValidationContext& context() const { return context_; }
  PartialDate today() const { return context_.today ? *context_.today : PartialDate::today(); }
  std::vector<FieldError> take() { return std::move(errors_); }

  void error(std::string path, std::string message, ErrorKind kind) {
    errors_.push_back({std::move(path), std::move(message), kind});
  }

  void required(std::string path, const std::string& value) {
    if (value.empty()) error(std::move(path), "is required", ErrorKind::required);
  }
  template <class T>
  void required(std::string path, const std::optional<T>& value) {
    if (!value) error(std::move(path), "is required", ErrorKind::required);
  }

  // Code lists: the message lists what is allowed, which is what the sender needs to fix it.
  void one_of(std::string path, const std::string& value, std::initializer_list<std::string_view> allowed) {
    if (value.empty()) return;
    for (std::string_view a : allowed) {
      if (value == a) return;
    }
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    error(std::move(path), "'" + value + "' is not one of " + list, ErrorKind::code_unknown);
  }
  void one_of(std::string path, const std::optional<std::string>& value,
              std::initializer_list<std::string_view> allowed) {
    if (value) one_of(std::move(path), *value, allowed);
  }

  void range(std::string path, const std::optional<double>& value, double low, double high) {
    if (!value) return;
    if (!std::isfinite(*value) || *value < low || *value > high) {
      error(std::move(path),
            "is " + format_number(*value) + ", expected " + format_number(low) + " to " + format_number(high),
            ErrorKind::data_type);
    }
  }

  void at_least(std::string path, const std::optional<int>& value, int low) {
    if (value && *value < low) {
      error(std::move(path), "is " + std::to_string(*value) + ", expected at least " + std::to_string(low),
            ErrorKind::data_type);
    }
  }

  void not_in_future(std::string path, const std::optional<PartialDate>& date) {
    if (date && date->first_day_number() > today().last_day_number()) {
      error(std::move(path), "is in the future", ErrorKind::data_type);
    }
  }

  void ordered(std::string end_path, const std::optional<DateTime>& start, const std::optional<DateTime>& end,
               std::string_view start_name) {
    if (start && end && end->utc_millis() < start->utc_millis()) {
      error(std::move(end_path), "is before " + std::string(start_name), ErrorKind::data_type);
    }
  }
  void ordered(std::string end_path, const std::optional<PartialDate>& start,
               const std::optional<PartialDate>& end, std::string_view start_name) {
    if (start && end && end->last_day_number() < start->first_day_number()) {
      error(std::move(end_path), "is before " + std::string(start_name), ErrorKind::data_type);
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
