#pragma once
// JSON form of the canonical records (Boost.JSON).
//
// Keys are the snake_case field names. Absent optional values, empty lists and empty strings
// are omitted, so a record and its JSON round-trip exactly. PartialDate is written at its
// precision ("2014-03"); DateTime as ISO 8601 with its offset ("2024-03-05T08:30:00+08:00").
// Reading is strict where a lenient reader would lose data silently: unknown keys, wrong types,
// non-ISO dates and date-times without an offset are errors with the path of the field. JSON
// null is read as "absent", because many producers write null for a missing value.
//
// Explicit functions rather than tag_invoke, because parsing must collect every error of a
// record with its path instead of throwing at the first.
#include <optional>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/model.hpp"
#include "gateway/core/record.hpp"

namespace kq::core {

template <class T>
struct Decoded {
  std::optional<T> value;  // set only when there are no errors
  std::vector<FieldError> errors;
  bool ok() const { return errors.empty(); }
};

// Written with the memory resource `sp` (by default the heap; an arena for a document's
// records, so that every key, string and container of the body comes from it).
boost::json::object to_json(const Person& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const Organization& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const Enrollment& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const Encounter& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const Observation& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const FitnessTest& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const VisionScreening& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const MentalHealthScreening& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const Diagnosis& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const Procedure& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const InpatientSummary& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const Consent& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const Provenance& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const AuditEvent& record, const boost::json::storage_ptr& sp = {});
boost::json::object to_json(const Alert& record, const boost::json::storage_ptr& sp = {});

// Structure only (types, keys, date formats); validate() in record_validation.hpp checks the
// content. Instantiated for every record type.
template <class T>
Decoded<T> from_json(const boost::json::value& json);

}  // namespace kq::core
