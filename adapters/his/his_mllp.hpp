#pragma once
// his over MLLP: HL7 v2 messages from a hospital's HIS.
//
// The host parses each frame once (parse_document) with the channel's charset; this adapter reads
// the MSH fields it needs through paths compiled at start-up, checks the envelope (message type,
// control id), names the message for dedupe (MSH-3|MSH-4|MSH-10), hands the same parse to the
// mapping engine, and keeps what the ACK needs. After the host's commit it answers: AA/CA only
// when the raw message, the records, the dedupe key and the audit entry are committed; AE/CE with
// ERR segments for content errors; AR/CR for messages that cannot be accepted.
#include <kangqiao/plugin.hpp>

#include <atomic>
#include <set>
#include <string>
#include <string_view>

#include "hl7_ack.hpp"

namespace his {

class HisMllp final : public kangqiao::Adapter {
 public:
  static constexpr std::string_view variant = "mllp";

  HisMllp(const kangqiao::Host& host, const kangqiao::Config& config);

  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) override;
  void acknowledge(const kangqiao::Inbound& in, const kangqiao::Outcome& outcome, kangqiao::AckSink& out) override;

 private:
  struct Paths {
    kangqiao::Path sending_application[3], sending_facility[3];
    kangqiao::Path sending_application_field, sending_facility_field;
    kangqiao::Path message_type, trigger_event, control_id, control_id_repetitions;
    kangqiao::Path processing_id, version, accept_ack_type, application_ack_type;
  };
  AckHeader read_header(const kangqiao::Document& message) const;
  // A header for the reply to a message the host could not parse: read from its MSH alone.
  AckHeader header_of_unparsable(std::string_view payload, kangqiao::DecodeSink& out) const;
  std::string ack_control_id(const kangqiao::Outcome& outcome);

  std::string charset_;
  AckContext ack_;  // application and facility of our ACKs; timestamp and id per ACK
  std::set<std::string, std::less<>> accepted_;  // TYPE^EVENT
  std::size_t max_control_id_ = 199;
  Paths paths_;
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace his
