#pragma once
// What a disclosure decision needs to know about a record's content — its data categories and
// the day it describes — computed once, when the record is written, instead of on every pull.
//
// A pull decides every record it scans; parsing each stored body again to learn two facts was a
// third of the pull's CPU. The store keeps these beside the body, tagged with the version of the
// rules that produced them (disclosure_facts_version): a build whose category rules or day fields
// differ computes another version, and rows tagged with an older one are read from the body again,
// so a rule change never leaves a stale category in force.
#include <cstdint>
#include <optional>

#include <boost/json/object.hpp>

#include "gateway/core/data_category.hpp"
#include "gateway/core/record_kind.hpp"

namespace kq::core {

struct DisclosureFacts {
  CategorySet categories;
  std::optional<std::int64_t> day;  // record_day(); kept for every category (the reader decides)
};

DisclosureFacts disclosure_facts(RecordKind kind, const boost::json::object& body);

// The earliest day a record describes (its effective time, test date, admission …) as a day
// number (days_from_civil), read from its body; nothing for a person or an organisation, or when
// the record does not say.
std::optional<std::int64_t> record_day(RecordKind kind, const boost::json::object& body);

// A fingerprint (positive, never 0) of the rules above: the category rules, each kind's base
// category and the day fields. Computed from the tables themselves, so changing a rule changes
// it without anyone remembering to bump a number.
std::int64_t disclosure_facts_version();

}  // namespace kq::core
