#include "batch_envelope.hpp"

#include <charconv>

#include <boost/crc.hpp>

namespace card_reader {

namespace {

constexpr std::string_view kMagic = "POS1";
constexpr std::size_t kMaxIdLength = 32;

bool is_line_break(char c) { return c == '\r' || c == '\n'; }

// Terminal and operator ids: printable ASCII without the separator, 1 to 32 bytes.
bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    if (c <= 0x20 || c >= 0x7f || c == '|') return false;
  }
  return true;
}

template <class T>
bool parse_number(std::string_view text, T& out, int base = 10) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

std::vector<std::string_view> split_header(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t bar = line.find('|', start);
    fields.push_back(line.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
    if (bar == std::string_view::npos) return fields;
    start = bar + 1;
  }
}

}  // namespace

std::uint32_t crc32(std::string_view bytes) {
  boost::crc_32_type crc;  // the CRC-32 of zip, PNG and Ethernet: what terminal SDKs compute
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

bool read_envelope(std::string_view payload, Envelope& out, EnvelopeError& error) {
  const std::size_t eol = payload.find('\n');
  if (eol == std::string_view::npos) {
    error = {"header", "the batch has no header line (it must start with POS1|… and a line break)"};
    return false;
  }
  std::string_view header = payload.substr(0, eol);
  if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
  const std::vector<std::string_view> fields = split_header(header);
  if (fields.size() != 6 || fields[0] != kMagic) {
    error = {"header", "expected POS1|terminal|operator|sequence|record count|crc32, found " +
                           std::to_string(fields.size()) + " field(s)" + (fields[0] != kMagic ? " not starting with POS1" : "")};
    return false;
  }
  if (!valid_id(fields[1])) {
    error = {"header.terminal", "must be 1 to 32 printable ASCII characters without '|'"};
    return false;
  }
  if (!valid_id(fields[2])) {
    error = {"header.operator", "must be 1 to 32 printable ASCII characters without '|'"};
    return false;
  }
  out.terminal = fields[1];
  out.operator_id = fields[2];
  if (!parse_number(fields[3], out.sequence) || out.sequence <= 0) {
    error = {"header.sequence", "must be a positive whole number, found '" + std::string(fields[3]) + "'"};
    return false;
  }
  if (!parse_number(fields[4], out.declared_records) || out.declared_records == 0 ||
      out.declared_records > kMaxRecords) {
    error = {"header.records", "must be a whole number from 1 to " + std::to_string(kMaxRecords) + ", found '" +
                                   std::string(fields[4]) + "'"};
    return false;
  }
  if (fields[5].size() != 8 || !parse_number(fields[5], out.declared_crc, 16)) {
    error = {"header.crc32", "must be 8 hexadecimal digits, found '" + std::string(fields[5]) + "'"};
    return false;
  }

  const std::string_view body = payload.substr(eol + 1);
  // Records first: a truncated upload is named as such, which says more than a CRC mismatch.
  std::size_t pos = 0;
  while (true) {
    while (pos < body.size() && is_line_break(body[pos])) ++pos;
    if (pos >= body.size()) break;
    const std::string_view record = body.substr(pos, kRecordLength);
    const std::size_t brk = record.find_first_of("\r\n");
    if (record.size() < kRecordLength || brk != std::string_view::npos) {
      const std::size_t got = brk != std::string_view::npos ? brk : record.size();
      error = {"records", "record " + std::to_string(out.records.size() + 1) + " has " + std::to_string(got) +
                              " bytes, expected " + std::to_string(kRecordLength) + ": the batch is truncated or damaged"};
      return false;
    }
    out.records.push_back(record);
    pos += kRecordLength;
    if (out.records.size() > out.declared_records) break;
  }
  if (out.records.size() != out.declared_records) {
    error = {"header.records", "the header declares " + std::to_string(out.declared_records) +
                                   " record(s) but the batch holds " +
                                   (out.records.size() > out.declared_records ? "more"
                                                                             : std::to_string(out.records.size())) +
                                   ": the batch is truncated or damaged"};
    return false;
  }
  const std::uint32_t crc = crc32(body);
  if (crc != out.declared_crc) {
    char found[9];
    const auto [end, ec] = std::to_chars(found, found + 8, crc, 16);
    (void)ec;
    error = {"header.crc32", "the records' CRC-32 is " + std::string(8 - (end - found), '0') + std::string(found, end) +
                                 ", the header says " + std::string(fields[5]) + ": the batch is damaged"};
    return false;
  }
  return true;
}

}  // namespace card_reader
