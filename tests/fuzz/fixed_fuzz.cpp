// libFuzzer target for the fixed-width record decoder (card-reader POS batches).
//
// The first bytes of the input choose the layout, the rest is the batch:
//   byte 0       record length (0 = one record per line, otherwise 1..63)
//   byte 1       charset (GB18030, GBK, UTF-8, ASCII) and the number of fields (0..5)
//   3 per field  offset, length and type; usually fitted into the record so that records get
//                decoded, sometimes left as drawn so that layout errors are exercised too
// Every path is then selected, scoped and unscoped, and every match and error message must be
// valid UTF-8: a raw GB 18030 byte in a message would corrupt the sender's error report.
//
// Sources: gateway/formats/fixed/format.cpp, gateway/formats/fixed/fields.cpp, gateway/formats/charset.cpp.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/formats/charset.hpp"
#include "gateway/formats/fixed/format.hpp"

namespace {

using kq::formats::FixedDocument;
using kq::formats::FixedField;
using kq::formats::Match;
using kq::formats::ParseError;
using kq::formats::ParseOptions;

constexpr const char* kTypes[] = {"string", "digits", "number", "date", "time"};
constexpr const char* kCharsets[] = {"", "GBK", "UTF-8", "ASCII"};

void require_utf8(std::string_view text) {
  if (kq::formats::find_invalid_utf8(text)) __builtin_trap();
}

void check(const std::vector<Match>& matches, std::size_t records) {
  for (const Match& m : matches) {
    require_utf8(m.text);
    require_utf8(m.location);
    if (m.handle >= records) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  ParseOptions options;
  options.record_length = data[0] % 64;
  options.charset = kCharsets[(data[1] >> 4) % 4];
  const std::size_t fields = data[1] % 6;
  std::size_t pos = 2;
  for (std::size_t i = 0; i < fields && pos + 3 <= size; ++i, pos += 3) {
    FixedField field;
    field.name = "f" + std::to_string(i);
    field.type = kTypes[data[pos + 2] % 5];
    field.offset = data[pos] % 64;
    field.length = 1 + data[pos + 1] % 16;
    const bool fit = (data[pos + 2] & 0x80) == 0 && options.record_length > 0;
    if (fit) {
      field.offset %= options.record_length;
      field.length = 1 + (field.length - 1) % (options.record_length - field.offset);
    }
    options.fixed_fields.push_back(field);
  }
  const std::string_view batch(reinterpret_cast<const char*>(data) + pos, size - pos);

  ParseError error;
  const auto document = kq::formats::fixed_format().parse(batch, options, error);
  if (!document) {
    require_utf8(error.location);
    require_utf8(error.message);
    return 0;
  }
  const auto& fixed = dynamic_cast<const FixedDocument&>(*document);
  for (const auto& e : fixed.record_errors()) require_utf8(e.text());

  const std::size_t count = fixed.records().size();
  std::string compile_error;
  const auto records = kq::formats::fixed_format().compile_path("records", compile_error);
  const auto all = records->select(*document, nullptr);
  if (all.size() != count) __builtin_trap();
  check(all, count);
  for (const FixedField& field : options.fixed_fields) {
    const auto path = kq::formats::fixed_format().compile_path(field.name, compile_error);
    if (!path) __builtin_trap();
    check(path->select(*document, nullptr), count);
    for (const Match& record : all) check(path->select(*document, &record), count);
  }
  const Match forged{"", "", count + 7};
  if (!records->select(*document, &forged).empty()) __builtin_trap();
  return 0;
}
