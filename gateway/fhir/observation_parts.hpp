#pragma once
// Internal to kq_fhir: what the plain observation and the school-health panels share.
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "gateway/core/model.hpp"
#include "gateway/fhir/resources.hpp"

namespace kq::fhir::obs {

namespace json = boost::json;

// Observation.category from the observation-category code system (vital-signs, exam, survey,
// activity, laboratory, …), as a one-element array.
json::array category(std::string_view code);

// The elements every Observation starts with, in FHIR's order: resourceType, id, meta, status,
// category, code, subject, encounter.
json::object begin(std::string_view id, const RecordMeta& meta, std::string_view status,
                   std::optional<std::string_view> category_code, json::object code,
                   std::string_view person_id, const std::optional<std::string>& encounter_id);

// A component coded in the local code system `code_system_name` with one value
// ("valueQuantity", "valueString", "valueBoolean", "valueCodeableConcept" …).
json::object component(std::string_view code_system_name, std::string_view code, std::string_view value_key,
                       json::value value);
// The same without a value: {"code", "dataAbsentReason"}. `reason` is a data-absent-reason code.
json::object absent_component(std::string_view code_system_name, std::string_view code, std::string_view reason,
                              const std::optional<std::string>& text);

// An extension naming the rule set (and version) that computed a value: "cspfs-2014@1.0.0".
json::object computed_by(std::string_view rule);

}  // namespace kq::fhir::obs
