#pragma once
// The map benchmark's ADT^A01 mapped by hand: what mappings/his/adt_a01.yaml (with the patient
// fragment) does, written as straight C++ against the parsed message — no plan, no value lists,
// no JSON tree in between — into core's typed Person and Encounter, validated by core and
// written by core as the bodies the store keeps. The value sets it uses are switch statements.
//
// It is the benchmark's second reference point: the engine's cost above the split-only
// baseline is the price of parsing, mapping and validating; its cost above this is the price
// of the mapping being declarative. It covers what the benchmark's message exercises and is
// checked against the engine's output on it (same bodies, same ids) before anything is timed.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/dates.hpp"
#include "gateway/formats/hl7v2/message.hpp"

namespace kq::bench {

// Optional so that the bodies are move-constructed in place and keep their arena: assigning a
// JSON container copies it into the target's memory resource.
struct HandMapped {
  std::optional<boost::json::object> person;
  std::optional<boost::json::object> encounter;
};

// False, with the reason in `why`, where the mapping would report an error.
bool map_adt_by_hand(const formats::Hl7Message& message, std::string_view sender_org,
                     const core::PartialDate& today, HandMapped& out, std::string& why);

}  // namespace kq::bench
