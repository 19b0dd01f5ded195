#pragma once
// The checks every format makes before it reads a byte: the payload's size against the channel's
// limit, and the channel's charset. One wording for all formats, so a sender sees the same
// message whichever kind of file it sent.
#include <optional>
#include <string_view>

#include "gateway/formats/charset.hpp"
#include "gateway/formats/source.hpp"

namespace kq::formats {

// False, with a too-long error at the first byte past the limit, when `bytes` is larger than
// options.max_bytes. `what` names the payload in the message ("document", "workbook", "batch").
bool within_max_bytes(std::string_view bytes, const ParseOptions& options, std::string_view what,
                      ParseError& error);

// options.charset, or `fallback` when the channel names none. Nothing, with an internal error
// (the channel's configuration is wrong, not the sender), when the name is not a charset this
// system reads; `accepted` lists the ones to suggest ("UTF-8, GB18030 or GBK").
std::optional<Charset> channel_charset(const ParseOptions& options, std::string_view fallback,
                                       std::string_view accepted, ParseError& error);

}  // namespace kq::formats
