#pragma once
// One configured adapter: a plugin instance plus the transports it asked for.
// The pipeline calls decode() and acknowledge(); both translate between C++ values and the C ABI
// (plugins/sdk/include/kangqiao/plugin.h), whatever minor version the plugin was built for.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <kangqiao/plugin.h>

#include "gateway/core/inbound_message.hpp"
#include "gateway/core/record.hpp"
#include "gateway/formats/source.hpp"
#include "gateway/plugin_host/plugin_library.hpp"
#include "gateway/schedule/cron.hpp"

namespace kq::config {
class Block;
}

namespace kq::outbound { class HttpsFetcher; }

namespace kq::plugin_host {

// What a plugin receives: the message as the listener got it (core/inbound_message.hpp).
using Inbound = core::InboundMessage;

// A document the plugin handed on for mapping: its bytes, and the host's parse of them when the
// plugin had the host parse it (parse_document + emit_parsed), so the mapping engine does not
// parse the payload a second time.
struct DecodedDocument {
  std::string format;
  std::string charset;  // what the channel says the bytes are in; empty: the format's own rule
  std::string body;     // empty when body_is_payload
  bool body_is_payload = false;  // the bytes are the inbound payload itself (not copied)
  std::shared_ptr<const formats::Document> parsed;
  formats::ParseOptions parsed_with;  // the options `parsed` was made with

  std::string_view bytes(const Inbound& in) const { return body_is_payload ? std::string_view(in.payload) : std::string_view(body); }
};

// What on_decode kept for on_acknowledge (set_state): released exactly once, when this object
// goes — after on_acknowledge, or without it (a replay, a shutdown).
class PluginState {
 public:
  PluginState() = default;
  PluginState(void* state, void (*release)(void*)) : state_(state), release_(release) {}
  PluginState(PluginState&& other) noexcept { *this = std::move(other); }
  PluginState& operator=(PluginState&& other) noexcept;
  PluginState(const PluginState&) = delete;
  PluginState& operator=(const PluginState&) = delete;
  ~PluginState() { reset(); }
  void reset();
  void* get() const { return state_; }

 private:
  void* state_ = nullptr;
  void (*release_)(void*) = nullptr;
};

// Documents parsed for one message and the strings read from them: they live as long as the
// message (kq_document handles point into this).
struct MessageDocuments;

// A sequence number the plugin reported (report_sequence, ABI 1.3).
struct SequenceReport {
  std::string stream;
  std::int64_t number = 0;
};

struct DecodeResult {
  DecodeResult();
  ~DecodeResult();
  DecodeResult(DecodeResult&&) noexcept;
  DecodeResult& operator=(DecodeResult&&) noexcept;

