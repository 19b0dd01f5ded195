#pragma once
// Internal to kq_formats: a streaming XML reader (libxml2's xmlTextReader) for machine-written
// parts such as the sheets of an XLSX workbook, which can be large and need no tree.
//
// Safety matches xml.hpp: the bytes are read as UTF-8 whatever they declare, and a part holding
// "<!DOCTYPE" is refused before libxml2 sees it (a streaming parser may already have expanded an
// entity by the time it reports the DOCTYPE node); no network, no DTD loading, no entity
// substitution, and a depth limit.
#include <libxml/xmlreader.h>

#include <optional>
#include <string>
#include <string_view>

namespace kq::formats {

class XmlReader {
 public:
  // `part` names the input in errors ("xl/worksheets/sheet1.xml"). `bytes` must outlive the reader.
  XmlReader(std::string_view bytes, std::string part, std::size_t max_depth = 256);
  ~XmlReader();
  XmlReader(const XmlReader&) = delete;
  XmlReader& operator=(const XmlReader&) = delete;

  // Moves to the next node. False at the end of the input or on an error (then failed() is true).
  bool next();
  bool failed() const { return !message_.empty(); }
  const std::string& error_location() const { return location_; }  // "xl/sharedStrings.xml, line 3"
  const std::string& error_message() const { return message_; }    // libxml2's reason or ours

  bool is_start() const { return type_ == XML_READER_TYPE_ELEMENT; }
  bool is_end() const { return type_ == XML_READER_TYPE_END_ELEMENT; }
  bool is_empty_element() const;  // <c r="A1"/>: no end node follows
  bool is_text() const;           // text, CDATA or significant whitespace
  int depth() const;
  std::string_view local_name() const;
  std::string value() const;  // of a text node
  // The attribute with this local name, in whatever namespace (r:id and id alike).
  std::optional<std::string> attribute(std::string_view local_name) const;

 private:
  void fail(const std::string& message);
  static void on_error(void* self, xmlErrorPtr error);

  std::string part_;
  std::size_t max_depth_;
  xmlTextReaderPtr reader_ = nullptr;
  int type_ = XML_READER_TYPE_NONE;
  std::string location_;
  std::string message_;
};

}  // namespace kq::formats
