#pragma once
// An XML roster for the roster drop (roster_reader.hpp): one element per student, streamed from
// the file with memory flat in its size.
//
//   <roster>
//     <student><姓名>张小明</姓名><性别>男</性别>…</student>
//     <student 姓名="李小红" 性别="女" …/>
//   </roster>
//
// Every element named `record_element` (by its local name, at any depth; one inside another
// belongs to the outer one) is a record. A chunk is a small XML document: a fixed prolog and
// wrapper start tag (kXmlRosterHead), the records as the parser serialises them (UTF-8, the
// namespace declarations they use; the same bytes always serialise the same), and the wrapper's
// end tag. A record's "line" is the line of its start tag in the file.
//
// Safety: the rules of the gateway's XML parsing (formats/xml/reader.hpp): no DOCTYPE, no entity
// expansion, no network, a depth limit. The file is read in UTF-8, or in GB 18030 when its XML
// declaration says so (GB 18030, GBK or GB 2312); other encodings are refused.
//
// A file that breaks off (a truncated copy) fails at the chunk it breaks off in, with the
// parser's reason and line; a well-formed file without a single record fails too, naming what
// its root holds, since a record element set wrong would otherwise read as an empty roster in
// which every student has left.
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/runtime/roster_reader.hpp"

namespace kq::formats {
class XmlReader;
}

namespace kq::runtime {

inline constexpr std::string_view kXmlRosterHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<roster>\n";
inline constexpr std::string_view kXmlRosterTail = "</roster>\n";

class XmlRosterReader final : public RosterReader {
 public:
  XmlRosterReader(const std::filesystem::path& file, std::size_t rows_per_chunk, std::string record_element);
  ~XmlRosterReader() override;

  const std::string& error() const override { return error_; }
  bool next(RosterFileChunk& chunk) override;
  std::uint64_t total_bytes() const override { return file_bytes_; }

 private:
  void fail_with_parser_error();
  void note_element();  // remembers the root and its first child, for the "no record" message

  std::ifstream in_;
  std::unique_ptr<formats::XmlReader> reader_;
  std::size_t rows_per_chunk_;
  std::string record_element_;
  std::uint64_t file_bytes_ = 0;
  std::int64_t records_ = 0;
  bool ended_ = false;
  std::string root_;
  std::string first_child_;
  std::string error_;
};

// The encoding an XML roster is read in, from its first bytes (a byte-order mark, the XML
// declaration): "UTF-8" or "GB18030"; nothing, with `error` saying why, for any other.
std::optional<std::string> xml_roster_encoding(std::string_view head, std::string& error);

}  // namespace kq::runtime
