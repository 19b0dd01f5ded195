// card_reader: school health-exam batches from card-reader POS terminals, uploaded over HTTPS
// with the terminal's client certificate (docs/adapters/card_reader.md).
//
// What the adapter decides (TLS, the certificate → organisation and role check, body limits, the
// mapping, the transaction, dedupe and audit are the host's):
//  - who may upload: a principal with an organisation (the exam clinic) — else the batch is
//    refused (403) and kept;
//  - whether the batch is whole: the envelope's record count and CRC-32; a truncated or damaged
//    upload is refused whole (422), kept, and sent again by the terminal;
//  - the message key: the SHA-256 of the whole upload, so an identical re-upload is answered as a
//    duplicate with the original figures, and exactly one copy is stored;
//  - each record is its own document (ABI 1.3 batches): a malformed record is rejected alone;
//  - identical records within one batch are stored once and listed as duplicates;
//  - the terminal's batch sequence number goes to the host, which reports gaps and replays;
//  - data-quality warnings that do not stop a record (an implausible BMI from height and weight).
#include <kangqiao/plugin.hpp>

#include <openssl/sha.h>

#include <cstdio>
#include <optional>
#include <memory>
#include <string>
#include <unordered_map>

#include "batch_envelope.hpp"
#include "receipt.hpp"

namespace {

using kangqiao::Field;

constexpr kq_field_spec kFields[] = {
    Field::string("path").defaults("/v1/card-reader/batches").describe("URL path of the POST route for batches."),
    Field::path("drop_directory")
        .describe("A drop folder for batches written to disk (incoming/, work/, done/, failed/ in it); "
                  "absent: HTTPS uploads only."),
    Field::string("drop_principal")
        .describe("The principal (config principals:) whose organisation the dropped batches belong to."),
    Field::duration("drop_settle")
        .defaults("2s")
        .range(0, 3600000)
        .describe("How long a dropped file must stay unchanged before it is taken."),
};

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 0x0f];
  }
  return out;
}

// Record layout (mappings/card_reader/pos_record.yaml): height in mm at bytes 38-41, weight in
// units of 100 g at bytes 42-45.
constexpr std::size_t kHeightOffset = 37;
constexpr std::size_t kWeightOffset = 41;
constexpr std::size_t kMeasureLength = 4;
// A BMI outside this range is possible but rare enough in school children that a typing error
// (a digit missing or swapped) is the likelier cause: the record is stored and the clinic told.
constexpr double kPlausibleBmiLow = 10.0;
constexpr double kPlausibleBmiHigh = 40.0;

std::optional<int> digits(std::string_view text) {
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// A data-quality warning for a record whose height and weight give an implausible BMI; nothing
// when either is not a number (the mapping rejects those records).
std::optional<std::string> bmi_warning(std::string_view record) {
  const auto height_mm = digits(record.substr(kHeightOffset, kMeasureLength));
  const auto weight_100g = digits(record.substr(kWeightOffset, kMeasureLength));
  if (!height_mm || !weight_100g || *height_mm == 0) return std::nullopt;
  const double metres = *height_mm / 1000.0;
  const double bmi = (*weight_100g / 10.0) / (metres * metres);
  if (bmi >= kPlausibleBmiLow && bmi <= kPlausibleBmiHigh) return std::nullopt;
  char text[120];
  std::snprintf(text, sizeof text, "height and weight give a BMI of %.1f, outside %.0f to %.0f: check both",
                bmi, kPlausibleBmiLow, kPlausibleBmiHigh);
  return std::string(text);
}

class CardReader final : public kangqiao::Adapter {
 public:
  CardReader(const kangqiao::Host& host, const kangqiao::Config& config) {
    const std::string path = config.string("path").value_or("/v1/card-reader/batches");
    if (path.empty() || path.front() != '/') throw kangqiao::PluginError("path must start with '/'");
    host.add_http_route("POST", path.c_str());
    if (const auto folder = config.string("drop_directory"); folder && !folder->empty()) {
      const std::string principal = config.string("drop_principal").value_or("");
      if (principal.empty()) throw kangqiao::PluginError("drop_directory needs drop_principal: the clinic the files are from");
      host.add_file_drop("batches", *folder, config.integer("drop_settle").value_or(2000), principal);
    }
  }

  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) override {
    auto& state = out.keep(std::make_unique<card_reader::BatchState>());
    if (in.organisation().empty()) {
      state.refusal = kangqiao::ErrorDetail{KQ_ERROR_NOT_PERMITTED, "",
                                            "a terminal certificate mapped to an organisation is needed"};
      state.refusal_status = 403;
      out.reject(*state.refusal);
      return;
    }
    card_reader::Envelope envelope;
    card_reader::EnvelopeError error;
    if (!card_reader::read_envelope(in.payload(), envelope, error)) {
      state.refusal = kangqiao::ErrorDetail{KQ_ERROR_STRUCTURE, error.location, error.reason};
      out.reject(*state.refusal);
      return;
    }
    state.terminal = envelope.terminal;
    state.operator_id = envelope.operator_id;
    state.sequence = envelope.sequence;
    state.records = envelope.records.size();
    out.independent_documents();
    out.set_message_key("sha256:" + sha256_hex(in.payload()));
    out.report_sequence(envelope.terminal, envelope.sequence);

    std::unordered_map<std::string_view, std::size_t> first_seen;
    first_seen.reserve(envelope.records.size());
    state.record_of_document.reserve(envelope.records.size());
    for (std::size_t i = 0; i < envelope.records.size(); ++i) {
      const std::string_view record = envelope.records[i];
      const std::size_t number = i + 1;
      const auto [seen, inserted] = first_seen.emplace(record, number);
      if (!inserted) {
        state.repeated.push_back({number, seen->second});
        continue;
      }
      out.emit("fixed", record, "");
      state.record_of_document.push_back(number);
      if (auto warning = bmi_warning(record)) state.warnings.push_back({number, "height_mm, weight_100g", *warning});
    }
  }

  void acknowledge(const kangqiao::Inbound&, const kangqiao::Outcome& outcome, kangqiao::AckSink& out) override {
    const card_reader::Receipt receipt = card_reader::make_receipt(outcome.state<card_reader::BatchState>(), outcome);
    out.status(receipt.http_status);
    out.content_type("application/json");
    out.write(receipt.body);
  }
};

constexpr kangqiao::PluginInfo kInfo{.name = "card_reader", .version = "1.0.0",
                                     .description = "Card-reader POS exam batches (50-byte records) over HTTPS, "
                                                    "accepted record by record with a receipt.",
                                     .fields = kFields, .requires_minor = 3};

}  // namespace

KQ_DEFINE_PLUGIN(kInfo, CardReader)
