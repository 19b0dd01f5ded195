#include "gateway/plugin_host/adapter.hpp"

#include "gateway/log/log.hpp"
#include "gateway/plugin_host/host_calls.hpp"

namespace kq::plugin_host {

PluginState& PluginState::operator=(PluginState&& other) noexcept {
  if (this != &other) {
    reset();
    state_ = other.state_;
    release_ = other.release_;
    other.state_ = nullptr;
    other.release_ = nullptr;
  }
  return *this;
}

void PluginState::reset() {
  if (release_ != nullptr && state_ != nullptr) release_(state_);
  state_ = nullptr;
  release_ = nullptr;
}

DecodeResult::DecodeResult() = default;
DecodeResult::~DecodeResult() = default;
DecodeResult::DecodeResult(DecodeResult&&) noexcept = default;
DecodeResult& DecodeResult::operator=(DecodeResult&&) noexcept = default;

namespace {

// kq_inbound as the host fills it (the 1.2 shape; older plugins read only the prefix they know).
kq_inbound to_c(const Inbound& in, bool replay) {
  kq_inbound c{};
  c.struct_size = sizeof(kq_inbound);
  c.transport = static_cast<kq_transport>(in.transport);
  c.channel = view_of(in.channel);
  c.method = view_of(in.method);
  c.content_type = view_of(in.content_type);
  c.payload = view_of(in.payload);
  c.peer_address = view_of(in.peer_address);
  c.peer_organisation = view_of(in.organisation);
  c.peer_principal = view_of(in.principal);
  c.idempotency_key = view_of(in.idempotency_key);
  c.received_at_ms = in.received_at_ms;
  c.listener = view_of(in.listener);
  c.charset = view_of(in.charset);
  c.flags = replay ? KQ_INBOUND_REPLAY : 0u;
  return c;
}

std::string reason_of(std::string& error, const char* fallback) {
  return error.empty() ? std::string(fallback) : std::move(error);
}

}  // namespace

AdapterInstance::AdapterInstance(std::string name, std::shared_ptr<const PluginLibrary> plugin,
                                 AdapterSettings settings)
    : name_(std::move(name)), plugin_(std::move(plugin)), settings_(std::move(settings)) {}

std::shared_ptr<AdapterInstance> AdapterInstance::create(std::string name,
                                                         std::shared_ptr<const PluginLibrary> plugin,
                                                         const config::Block& block, AdapterSettings settings) {
  std::shared_ptr<AdapterInstance> self(
      new AdapterInstance(std::move(name), std::move(plugin), std::move(settings)));
  kq_config_view view{&block, {}};
  self->handle_.reset(new kq_host_instance{self.get()});
  void* instance = nullptr;
  HookScope scope(self.get(), /*configuring=*/true);
  const kq_status status = self->plugin_->vtable().create(self->handle_.get(), &view, &instance);
  if (status != KQ_OK || instance == nullptr) {
    const std::string refusal = scope.call().host_refusal;
    std::string why = reason_of(scope.call().error, "no reason given");
    // The plugin's sentence may only say that the host refused ("cannot add schedule x"): the
    // host's own reason (the field and the value) is what the operator needs.
    if (!refusal.empty() && why.find(refusal) == std::string::npos) why += ": " + refusal;
    if (instance != nullptr) self->plugin_->vtable().destroy(instance);
    throw AdapterCreateError("plugin '" + self->plugin_->name() + "' refused its configuration: " + why);
  }
  self->instance_ = instance;
  return self;
}

AdapterInstance::~AdapterInstance() {
  if (instance_ != nullptr) plugin_->vtable().destroy(instance_);
}

DecodeResult AdapterInstance::decode(const Inbound& in, bool replay) const {
  DecodeResult result;
  kq_decode_sink sink{&result, &in, true};
  const kq_inbound c = to_c(in, replay);
  HookScope scope(this, /*configuring=*/false);
  const kq_status status = plugin_->vtable().on_decode(instance_, &c, &sink);
  sink.open = false;
  if (status != KQ_OK) {
    // The plugin failed, not the sender: nothing it produced counts, the payload is kept as
    // rejected, and on_acknowledge still answers the sender in its protocol.
    const std::string why = reason_of(scope.call().error, "the adapter failed without saying why");
    log::warn("plugin_decode_failed", {{"adapter", name_}, {"reason", why}});
    result.documents.clear();
    result.errors.clear();
    result.rejection = core::FieldError{"", why, core::ErrorKind::internal};
    result.document_mode = KQ_DOCUMENTS_TOGETHER;
    result.sequences.clear();
  }
  if (result.rejection) result.nothing_to_do.reset();  // a refusal is kept and answered, always
  if (replay) result.state.reset();  // no on_acknowledge will read it
  return result;
}

AckReply AdapterInstance::acknowledge(const Inbound& in, const Outcome& outcome, DecodeResult& decoded) const {
  std::vector<kq_str> ids;
  ids.reserve(outcome.record_ids.size());
  for (const auto& id : outcome.record_ids) ids.push_back(view_of(id));
  // The errors twice: in the 1.0 shape for older plugins, and with their kind (1.2).
  std::vector<kq_field_error> errors;
  std::vector<kq_error_detail> details;
  errors.reserve(outcome.errors.size());
  details.reserve(outcome.errors.size());
  for (const auto& e : outcome.errors) {
    // 1.0 and 1.1 plugins got content errors here and the rejection only as `reason`.
    if (outcome.kind == KQ_OUTCOME_CONTENT_ERROR) errors.push_back({view_of(e.path), view_of(e.message)});
    details.push_back({sizeof(kq_error_detail), static_cast<kq_error_kind>(e.kind), view_of(e.path),
                       view_of(e.message), e.document});
  }
  std::vector<kq_document_result> documents;
  documents.reserve(outcome.documents.size());
  for (const DocumentResult& d : outcome.documents) {
    documents.push_back({sizeof(kq_document_result), d.accepted ? KQ_DOCUMENT_ACCEPTED : KQ_DOCUMENT_REJECTED,
                         d.number, d.records, d.errors});
  }
  std::vector<kq_sequence_result> sequences;
  sequences.reserve(outcome.sequences.size());
  for (const SequenceResult& q : outcome.sequences) {
    sequences.push_back({sizeof(kq_sequence_result), q.flags, view_of(q.stream), q.number, q.previous,
                         q.gap_first, q.gap_last, view_of(q.replay_of)});
  }
  std::vector<kq_outcome_note> notes;
  notes.reserve(outcome.notes.size());
  for (const OutcomeNote& n : outcome.notes) {
    notes.push_back({sizeof(kq_outcome_note), n.kind, n.document, view_of(n.location), view_of(n.field),
                     view_of(n.reason), view_of(n.sent), view_of(n.computed), view_of(n.rule)});
  }
  kq_outcome c{};
  c.struct_size = sizeof(kq_outcome);
  c.kind = outcome.kind;
  c.message_id = view_of(outcome.message_id);
  c.record_ids = ids.data();
  c.record_count = ids.size();
  c.errors = errors.data();
  c.error_count = errors.size();
  c.reason = view_of(outcome.reason);
  c.details = details.data();
  c.detail_count = details.size();
  c.detail_size = sizeof(kq_error_detail);
  c.state = decoded.state.get();
  c.document_mode = outcome.document_mode;
  c.documents = documents.data();
  c.document_count = documents.size();
  c.document_result_size = sizeof(kq_document_result);
  c.sequences = sequences.data();
  c.sequence_count = sequences.size();
  c.sequence_result_size = sizeof(kq_sequence_result);
  c.notes = notes.data();
  c.note_count = notes.size();
  c.note_size = sizeof(kq_outcome_note);

  AckReply reply;
  kq_ack_sink sink{&reply};
  const kq_inbound cin = to_c(in, false);
  HookScope scope(this, /*configuring=*/false);
  const kq_status status = plugin_->vtable().on_acknowledge(instance_, &cin, &c, &sink);
  decoded.state.reset();  // the header's promise: released right after on_acknowledge
  settle_fetches(*this, outcome, decoded);
  if (status != KQ_OK) {
    const std::string why = reason_of(scope.call().error, "no reason given");
    log::error("plugin_acknowledge_failed", {{"adapter", name_}, {"reason", why}});
    reply = AckReply{};
    // Even after a commit: the sender retries and gets the duplicate reply, which is safe.
    reply.http_status = 500;
    reply.content_type = "application/problem+json";
    reply.body = R"({"type":"about:blank","title":"The adapter failed to build its reply","status":500})";
    reply.close_connection = in.transport == core::Transport::mllp;
  }
  return reply;
}

}  // namespace kq::plugin_host
