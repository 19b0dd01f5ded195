#include "gateway/formats/hl7v2/message.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace kq::formats {

namespace {

using hl7v2::is_segment_name_char;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool is_line_end(char c) { return c == '\r' || c == '\n'; }

// Separators must be visible ASCII punctuation: a letter or digit would split ordinary values,
// a control character or a space would be invisible in every log that shows the message.
bool is_valid_separator(char c) {
  return c > ' ' && c < 0x7f && !is_segment_name_char(c) && !(c >= 'a' && c <= 'z');
}

std::string describe_char(char c) {
  if (c > ' ' && c < 0x7f) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(c);
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0x0f];
}

}  // namespace

std::unique_ptr<Hl7Message> Hl7Message::parse(std::string_view bytes, const ParseOptions& options,
                                              ParseError& error) {
  if (bytes.size() > options.max_bytes) {
    error = {"byte " + std::to_string(options.max_bytes),
             "message is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                 std::to_string(options.max_bytes),
             core::ErrorKind::too_long};
    return nullptr;
  }
  // Offsets are 30-bit, and transcoding may grow the text by half.
  constexpr std::size_t kHardLimit = kMaxText / 2;
  if (bytes.size() > kHardLimit) {
    error = {"byte " + std::to_string(kHardLimit), "message is larger than 512 MiB", core::ErrorKind::too_long};
    return nullptr;
  }
  const std::size_t payload_size = bytes.size();
  if (bytes.substr(0, kUtf8Bom.size()) == kUtf8Bom) bytes.remove_prefix(kUtf8Bom.size());
  while (!bytes.empty() && is_line_end(bytes.front())) bytes.remove_prefix(1);

  std::unique_ptr<Hl7Message> message(new Hl7Message());
  message->skipped_ = payload_size - bytes.size();
  if (!message->read_msh_prefix(bytes, error)) return nullptr;
  message->text_.assign(bytes.data(), bytes.size());
  if (!message->decode_and_index(options, error)) return nullptr;
  message->link_segments();
  if (!message->read_header(error)) return nullptr;
  return message;
}

std::unique_ptr<Hl7Message> Hl7Message::parse_header(std::string_view bytes,
                                                     const ParseOptions& options,
                                                     ParseError& error) {
  // Skip what parse() skips, then cut at the end of MSH. CR and LF never occur inside a
  // character of the supported charsets (GB 18030 trail bytes are 0x30 or above).
  std::size_t start = bytes.substr(0, kUtf8Bom.size()) == kUtf8Bom ? kUtf8Bom.size() : 0;
  while (start < bytes.size() && is_line_end(bytes[start])) ++start;
  const std::size_t end = bytes.find_first_of("\r\n", start);
  return parse(bytes.substr(0, end), options, error);
}

bool Hl7Message::read_msh_prefix(std::string_view bytes, ParseError& error) {
  if (bytes.empty()) {
    error = {"segment 1", "message is empty", core::ErrorKind::structure};
    return false;
  }
  if (bytes.substr(0, 3) != "MSH") {
    error = {"segment 1", "message must start with an MSH segment, found '" +
                              hl7v2::show_bytes(bytes.substr(0, 3)) + "'",
             core::ErrorKind::structure};
    return false;
  }
  if (bytes.size() < 4 || is_line_end(bytes[3])) {
    error = {"MSH-1", "MSH segment ends before its field separator (MSH-1)", core::ErrorKind::structure};
    return false;
  }
  const char field = bytes[3];
  if (!is_valid_separator(field)) {
    error = {"MSH-1",
             "field separator must be a printable ASCII character other than a letter, digit or "
             "space, found " +
                 describe_char(field),
             core::ErrorKind::structure};
    return false;
  }
  std::size_t end = 4;
  while (end < bytes.size() && bytes[end] != field && !is_line_end(bytes[end])) ++end;
  const std::string_view encoding = bytes.substr(4, end - 4);
  if (encoding.size() < 4 || encoding.size() > 5) {
    error = {"MSH-2",
             "encoding characters must be 4 or 5 characters (component, repetition, escape, "
             "subcomponent, optional truncation), found " +
                 std::to_string(encoding.size()) +
                 (encoding.empty() ? "" : ": '" + hl7v2::show_bytes(encoding) + "'"),
             core::ErrorKind::structure};
    return false;
  }
  static constexpr std::array<const char*, 5> kRoles{"component", "repetition", "escape",
                                                     "subcomponent", "truncation"};
  for (std::size_t i = 0; i < encoding.size(); ++i) {
    if (!is_valid_separator(encoding[i])) {
      error = {"MSH-2", std::string(kRoles[i]) +
                            " character must be a printable ASCII character other than a letter, "
                            "digit or space, found " +
                            describe_char(encoding[i]),
               core::ErrorKind::structure};
      return false;
    }
  }
  const std::string_view all = bytes.substr(3, encoding.size() + 1);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all.find(all[i], i + 1) != std::string_view::npos) {
      error = {"MSH-2",
               "encoding characters must differ from each other and from the field "
               "separator, but " +
                   describe_char(all[i]) + " appears twice in '" + std::string(all) + "'",
               core::ErrorKind::structure};
      return false;
    }
  }
  separators_ = {field,       encoding[0], encoding[1],
                 encoding[2], encoding[3], encoding.size() == 5 ? encoding[4] : '\0'};
  return true;
}

