#pragma once
// Record ids derived from business keys (`key:` in a record rule).
//
// The same key always gives the same id, so a message sent twice, or an update (ADT^A08) of a
// visit, produces a new version of the same record instead of a second record. The id is a
// name-based UUID (RFC 4122 version 5) in a namespace of the gateway's own, over the record kind,
// the name of the rule and the key's values, so that two rules with equal keys differ.
#include <string>
#include <string_view>

namespace kq::mapping::detail {

// `name` is hashed as given; callers join the parts of a key with '\x1f'.
std::string name_uuid(std::string_view name);

}  // namespace kq::mapping::detail
