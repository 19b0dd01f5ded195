#pragma once
// The HL7 v2 source format: `hl7v2_format()` is what find_format("hl7v2") returns. Its parse()
// gives an Hl7Message (hl7v2_message.hpp), its compile_path() the paths of hl7v2_path.hpp. The
// HIS adapter may call Hl7Message::parse directly to get the header without a downcast.
#include "gateway/formats/hl7v2/message.hpp"
#include "gateway/formats/hl7v2/path.hpp"
#include "gateway/formats/source.hpp"

namespace kq::formats {

const Format& hl7v2_format();

}  // namespace kq::formats
