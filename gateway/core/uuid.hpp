#pragma once
// Ids. Person ids are random (version 4): a person id is the pseudonym that travels furthest and
// must not tell when the gateway first heard of the child. Message and record ids are
// time-ordered (version 7): the store's indexes on them then grow at one end, so a commit touches
// a few index pages instead of one page per id, and the time they reveal is the write time
// every exported record carries anyway.
#include <string>
#include <string_view>

namespace kq::core {

// A random version 4 UUID in lower-case canonical form ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx")
// from OpenSSL's CSPRNG. Throws std::runtime_error if the generator cannot be seeded.
std::string new_uuid();

// A version 7 UUID (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits from
// the same generator. Ids made in one millisecond are not ordered among themselves.
std::string new_time_ordered_uuid();

// True for the canonical 36-character form (any version, lower- or upper-case hex).
bool is_uuid(std::string_view text);

}  // namespace kq::core
