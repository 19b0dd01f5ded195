#pragma once
// One inbound message as it arrived: the payload and everything the listener knew about how it
// arrived. The same shape travels from the listener through the plugin and the pipeline into the
// store, which keeps every field of it (raw_message), so `kangqiao reprocess` runs a message again
// exactly as it came: the same adapter, transport, route, sender, idempotency key and time.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kq::core {

// The values are those of kq_transport in the plugin ABI.
enum class Transport : std::uint8_t { http = 1, schedule = 2, mllp = 3, file = 4 };

std::string_view to_string(Transport transport);  // "http", "schedule", "mllp", "file"
std::optional<Transport> parse_transport(std::string_view text);

struct InboundMessage {
  std::string adapter;           // the adapter instance that received it
  Transport transport = Transport::http;
  std::string listener;          // the listener's name in config
  std::string channel;           // HTTP route path, MLLP listener name or schedule name
  std::string method;            // HTTP method; empty for other transports
  std::string content_type;      // as sent, parameters included
  std::string charset;           // the content type's charset parameter; empty when none
  std::string payload;           // the bytes as received (may contain NUL)
  std::string peer_address;      // "ip:port"; empty for schedules
  std::string principal;         // the client certificate's principal; empty when anonymous
  std::string organisation;      // that principal's organisation
  std::string idempotency_key;   // HTTP Idempotency-Key header; empty when absent
  // A drop folder's file (a POS batch, a class sheet, a roster chunk): its name as it was dropped,
  // without the folder, so an operator can tell which file a stored message or dead letter came
  // from. Empty for other transports.
  std::string file_name;
  std::int64_t received_at_ms = 0;  // UTC milliseconds since the epoch
};

// The charset parameter of a Content-Type value ("application/xml; charset=GB18030" → "GB18030"),
// unquoted; empty when there is none.
std::string charset_of_content_type(std::string_view content_type);

}  // namespace kq::core
