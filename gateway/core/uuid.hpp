#pragma once
// Record ids. Random (version 4) rather than time-ordered, because an id leaves the gateway in
// exports and must not reveal when or in which order records about a person arrived.
#include <string>
#include <string_view>

namespace kq::core {

// A random version 4 UUID in lower-case canonical form ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx")
// from OpenSSL's CSPRNG. Throws std::runtime_error if the generator cannot be seeded.
std::string new_uuid();

// True for the canonical 36-character form (any version, lower- or upper-case hex).
bool is_uuid(std::string_view text);

}  // namespace kq::core
