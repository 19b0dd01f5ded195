#pragma once
// How a canonical identifier becomes a key of the identity index.
//
// Most identifier systems are national (a resident ID number means the same person wherever it
// comes from). A hospital MRN is not: "000123" at hospital A and "000123" at hospital B are two
// people. Identifiers that carry an assigner are therefore indexed under "system^assigner", the
// way HL7 CX names an identifier by its assigning authority.
#include <optional>
#include <string>
#include <utility>

#include <boost/json/object.hpp>

namespace kq::pipeline {

struct IdentityKey {
  std::string system;  // the identifier's system, qualified by its assigner when it has one
  std::string value;
};

// The key of a canonical identifier object ({system, value, assigner?}); nullopt when the
// identifier lacks a system or a value.
std::optional<IdentityKey> identity_key(const boost::json::object& identifier);

}  // namespace kq::pipeline
