#pragma once
// Building blocks shared by the canonical record types.
//
// Conventions for every model struct:
//  - a std::string field holds a value the record normally has; empty means "not known yet" and
//    is omitted from JSON. Whether it is required is decided by validation, not by parsing, so
//    that one pass reports every problem of a record with its path;
//  - std::optional marks a value sources often do not have; absent values are omitted from JSON;
//  - codes stay as the source's code text (e.g. sex "1") and are checked by validation, so a
//    record with a bad code can still be parsed, reported precisely and kept as a dead letter.
#include <optional>
#include <string>

#include "gateway/core/dates.hpp"

namespace kq::core {

struct Coding {
  std::string system;  // URI, see identifier_systems.hpp
  std::string code;
  std::optional<std::string> display;
  bool operator==(const Coding&) const = default;
};

struct Quantity {
  double value = 0;
  std::string unit;  // UCUM where one exists ("cm", "kg", "mm[Hg]"); "1" for a plain number
  bool operator==(const Quantity&) const = default;
};

struct Identifier {
  std::string system;  // URI, see identifier_systems.hpp
  std::string value;
  std::optional<std::string> type;      // e.g. CV02.01.101 document type under the resident-ID OID
  std::optional<std::string> assigner;  // org_id of the issuer (a hospital for an MRN)
  bool operator==(const Identifier&) const = default;
};

struct HumanName {
  std::optional<std::string> family;  // 姓
  std::optional<std::string> given;   // 名
  std::optional<std::string> text;    // full name in hanzi, as written; may hold characters outside GBK
  std::optional<std::string> pinyin;
  bool operator==(const HumanName&) const = default;
};

// Calendar-date ranges: enrolments, consent validity.
struct DatePeriod {
  std::optional<PartialDate> start;
  std::optional<PartialDate> end;
  bool operator==(const DatePeriod&) const = default;
};

// Instant ranges: encounters.
struct TimePeriod {
  std::optional<DateTime> start;
  std::optional<DateTime> end;
  bool operator==(const TimePeriod&) const = default;
};

}  // namespace kq::core
