#pragma once
// The card-reader batch envelope (docs/adapters/card_reader.md): one header line, then the
// records, fixed 50 bytes each, each optionally followed by a line break.
//
//   POS1|<terminal>|<operator>|<sequence>|<record count>|<CRC-32 of the record bytes, 8 hex>\n
//   <record 1: 50 bytes>\r\n
//   <record 2: 50 bytes>\r\n
//   …
//
// The count and the CRC make a truncated or damaged upload detectable before any record is read:
// such a batch is refused whole, and the terminal sends it again.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace card_reader {

inline constexpr std::size_t kRecordLength = 50;
inline constexpr std::size_t kMaxRecords = 100000;  // the Beijing notice: up to 30,000 per batch

struct Envelope {
  std::string terminal;
  std::string operator_id;
  std::int64_t sequence = 0;
  std::size_t declared_records = 0;
  std::uint32_t declared_crc = 0;
  std::vector<std::string_view> records;  // views into the payload, kRecordLength bytes each
};

struct EnvelopeError {
  std::string location;  // "header", "header.crc32", "records"
  std::string reason;
};

// CRC-32 as in ISO 3309 / ITU-T V.42 (the zip and PNG checksum): reflected polynomial 0xEDB88320,
// initial value and final XOR 0xFFFFFFFF. "123456789" → 0xCBF43926.
std::uint32_t crc32(std::string_view bytes);

// Reads the envelope of `payload`. On failure returns false and says where and why.
bool read_envelope(std::string_view payload, Envelope& out, EnvelopeError& error);

}  // namespace card_reader