void Hl7Message::link_segments() {
  // A message has a handful of distinct segment names, so a small linear table is faster than
  // hashing. Hostile input with more names than names_ holds falls back to sorting.
  struct Chain {
    std::uint32_t type, first, last, count;
  };
  std::array<Chain, std::tuple_size_v<decltype(names_)>> chains;
  std::size_t distinct = 0;
  auto find = [&](std::uint32_t type) -> Chain* {
    for (std::size_t i = 0; i < distinct; ++i) {
      if (chains[i].type == type) return &chains[i];
    }
    return nullptr;
  };
  for (std::uint32_t i = 0; i < segments_.size() && !many_names_; ++i) {
    Segment& s = segments_[i];
    Chain* chain = find(s.type);
    if (chain == nullptr) {
      if (distinct == chains.size()) {
        many_names_ = true;
        break;
      }
      chain = &chains[distinct++];
      *chain = {s.type, i, i, 0};
    } else {
      segments_[chain->last].next_same = i;
      chain->last = i;
    }
    s.occurrence = ++chain->count;
  }
  if (!many_names_) {
    for (Segment& s : segments_) s.total = find(s.type)->count;
    for (std::size_t i = 0; i < distinct; ++i) names_[i] = {chains[i].type, chains[i].first};
    name_count_ = static_cast<std::uint32_t>(distinct);
    return;
  }
  std::vector<std::uint64_t> keys;  // name, then segment index: sorts into runs of one name
  keys.reserve(segments_.size());
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    keys.push_back(std::uint64_t{segments_[i].type} << 32 | i);
  }
  std::sort(keys.begin(), keys.end());
  for (std::size_t run = 0; run < keys.size();) {
    std::size_t end = run;
    while (end < keys.size() && keys[end] >> 32 == keys[run] >> 32) ++end;
    for (std::size_t k = run; k < end; ++k) {
      Segment& s = segments_[static_cast<std::uint32_t>(keys[k])];
      s.occurrence = static_cast<std::uint32_t>(k - run + 1);
      s.total = static_cast<std::uint32_t>(end - run);
      s.next_same = k + 1 < end ? static_cast<std::uint32_t>(keys[k + 1]) : kNone;
    }
    run = end;
  }
}

std::size_t Hl7Message::first_segment(std::uint32_t type) const {
  if (!many_names_) {
    for (std::size_t i = 0; i < name_count_; ++i) {
      if (names_[i].type == type) return names_[i].segment;
    }
    return npos;
  }
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (segments_[i].type == type) return i;
  }
  return npos;
}

void Hl7Message::append_decoded(std::string& out, std::string_view raw) const {
  if (hl7v2::find_char(raw, separators_.escape) == raw.size()) {
    out.append(raw);
    return;
  }
  hl7v2::append_unescaped(out, raw, separators_, charset_);
}

bool Hl7Message::read_header(ParseError& error) {
  const std::size_t fields = field_count(0);
  if (fields < 12) {
    error = {"MSH-" + std::to_string(fields + 1), "MSH segment is too short: it ends after MSH-" +
                                                      std::to_string(fields) +
                                                      ", but MSH-9 to MSH-12 are required",
             core::ErrorKind::required};
    return false;
  }
  // The first repetition of a field, or one component of it, decoded into `out`; "" (HL7
  // null) reads as empty.
  auto read = [this](std::size_t number, std::size_t component, std::string& out) {
    const FieldView f = field(0, number);
    bool found = false;
    std::string_view raw =
        f.has_repetitions ? hl7v2::nth_part(f.raw, separators_.repetition, 1, found) : f.raw;
    if (component > 0) raw = hl7v2::nth_part(raw, separators_.component, component, found);
    if (!hl7v2::is_hl7_null(raw)) append_decoded(out, raw, f);
  };
  Hl7Header& h = header_;
  read(3, 0, h.sending_application);
  read(4, 0, h.sending_facility);
  read(5, 0, h.receiving_application);
  read(6, 0, h.receiving_facility);
  read(7, 1, h.date_time);
  read(9, 1, h.message_type);
  read(9, 2, h.trigger_event);
  read(9, 3, h.message_structure);
  read(10, 0, h.control_id);
  read(11, 1, h.processing_id);
  read(12, 1, h.version);
  read(15, 0, h.accept_ack_type);
  read(16, 0, h.application_ack_type);
  read(18, 0, h.character_set);
  struct Required {
    std::string_view value;
    const char* location;
    const char* message;
  };
  const std::array<Required, 4> required{{
      {h.message_type, "MSH-9", "message type (MSH-9.1) is empty"},
      {h.control_id, "MSH-10", "message control ID (MSH-10) is empty"},
      {h.processing_id, "MSH-11", "processing ID (MSH-11.1) is empty"},
      {h.version, "MSH-12", "version ID (MSH-12.1) is empty"},
  }};
  for (const Required& r : required) {
    if (r.value.empty()) {
      error = {r.location, r.message, core::ErrorKind::required};
      return false;
    }
  }
  return true;
}

}  // namespace kq::formats
