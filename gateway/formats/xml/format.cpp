// XML format: guarded libxml2 parsing. Path syntax and safety rules: see xml.hpp.
#include "gateway/formats/xml/format.hpp"

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <climits>

#include "gateway/formats/charset.hpp"
#include "gateway/formats/xml/document.hpp"

namespace kq::formats {

namespace {

// State shared with the SAX hooks through the parser context's _private slot. The hooks run inside
// the tree builder, so the document is refused before a DOCTYPE's internal subset is even read and
// before an over-deep document has been built.
struct ParseGuard {
  startElementNsSAX2Func start = nullptr;
  endElementNsSAX2Func end = nullptr;
  std::size_t max_depth = 0;
  std::size_t depth = 0;
  bool doctype = false;
  bool too_deep = false;
  int line = 0;
  int column = 0;
  // The first well-formedness error: libxml2 keeps parsing after one to find more, and the last
  // error it records is usually a consequence ("Premature end of data") rather than the cause.
  std::string first_error;
  int error_code = 0;  // libxml2's xmlParserErrors value of that error
  int error_line = 0;
  int error_column = 0;
};

ParseGuard& guard_of(void* ctx) { return *static_cast<ParseGuard*>(static_cast<xmlParserCtxtPtr>(ctx)->_private); }

void stop(void* ctx, ParseGuard& guard) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  guard.line = xmlSAX2GetLineNumber(ctx);
  guard.column = xmlSAX2GetColumnNumber(ctx);
  xmlStopParser(ctxt);
}

void on_error(void* ctx, xmlErrorPtr error) {
  if (error == nullptr || error->level < XML_ERR_ERROR) return;
  auto* ctxt = static_cast<xmlParserCtxtPtr>(error->ctxt != nullptr ? error->ctxt : ctx);
  if (ctxt == nullptr || ctxt->_private == nullptr) return;
  ParseGuard& guard = *static_cast<ParseGuard*>(ctxt->_private);
  if (!guard.first_error.empty()) return;
  guard.first_error = error->message != nullptr ? error->message : "not well-formed XML";
  guard.error_code = error->code;
  guard.error_line = error->line;
  guard.error_column = error->int2;
}

void on_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  ParseGuard& guard = guard_of(ctx);
  guard.doctype = true;
  stop(ctx, guard);
}

void on_start(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri, int nb_namespaces,
              const xmlChar** namespaces, int nb_attributes, int nb_defaulted, const xmlChar** attributes) {
  ParseGuard& guard = guard_of(ctx);
  if (++guard.depth > guard.max_depth) {
    guard.too_deep = true;
    stop(ctx, guard);
    return;
  }
  guard.start(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted, attributes);
}

void on_end(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri) {
  ParseGuard& guard = guard_of(ctx);
  --guard.depth;
  guard.end(ctx, localname, prefix, uri);
}

