#pragma once
// CSV files (RFC 4180) as tabular documents; see tabular.hpp for the path syntax.
//
// What is accepted: fields separated by ParseOptions::csv_delimiter; records ended by CRLF, LF or
// CR; fields in double quotes may hold the delimiter, line breaks and doubled quotes (""); a quote
// inside an unquoted field is kept as a literal character (Excel writes 5'3" that way). A quoted
// field must be followed by a delimiter or the end of the record, and must be closed.
// Charset: ParseOptions::charset, default UTF-8 (validated); GB18030 / GBK are decoded with iconv.
// A UTF-8 byte-order mark is dropped. With has_header the first non-blank row holds the headers.
#include <string>
#include <string_view>

#include "gateway/formats/source.hpp"
#include "gateway/formats/tabular/tabular.hpp"

namespace kq::formats {

const Format& csv_format();

}  // namespace kq::formats
