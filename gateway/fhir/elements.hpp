#pragma once
// Internal to kq_fhir: the FHIR R4 data types the resource builders are written in. Each
// builder takes canonical values and returns FHIR JSON; none invents a value the record lacks.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/model_common.hpp"

namespace kq::fhir::element {

namespace json = boost::json;

// FHIR id: 1 to 64 of A-Z a-z 0-9 '-' '.'.
bool is_fhir_id(std::string_view text);

// instant at millisecond precision in +08:00 ("2024-03-05T08:30:00.120+08:00").
std::string instant(std::int64_t utc_millis);
// dateTime in the offset it was recorded in. FHIR wants seconds whenever there is a time, so a
// minute-precision value gains ":00" (the same instant, written out).
std::string date_time(const core::DateTime& value);

json::object meta(std::int64_t version, std::int64_t written_at_ms);
// {"resourceType", "id", "meta"}: how every resource begins.
json::object resource(std::string_view type, std::string_view id, std::int64_t version, std::int64_t written_at_ms);

// A reference to another resource by the gateway's record id: "Patient/<id>" when the id is a
// valid FHIR id, else a logical reference by identifier (system local sid "record-id"), so that
// the link is kept even where a literal reference is impossible.
json::object reference(std::string_view resource_type, std::string_view record_id);

json::object coding(std::string_view system, std::string_view code,
                    const std::optional<std::string>& display = std::nullopt);
json::object coding(const core::Coding& c);
json::object codeable(json::object coding_object, const std::optional<std::string>& text = std::nullopt);
json::object codeable_text(std::string_view text);

// A Quantity. A unit written in ASCII is taken as the UCUM code the canonical model keeps
// (model_common.hpp); other units (Chinese labels) stay as display text only, without a system.
json::object quantity(double value, const std::optional<std::string>& unit);

json::object period(const core::TimePeriod& p);
json::object period(const core::DatePeriod& p);

// {"url": <extension_url(name)>, "<value_key>": value}
json::object extension(std::string_view name, std::string_view value_key, json::value value);
json::object extension(std::string_view name, std::string_view value_key, std::string_view text);

json::object identifier(const core::Identifier& id);

// Appends `item` to the array under `key`, creating it.
void append(json::object& target, std::string_view key, json::value item);

}  // namespace kq::fhir::element