std::string line_column(int line, int column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string trimmed_message(const char* message) {
  std::string out = message == nullptr ? "not well-formed XML" : message;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (out.rfind("Excessive depth in document", 0) == 0) {
    out = "elements are nested more than 256 levels deep";  // libxml2's own ceiling; its advice is for programmers
  }
  return out;
}

// What kind of problem libxml2's error is for the sender: bytes or characters that are not
// text in the document's encoding are a data error, an encoding we cannot read is a value not
// in our table, anything else is a document that is not well-formed.
core::ErrorKind kind_of(int code) {
  switch (code) {
    case XML_ERR_INVALID_CHAR:
    case XML_ERR_INVALID_ENCODING:
    case XML_ERR_INVALID_CHARREF:
    case XML_ERR_INVALID_DEC_CHARREF:
    case XML_ERR_INVALID_HEX_CHARREF:
    case XML_I18N_CONV_FAILED: return core::ErrorKind::data_type;
    case XML_ERR_UNKNOWN_ENCODING:
    case XML_ERR_UNSUPPORTED_ENCODING: return core::ErrorKind::code_unknown;
    default: return core::ErrorKind::structure;
  }
}

struct ParserContext {
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  ~ParserContext() {
    if (ctxt != nullptr) xmlFreeParserCtxt(ctxt);
  }
};

class XmlFormat final : public Format {
 public:
  XmlFormat() { ensure_libxml_initialised(); }

  std::string_view name() const override { return "xml"; }

  std::unique_ptr<Path> compile_path(std::string_view text, std::string& error) const override {
    return compile_xpath(text, error);
  }

  std::unique_ptr<Document> parse(std::string_view bytes, const ParseOptions& options,
                                  ParseError& error) const override {
    if (bytes.size() > options.max_bytes || bytes.size() > static_cast<std::size_t>(INT_MAX)) {
      error = {"byte " + std::to_string(options.max_bytes + 1), "the document is " + std::to_string(bytes.size()) +
                                                                    " bytes, more than the limit of " +
                                                                    std::to_string(options.max_bytes),
               core::ErrorKind::too_long};
      return nullptr;
    }
    const char* encoding = nullptr;  // what the document declares (UTF-8 when it declares nothing)
    if (!options.charset.empty()) {
      const auto charset = parse_charset(options.charset);
      if (!charset) {
        error = {"options", "unsupported charset '" + options.charset + "'; use UTF-8, GB18030 or GBK",
                 core::ErrorKind::internal};  // the channel's configuration, not the sender
        return nullptr;
      }
      encoding = charset_name(*charset).data();  // the names are NUL-terminated literals
    }
    ParserContext parser;
    if (parser.ctxt == nullptr) {
      error = {"", "out of memory creating the XML parser", core::ErrorKind::internal};
      return nullptr;
    }
    ParseGuard guard;
    guard.start = parser.ctxt->sax->startElementNs;
    guard.end = parser.ctxt->sax->endElementNs;
    guard.max_depth = options.max_depth;
    parser.ctxt->sax->startElementNs = on_start;
    parser.ctxt->sax->endElementNs = on_end;
    parser.ctxt->sax->internalSubset = on_doctype;
    parser.ctxt->sax->serror = on_error;
    parser.ctxt->_private = &guard;
    // Deliberately absent: XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD / DTDATTR /
    // DTDVALID (loading DTDs), XML_PARSE_XINCLUDE and XML_PARSE_HUGE (lifts libxml2's own limits).
    const int flags =
        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES;
    xmlDocPtr doc =
        xmlCtxtReadMemory(parser.ctxt, bytes.data(), static_cast<int>(bytes.size()), nullptr, encoding, flags);
    if (guard.doctype || guard.too_deep) {
      if (doc != nullptr) xmlFreeDoc(doc);
      error.kind = core::ErrorKind::structure;
      error.location = line_column(guard.line, guard.column);
      error.message = guard.doctype
                          ? "documents with a DOCTYPE are refused (DTDs and entity declarations are not "
                            "accepted); send the document without its <!DOCTYPE ...>"
                          : "elements are nested more than " + std::to_string(options.max_depth) + " levels deep";
      return nullptr;
    }
    if (doc == nullptr) {
      if (!guard.first_error.empty()) {
        error.kind = kind_of(guard.error_code);
        error.location = line_column(guard.error_line, guard.error_column);
        error.message = trimmed_message(guard.first_error.c_str());
      } else {
        const xmlError* last = xmlCtxtGetLastError(parser.ctxt);
        error.kind = last != nullptr ? kind_of(last->code) : core::ErrorKind::structure;
        error.location = last != nullptr ? line_column(last->line, last->int2) : "";
        error.message = trimmed_message(last != nullptr ? last->message : nullptr);
      }
      return nullptr;
    }
    return std::make_unique<XmlDocument>(doc);
  }
};

}  // namespace

const Format& xml_format() {
  static const XmlFormat format;
  return format;
}

}  // namespace kq::formats
