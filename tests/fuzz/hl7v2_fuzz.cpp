// libFuzzer target: arbitrary bytes as an HL7 v2 message, parsed with and without a channel
// character set, then read the way a mapping reads it. Besides "no crash, no leak, no UB", it
// checks properties that must hold for every message the parser accepts:
//   - every selected value is valid UTF-8 (the gateway's internal text never carries raw bytes);
//   - a match's handle is one of the message's segments, and works as a scope;
//   - escaping a value and resolving the escapes again gives the value back, so an echoed value
//     (MSH-10 in an ACK) cannot forge a separator or a segment;
//   - the parsed text, fed back as UTF-8, parses to the same segments and MSH-10.
// A broken property aborts, which libFuzzer reports as a finding with the input that caused it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/formats/hl7v2/format.hpp"

namespace {

using kq::formats::Hl7Message;
using kq::formats::Match;
using kq::formats::ParseError;
using kq::formats::ParseOptions;
using kq::formats::Path;

void require(bool condition, const char* property) {
  if (condition) return;
  std::fprintf(stderr, "property broken: %s\n", property);
  std::abort();
}

const std::vector<std::unique_ptr<Path>>& paths() {
  static const std::vector<std::unique_ptr<Path>> compiled = [] {
    std::vector<std::unique_ptr<Path>> out;
    for (const char* text : {"MSH-1", "MSH-2", "MSH-9.1", "MSH-10", "MSH-18", "PID-3[*].1",
                             "PID-3[2].4.2", "PID-5", "PID-5.1.2", "PID-19", "OBX[*]-5",
                             "OBX[2]-3.2", "NTE-3", "/PID-5.2", "ZZ1[*]-1[*].1.1", "EVN"}) {
      std::string error;
      out.push_back(kq::formats::hl7v2::compile_path(text, error));
      require(out.back() != nullptr, "the target's own paths compile");
    }
    return out;
  }();
  return compiled;
}

// The channel character sets a deployment may configure; "" reads MSH-18.
constexpr std::string_view kOverrides[] = {"UTF-8", "GB18030", "GBK", "ASCII", "8859/1", "BIG-5"};

void check_match(const Hl7Message& message, const Match& match) {
  require(kq::formats::hl7v2::find_invalid_utf8(match.text) == std::string_view::npos,
          "selected text is valid UTF-8");
  require(match.handle < message.segment_count(), "a match's handle is a segment of the message");
  const std::string escaped = kq::formats::hl7v2::escape_value(match.text, message.separators());
  std::string round_trip;
  kq::formats::hl7v2::append_unescaped(round_trip, escaped, message.separators(),
                                       message.charset_info());
  require(round_trip == match.text, "escaping then unescaping gives the value back");
}

void exercise(const Hl7Message& message) {
  for (const auto& path : paths()) {
    std::size_t scopes = 0;
    for (const Match& match : path->select(message, nullptr)) {
      check_match(message, match);
      // Every match can be a scope: "each OBR with its OBX", "each OBX with its NTE". A few
      // per path are enough, and keep a message of 10,000 segments fast.
      if (++scopes > 8) continue;
      for (const auto& inner : paths()) {
        for (const Match& scoped : inner->select(message, &match)) check_match(message, scoped);
      }
    }
  }
  // The decoded text is a well-formed UTF-8 message: it must parse again, to the same thing.
  ParseOptions utf8;
  utf8.charset = "UTF-8";
  utf8.max_bytes = message.text().size();
  ParseError error;
  const auto again = Hl7Message::parse(message.text(), utf8, error);
  require(again != nullptr, "the decoded text parses again as UTF-8");
  require(again->segment_count() == message.segment_count(), "re-parsing keeps the segments");
  // Raw, not decoded: a \X..\ escape spells bytes of the original character set.
  require(again->raw_field(0, 10) == message.raw_field(0, 10), "re-parsing keeps MSH-10");
  for (std::size_t i = 0; i < message.segment_count(); ++i) {
    require(again->segment_text(i) == message.segment_text(i), "re-parsing keeps every segment");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ParseOptions options;
  options.max_bytes = 65536;
  ParseError error;
  if (const auto message = Hl7Message::parse(bytes, options, error)) {
    exercise(*message);
  } else {
    require(!error.location.empty() && !error.message.empty(), "a refusal says where and why");
  }
  // The same bytes on a channel configured with a character set (chosen by the input's length,
  // so that every set gets inputs of every shape).
  options.charset = std::string(kOverrides[size % std::size(kOverrides)]);
  if (const auto message = Hl7Message::parse(bytes, options, error)) {
    exercise(*message);
  } else {
    require(!error.location.empty() && !error.message.empty(), "a refusal says where and why");
  }
  return 0;
}
