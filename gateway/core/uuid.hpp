#pragma once
// Ids. What the gateway mints for the store (raw message, record and person ids) is
// time-ordered (version 7; a record with a business key gets a name-based id instead, see
// mapping/name_uuid.hpp): the indexes on those ids then grow at one end, so a commit dirties a
// few index pages instead of one page per new id, which with random ids was most of the WAL
// written per message. The price: an id tells when the gateway made it (to the millisecond) — for a record,
// what its written_at says anyway; for a person, when the gateway first heard of them. Random
// ids (version 4) remain for what must be unguessable.
#include <string>
#include <string_view>

namespace kq::core {

// A random version 4 UUID in lower-case canonical form ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx")
// from OpenSSL's CSPRNG. Throws std::runtime_error if the generator cannot be seeded.
std::string new_uuid();

// A version 7 UUID (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits from
// the same generator. Ids made in one millisecond are not ordered among themselves.
std::string new_time_ordered_uuid();

// 16 bytes in lower-case canonical form, as the functions above return them (and the
// name-based ids of mapping/name_uuid.hpp).
std::string uuid_text(const unsigned char* bytes);

}  // namespace kq::core
