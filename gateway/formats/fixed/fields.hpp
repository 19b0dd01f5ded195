#pragma once
// Internal to kq_formats: the field types of fixed-width layouts (see fixed.hpp).
#include <string>
#include <string_view>

#include "gateway/formats/charset.hpp"
#include "gateway/formats/source.hpp"

namespace kq::formats {

// Whether `type` names a field type: string, digits, number, date, time.
bool known_field_type(std::string_view type);

// Reads one field's raw bytes. Returns true with `value` set ("" when the field is blank) or
// false with `error` set to the reason ("expected digits, found '20A4'"). `decoder` decodes
// string fields and the bytes shown in errors.
bool read_field(std::string_view raw, const FixedField& field, CharsetDecoder& decoder, std::string& value,
                std::string& error);

}  // namespace kq::formats
