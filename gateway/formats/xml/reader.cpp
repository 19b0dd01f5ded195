#include "gateway/formats/xml/reader.hpp"

#include <climits>

#include "gateway/formats/xml/document.hpp"

namespace kq::formats {

namespace {

const char* chars(const xmlChar* s) { return reinterpret_cast<const char*>(s); }

constexpr std::string_view kDoctype = "<!DOCTYPE";
constexpr int kFlags = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES;

}  // namespace

XmlReader::XmlReader(std::string_view bytes, std::string part, std::size_t max_depth)
    : part_(std::move(part)), max_depth_(max_depth) {
  ensure_libxml_initialised();
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    fail("too large to read");
    return;
  }
  if (bytes.find("<!DOCTYPE") != std::string_view::npos) {
    fail("a DOCTYPE is not allowed here (DTDs and entity declarations are refused)");
    return;
  }
  // Forcing UTF-8 keeps the DOCTYPE scan above exact: no declared encoding can hide the marker.
  start(xmlReaderForMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr, "UTF-8", kFlags));
}

XmlReader::XmlReader(std::istream& in, std::string part, std::size_t max_depth, const std::string& encoding)
    : part_(std::move(part)), max_depth_(max_depth), stream_(&in) {
  ensure_libxml_initialised();
  // libxml2 reads the first block while the reader is created; read_block may fail it already.
  start(xmlReaderForIO(&XmlReader::read_block, nullptr, this, nullptr, encoding.c_str(), kFlags));
}

void XmlReader::start(xmlTextReaderPtr reader) {
  reader_ = reader;
  if (reader_ == nullptr) {
    fail("cannot create an XML reader");
    return;
  }
  xmlTextReaderSetStructuredErrorHandler(reader_, on_error, this);
}

int XmlReader::read_block(void* self, char* buffer, int size) {
  auto* reader = static_cast<XmlReader*>(self);
  if (reader->failed() || size <= 0) return -1;
  reader->stream_->read(buffer, size);
  const auto got = static_cast<std::size_t>(reader->stream_->gcount());
  if (reader->stream_->bad()) {
    reader->fail("cannot read the file");
    return -1;
  }
  // The marker may begin in the previous block: scan its last bytes together with this one.
  std::string scan = reader->tail_;
  scan.append(buffer, got);
  if (scan.find(kDoctype) != std::string::npos) {
    reader->fail("a DOCTYPE is not allowed here (DTDs and entity declarations are refused)");
    return -1;
  }
  reader->tail_ = scan.substr(scan.size() > kDoctype.size() ? scan.size() - kDoctype.size() + 1 : 0);
  reader->streamed_ += got;
  return static_cast<int>(got);
}

XmlReader::~XmlReader() {
  if (reader_ != nullptr) xmlFreeTextReader(reader_);
}

void XmlReader::fail(const std::string& message) {
  if (failed()) return;  // the first error is the cause; later ones are consequences
  location_ = part_;
  if (reader_ != nullptr) {
    const int line = xmlTextReaderGetParserLineNumber(reader_);
    if (line > 0) location_ += ", line " + std::to_string(line);
  }
  message_ = message;
}

void XmlReader::on_error(void* self, xmlErrorPtr error) {
  auto* reader = static_cast<XmlReader*>(self);
  if (error == nullptr || error->level < XML_ERR_ERROR || reader->failed()) return;
  std::string message = error->message != nullptr ? error->message : "not well-formed XML";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (message.rfind("Excessive depth in document", 0) == 0) {
    message = "elements are nested more than 256 levels deep";  // libxml2's own ceiling; its advice is for programmers
  }
  reader->location_ = reader->part_ + (error->line > 0 ? ", line " + std::to_string(error->line) : "");
  reader->message_ = message;
}

bool XmlReader::next() {
  if (reader_ == nullptr || failed()) return false;
  const int rc = moved_ ? moved_rc_ : xmlTextReaderRead(reader_);
  moved_ = false;
  if (rc != 1) {
    if (rc < 0) fail("not well-formed XML");
    type_ = XML_READER_TYPE_NONE;
    return false;
  }
  type_ = xmlTextReaderNodeType(reader_);
  if (type_ == XML_READER_TYPE_DOCUMENT_TYPE || type_ == XML_READER_TYPE_ENTITY_REFERENCE) {
    fail("DTDs and entity references are not allowed");
    return false;
  }
  if (is_start() && static_cast<std::size_t>(xmlTextReaderDepth(reader_)) >= max_depth_) {
    fail("elements are nested more than " + std::to_string(max_depth_) + " levels deep");
    return false;
  }
  return true;
}

bool XmlReader::is_empty_element() const { return is_start() && xmlTextReaderIsEmptyElement(reader_) == 1; }

bool XmlReader::is_text() const {
  return type_ == XML_READER_TYPE_TEXT || type_ == XML_READER_TYPE_CDATA ||
         type_ == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || type_ == XML_READER_TYPE_WHITESPACE;
}

int XmlReader::depth() const { return reader_ == nullptr ? 0 : xmlTextReaderDepth(reader_); }

std::string_view XmlReader::local_name() const {
  const xmlChar* name = reader_ == nullptr ? nullptr : xmlTextReaderConstLocalName(reader_);
  return name == nullptr ? std::string_view() : std::string_view(chars(name));
}

std::string XmlReader::value() const {
  const xmlChar* v = reader_ == nullptr ? nullptr : xmlTextReaderConstValue(reader_);
  return v == nullptr ? "" : chars(v);
}

std::int64_t XmlReader::line() const {
  const xmlNodePtr node = reader_ == nullptr ? nullptr : xmlTextReaderCurrentNode(reader_);
  return node == nullptr ? 0 : static_cast<std::int64_t>(xmlGetLineNo(node));
}

std::uint64_t XmlReader::bytes_consumed() const {
  const long consumed = reader_ == nullptr ? 0 : xmlTextReaderByteConsumed(reader_);
  return consumed > 0 ? static_cast<std::uint64_t>(consumed) : 0;
}

std::optional<std::string> XmlReader::take_element() {
  if (reader_ == nullptr || failed() || !is_start()) return std::nullopt;
  xmlChar* xml = xmlTextReaderReadOuterXml(reader_);
  if (xml == nullptr) {
    fail("not well-formed XML");  // on_error has usually said why already; the first reason stays
    return std::nullopt;
  }
  std::string out(chars(xml));
  xmlFree(xml);
  // Past the element's end without visiting its inside again; next() reports the node reached.
  moved_ = true;
  moved_rc_ = xmlTextReaderNext(reader_);
  return out;
}

std::optional<std::string> XmlReader::attribute(std::string_view local_name) const {
  if (reader_ == nullptr || !is_start()) return std::nullopt;
  std::optional<std::string> found;
  if (xmlTextReaderMoveToFirstAttribute(reader_) == 1) {
    do {
      const xmlChar* name = xmlTextReaderConstLocalName(reader_);
      if (name != nullptr && local_name == chars(name)) {
        const xmlChar* v = xmlTextReaderConstValue(reader_);
        found = v == nullptr ? "" : chars(v);
        break;
      }
    } while (xmlTextReaderMoveToNextAttribute(reader_) == 1);
    xmlTextReaderMoveToElement(reader_);
  }
  return found;
}

}  // namespace kq::formats
