// test_batch: a plugin of ABI 1.3 that sends every line of its payload on as a document of its
// own (KQ_DOCUMENTS_INDEPENDENT), so the host's partial acceptance, per-document outcome and
// sequence tracking can be tested with real code on both sides. Payload:
//
//   SEQ <stream> <number>      optional, first line: report a sequence number
//   BAD <reason>               a document the plugin itself finds wrong (error with its number)
//   WHOLE <reason>             an error about the batch as a whole (no document number)
//   {…}                        a canonical record, emitted as "canonical+json"
//
// The message key is the Idempotency-Key. The reply is a JSON receipt of what the host reported.
#include <kangqiao/json.hpp>
#include <kangqiao/plugin.hpp>

#include <string>

namespace {

class BatchTest final : public kangqiao::Adapter {
 public:
  BatchTest(const kangqiao::Host& host, const kangqiao::Config&) { host.add_http_route("POST", "/batch"); }

  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) override {
    out.independent_documents();
    if (!in.idempotency_key().empty()) out.set_message_key(in.idempotency_key());
    std::string_view rest = in.payload();
    std::size_t number = 0;
    while (!rest.empty()) {
      const std::size_t end = rest.find('\n');
      const std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (line.empty()) continue;
      if (line.starts_with("SEQ ")) {
        const std::string_view args = line.substr(4);
        const std::size_t space = args.find(' ');
        out.report_sequence(args.substr(0, space), std::stoll(std::string(args.substr(space + 1))));
      } else if (line.starts_with("WHOLE ")) {
        out.error(KQ_ERROR_STRUCTURE, "", line.substr(6));
      } else {
        out.emit("canonical+json", line);
        ++number;
        if (line.starts_with("BAD ")) out.document_error(number, KQ_ERROR_STRUCTURE, "line", line.substr(4));
      }
    }
  }

  void acknowledge(const kangqiao::Inbound&, const kangqiao::Outcome& outcome, kangqiao::AckSink& out) override {
    std::string documents = "[";
    for (const kangqiao::DocumentResult& d : outcome.documents()) {
      if (documents.size() > 1) documents += ",";
      documents += kangqiao::json::Object()
                       .add("number", static_cast<std::int64_t>(d.number))
                       .add_raw("accepted", d.accepted ? "true" : "false")
                       .add("records", static_cast<std::int64_t>(d.records))
                       .add("errors", static_cast<std::int64_t>(d.errors))
                       .str();
    }
    documents += "]";
    std::string errors = "[";
    for (const kangqiao::ErrorDetail& e : outcome.errors()) {
      if (errors.size() > 1) errors += ",";
      errors += kangqiao::json::Object()
                    .add("document", static_cast<std::int64_t>(e.document))
                    .add("location", e.location)
                    .add("reason", e.reason)
                    .str();
    }
    errors += "]";
    std::string sequences = "[";
    for (const kangqiao::SequenceResult& s : outcome.sequences()) {
      if (sequences.size() > 1) sequences += ",";
      sequences += kangqiao::json::Object()
                       .add("stream", s.stream)
                       .add("number", s.number)
                       .add("previous", s.previous)
                       .add("gap_first", s.gap_first)
                       .add("gap_last", s.gap_last)
                       .add_raw("first", s.first ? "true" : "false")
                       .add_raw("late", s.late ? "true" : "false")
                       .add("replay_of", s.replay_of)
                       .str();
    }
    sequences += "]";
    out.content_type("application/json");
    out.write(kangqiao::json::Object()
                  .add("kind", static_cast<std::int64_t>(outcome.kind()))
                  .add_raw("independent", outcome.independent() ? "true" : "false")
                  .add("message_id", outcome.message_id())
                  .add("records", static_cast<std::int64_t>(outcome.record_ids().size()))
                  .add_raw("documents", documents)
                  .add_raw("errors", errors)
                  .add_raw("sequences", sequences)
                  .str());
  }
};

constexpr kangqiao::PluginInfo kInfo{.name = "test_batch", .version = "0.0.1",
                                     .description = "Sends each line on as a document of a batch.",
                                     .requires_minor = 3};

}  // namespace

KQ_DEFINE_PLUGIN(kInfo, BatchTest)