  std::vector<DecodedDocument> documents;
  std::string message_key;
  std::vector<core::FieldError> errors;      // content errors, with their kind
  std::optional<core::FieldError> rejection;
  kq_document_mode document_mode = KQ_DOCUMENTS_TOGETHER;  // ABI 1.3
  std::vector<SequenceReport> sequences;                  // ABI 1.3
  // ABI 1.4: the plugin said the payload asks for nothing (nothing_to_do), and why.
  std::optional<std::string> nothing_to_do;
  std::unique_ptr<MessageDocuments> parsed;
  // Declared last, so released first: the plugin's release hook may still read its documents.
  PluginState state;
};

// What became of one document of a batch (KQ_DOCUMENTS_INDEPENDENT).
struct DocumentResult {
  std::size_t number = 0;  // emit order, from 1
  bool accepted = false;
  std::size_t records = 0;  // records stored from it, provenance excluded
  std::size_t errors = 0;   // its errors in Outcome::errors
};

// A data-quality note about a stored record (kq_outcome_note, ABI 1.4).
struct OutcomeNote {
  kq_note_kind kind = KQ_NOTE_MISMATCH;
  std::size_t document = 0;
  std::string location;
  std::string field;
  std::string reason;
  std::string sent;
  std::string computed;
  std::string rule;
};

// A reported sequence number as the store found it (kq_sequence_result).
struct SequenceResult {
  std::string stream;
  std::int64_t number = 0;
  std::int64_t previous = 0;
  std::int64_t gap_first = 0;
  std::int64_t gap_last = 0;
  std::uint32_t flags = 0;  // KQ_SEQUENCE_*
  std::string replay_of;
};

struct Outcome {
  kq_outcome_kind kind = KQ_OUTCOME_TRANSIENT;
  std::string message_id;
  std::vector<std::string> record_ids;
  // CONTENT_ERROR: every error; REJECTED: the rejection; COMMITTED in a batch: the errors of the
  // rejected documents (each with its document number).
  std::vector<core::FieldError> errors;
  std::string reason;
  kq_document_mode document_mode = KQ_DOCUMENTS_TOGETHER;
  std::vector<DocumentResult> documents;  // KQ_DOCUMENTS_INDEPENDENT: one per emitted document
  std::vector<SequenceResult> sequences;
  std::vector<OutcomeNote> notes;  // ABI 1.4
};

struct AckReply {
  int http_status = 200;
  std::string content_type = "text/plain";
  std::string body;
  // The plugin failed to build a reply for a stream protocol (MLLP): nothing it could be sent
  // would be understood, so the connection is closed and the sender resends.
  bool close_connection = false;
  // What the pipeline decided, for transports that act on it (a file drop moves the file).
  kq_outcome_kind outcome = KQ_OUTCOME_TRANSIENT;
  // ABI 1.4 (ack_attach): files to go with the reply, as suffix and bytes; a drop folder writes
  // each beside the receipt.
  std::vector<std::pair<std::string, std::string>> attachments;
};

struct HttpRoute {
  std::string method;
  std::string path;
};

struct Schedule {
  std::string name;
  std::chrono::milliseconds interval{0};
  // Since ABI 1.3: a calendar schedule instead of an interval (add_calendar_schedule).
  std::shared_ptr<const schedule::CalendarSchedule> calendar;
};

// A drop folder the plugin asked for (add_file_drop, ABI 1.3; runtime/file_drop.hpp).
struct FileDrop {
  std::string name;
  std::string directory;
  std::chrono::milliseconds settle{0};
  std::string principal;  // the config principal files dropped here speak for; empty: anonymous
  // ABI 1.4 add_roster_drop: files are CSV rosters synced this many rows at a time; 0: whole files.
  std::size_t rows_per_chunk = 0;
  // ABI 1.5 add_roster_drop_with: a file is read by its name (.csv/.txt, .xlsx, .xml), with the
  // sheet and the record element these name ("": the first visible sheet, "student").
  bool roster_kind_by_name = false;
  std::string roster_sheet{};
  std::string roster_record_element{};
};

// Thrown by AdapterInstance::create when the plugin's create hook fails.
struct AdapterCreateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the host decides about an adapter, beyond the plugin's own block (config `adapters:`).
struct AdapterSettings {
  // Mappings the adapter may apply: names, or folders of the mappings directory ending in '/'.
  std::vector<std::string> mappings;
  // $name values its mappings read (mapping_variables:), e.g. a sender's name order; shared by
  // every message of the adapter (mapping::MappingVariables).
  std::shared_ptr<const std::map<std::string, std::string, std::less<>>> mapping_variables;
  // How long a message key stays taken (dedupe_window:); 0: for ever.
  std::chrono::milliseconds dedupe_window{0};
};

struct CompiledPath;  // a kq_path: the host's compiled path with its format

class AdapterInstance {
 public:
  // Calls the plugin's create hook with the validated block. Throws AdapterCreateError.
  static std::shared_ptr<AdapterInstance> create(std::string name,
                                                 std::shared_ptr<const PluginLibrary> plugin,
                                                 const config::Block& block,
                                                 AdapterSettings settings = {});
  ~AdapterInstance();
  AdapterInstance(const AdapterInstance&) = delete;
  AdapterInstance& operator=(const AdapterInstance&) = delete;

  const std::string& name() const { return name_; }
  const PluginLibrary& plugin() const { return *plugin_; }
  const AdapterSettings& settings() const { return settings_; }
  const std::vector<HttpRoute>& routes() const { return routes_; }
  const std::vector<Schedule>& schedules() const { return schedules_; }
  const std::vector<FileDrop>& file_drops() const { return file_drops_; }
  bool wants_mllp() const { return mllp_; }

  // Never throws: a failing plugin becomes a rejection of kind `internal` with its reason.
  DecodeResult decode(const Inbound& in, bool replay = false) const;
  // Never fails: a plugin that cannot produce a reply gets a generic one from the host.
  AckReply acknowledge(const Inbound& in, const Outcome& outcome, DecodeResult& decoded) const;

 private:
  AdapterInstance(std::string name, std::shared_ptr<const PluginLibrary> plugin, AdapterSettings settings);
  friend struct HostAccess;

  std::string name_;
  std::shared_ptr<const PluginLibrary> plugin_;
  AdapterSettings settings_;
  std::unique_ptr<kq_host_instance> handle_;  // what the plugin keeps to call the host
  void* instance_ = nullptr;
  std::vector<HttpRoute> routes_;
  std::vector<Schedule> schedules_;
  std::map<std::string, std::shared_ptr<const outbound::HttpsFetcher>, std::less<>> https_sources_;
  std::vector<FileDrop> file_drops_;
  std::vector<std::unique_ptr<CompiledPath>> paths_;  // compile_path results, until destroy
  bool mllp_ = false;
};

// The host API table handed to every plugin.
const kq_host_api* host_api();

}  // namespace kq::plugin_host
