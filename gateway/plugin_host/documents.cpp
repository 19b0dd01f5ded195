// The host's parsers and paths offered to plugins (ABI 1.2): a plugin compiles the paths it needs
// once, has the host parse a payload, reads what it needs through the paths, and hands the same
// parse to the mapping engine. So a payload is parsed once per message, by one parser, and a
// plugin needs no parser of its own.
#include <algorithm>
#include <cstring>

#include "gateway/plugin_host/host_calls.hpp"

namespace kq::plugin_host {

namespace {

kq_error_kind to_c(core::ErrorKind kind) { return static_cast<kq_error_kind>(kind); }

// Fills the caller's error detail as far as its struct_size says it reaches: a plugin built with
// an older SDK has a smaller struct, and nothing past its end may be written.
void fill_error(kq_error_detail* out, kq_error_kind kind, kq_str location, kq_str reason) {
  if (out == nullptr) return;
  const std::uint32_t size = out->struct_size;
  kq_error_detail full{size, kind, location, reason, 0};
  std::memcpy(out, &full, std::min<std::size_t>(size, sizeof full));
}

// Strings for the plugin that must outlive this call but not the message.
kq_str keep(std::deque<std::string>& store, std::string text) {
  store.push_back(std::move(text));
  return view_of(store.back());
}

bool owns(const MessageDocuments& docs, const kq_document* document) {
  return std::any_of(docs.documents.begin(), docs.documents.end(),
                     [document](const kq_document& d) { return &d == document; });
}

}  // namespace

const kq_path* api_compile_path(kq_host_instance* h, const char* format, const char* path) {
  if (h == nullptr) return nullptr;
  AdapterInstance& self = HostAccess::self(h);
  HookCall* call = current_call(&self);
  auto fail = [call](std::string why) -> const kq_path* {
    if (call != nullptr) call->error = std::move(why);
    return nullptr;
  };
  if (call == nullptr || !call->configuring) return fail("compile_path may only be called from create");
  if (format == nullptr || path == nullptr) return fail("compile_path needs a format and a path");
  const formats::Format* f = formats::find_format(format);
  if (f == nullptr) return fail(std::string("compile_path: unknown format '") + format + "'");
  std::string error;
  auto compiled = f->compile_path(path, error);
  if (!compiled) return fail(std::string("compile_path: ") + format + " path '" + path + "': " + error);
  auto holder = std::make_unique<CompiledPath>();
  holder->format = format;
  holder->path = std::move(compiled);
  HostAccess::paths(self).push_back(std::move(holder));
  return HostAccess::paths(self).back().get();
}

kq_status api_parse_document(kq_decode_sink* sink, const kq_source* source, const kq_document** out,
                             kq_error_detail* error) {
  auto refuse = [error](kq_error_kind kind, const char* why) {
    fill_error(error, kind, {}, kq_str{why, std::char_traits<char>::length(why)});
    return KQ_ERROR;
  };
  if (sink == nullptr || !sink->open || source == nullptr || out == nullptr) {
    return refuse(KQ_ERROR_INTERNAL, "parse_document may only be called from on_decode");
  }
  const std::string format = to_string(source->format);
  const formats::Format* f = formats::find_format(format);
  if (f == nullptr) return refuse(KQ_ERROR_INTERNAL, "parse_document: unknown format");
  DecodeResult& result = *sink->result;
  if (!result.parsed) result.parsed = std::make_unique<MessageDocuments>();
  MessageDocuments& docs = *result.parsed;

  formats::ParseOptions options;
  options.charset = to_string(source->charset);
  const std::string_view body(source->body.data != nullptr ? source->body.data : "", source->body.size);
  formats::ParseError parse_error;
  std::unique_ptr<formats::Document> parsed = f->parse(body, options, parse_error);
  if (!parsed) {
    fill_error(error, to_c(parse_error.kind), keep(docs.scratch, std::move(parse_error.location)),
               keep(docs.scratch, std::move(parse_error.message)));
    return KQ_ERROR;
  }
  kq_document& doc = docs.documents.emplace_back();
  doc.format = format;
  doc.document = std::move(parsed);
  doc.options = std::move(options);
  const std::string& payload = sink->inbound->payload;
  doc.bytes_are_payload = body.data() == payload.data() && body.size() == payload.size();
  if (!doc.bytes_are_payload) doc.bytes.assign(body);
  doc.owner = &docs;
  *out = &doc;
  return KQ_OK;
}

int api_document_value(const kq_document* document, const kq_path* path, size_t n, kq_str* text,
                       kq_str* location) {
  if (document == nullptr || path == nullptr || document->owner == nullptr || document->format != path->format) {
    return 0;
  }
  // Visited, not selected: no vector of matches and no location text unless it is asked for.
  // What is handed out is copied into the message's strings, because a visited value may be a
  // view into a buffer that lives only for the visit.
  struct Nth final : formats::MatchVisitor {
    Nth(size_t index, MessageDocuments& docs, kq_str* text_out, kq_str* location_out)
        : wanted(index), owner(docs), text(text_out), location(location_out) {}
    bool take(const formats::MatchView& match) override {
      if (seen++ < wanted) return true;
      if (text != nullptr) *text = keep(owner.strings, std::string(match.text));
      if (location != nullptr) *location = keep(owner.strings, std::string(match.location));
      found = true;
      return false;
    }
    size_t wanted;
    MessageDocuments& owner;
    kq_str* text;
    kq_str* location;
    size_t seen = 0;
    bool found = false;
  } nth(n, *document->owner, text, location);
  path->path->visit(*document->document, nullptr, nth);
  return nth.found ? 1 : 0;
}

kq_status api_emit_parsed(kq_decode_sink* sink, const kq_document* document) {
  if (sink == nullptr || !sink->open || document == nullptr) return KQ_ERROR;
  DecodeResult& result = *sink->result;
  if (!result.parsed || !owns(*result.parsed, document)) return KQ_ERROR;  // not this message's
  DecodedDocument d;
  d.format = document->format;
  d.charset = document->options.charset;
  d.body_is_payload = document->bytes_are_payload;
  if (!d.body_is_payload) d.body = document->bytes;
  d.parsed = document->document;
  d.parsed_with = document->options;
  result.documents.push_back(std::move(d));
  return KQ_OK;
}

}  // namespace kq::plugin_host
