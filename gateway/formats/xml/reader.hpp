#pragma once
// A streaming XML reader (libxml2's xmlTextReader) for machine-written parts such as the sheets of
// an XLSX workbook, and for files too large for a tree (an XML roster of a million students, read
// from disk block by block: runtime/roster_reader.hpp).
//
// Safety matches xml.hpp: the bytes are read as UTF-8 whatever they declare (or in an encoding the
// caller names that keeps ASCII bytes ASCII, such as GB 18030), and input holding "<!DOCTYPE" is
// refused before libxml2 sees it (a streaming parser may already have expanded an entity by the
// time it reports the DOCTYPE node); no network, no DTD loading, no entity substitution, and a
// depth limit.
#include <libxml/xmlreader.h>

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace kq::formats {

class XmlReader {
 public:
  // `part` names the input in errors ("xl/worksheets/sheet1.xml"). `bytes` must outlive the reader.
  XmlReader(std::string_view bytes, std::string part, std::size_t max_depth = 256);
  // Reads `in` block by block as the reader advances (`in` must outlive the reader), so memory
  // stays flat in the input's size. Each block is scanned for "<!DOCTYPE" before libxml2 gets
  // it, with an overlap for a marker cut between two blocks; the scan is exact for `encoding`
  // "UTF-8" and for encodings whose multi-byte characters never use the bytes of '<' and '!'
  // ("GB18030", GBK).
  XmlReader(std::istream& in, std::string part, std::size_t max_depth, const std::string& encoding);
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
  // The line of the current node's start (from 1; 0 when unknown).
  std::int64_t line() const;
  // Bytes of the input the parser has consumed so far: how far through it the reader is.
  std::uint64_t bytes_consumed() const;
  // The current element serialised whole (its start tag, content and end tag, in UTF-8, with the
  // namespace declarations it uses), after which next() goes on with the node that follows its
  // end. Nothing, with failed() set, when the element cannot be read to its end (a truncated file).
  std::optional<std::string> take_element();

 private:
  void fail(const std::string& message);
  void start(xmlTextReaderPtr reader);
  static void on_error(void* self, xmlErrorPtr error);
  static int read_block(void* self, char* buffer, int size);

  std::string part_;
  std::size_t max_depth_;
  xmlTextReaderPtr reader_ = nullptr;
  int type_ = XML_READER_TYPE_NONE;
  bool moved_ = false;  // take_element already moved on: next() reports that node ...
  int moved_rc_ = 0;    // ... with xmlTextReaderNext's result
  std::istream* stream_ = nullptr;  // the streamed input, or none
  std::string tail_;                // the last bytes of the previous block, for the DOCTYPE scan
  std::uint64_t streamed_ = 0;      // bytes handed to libxml2 from the stream
  std::string location_;
  std::string message_;
};

}  // namespace kq::formats
