#pragma once
// A person update that keeps what it does not mention. HL7 v2 senders send what changed: an
// empty field means "no change" and the null "" means "delete", so an ORU whose PID holds only
// the ID must not wipe the address an earlier ADT gave. The writer merges each new person
// record with the person's latest stored version (sqlite_batch_writer.cpp); the rules are here,
// apart from SQL, so that they can be read and tested on their own:
//
// - a field the update lacks keeps its stored value, and so does a field of a nested object
//   (name.pinyin is kept when only name.text is sent);
// - a field the sender nulled (RecordEnvelope::cleared) is removed;
// - identifiers are a union: an identifier from the same issuer (system and assigner) as a
//   stored one replaces it, any other is added;
// - other lists (addresses, telecom, contacts) are replaced when sent;
// - merged_identifiers belong to the A40 that sent them, not to the person: never carried over.
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace kq::store {

struct PersonUpdate {
  boost::json::object body;  // the stored person with the update applied
  // The identity fields (name, sex, birth date) whose stored value the update changed or
  // removed, as paths: "name.text", "sex". Only names: never the values, which are personal
  // data. A value given where there was none is no identity change.
  std::vector<std::string> identity_changes;
  bool unchanged = false;  // the update says nothing the stored person does not already say
};

// `stored` and `update` are person bodies (the update with its id resolved); `cleared` is the
// update's list of nulled fields. The result's body uses `stored`'s memory resource.
PersonUpdate merge_person(const boost::json::object& stored, const boost::json::object& update,
                          const std::vector<std::string>& cleared);

}  // namespace kq::store
