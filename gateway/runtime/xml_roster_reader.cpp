#include "gateway/runtime/xml_roster_reader.hpp"

#include <algorithm>
#include <cctype>

#include "gateway/formats/xml/reader.hpp"

namespace kq::runtime {

namespace {

constexpr std::size_t kHeadBytes = 1024;  // enough for a byte-order mark and the XML declaration

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

// The encoding pseudo-attribute of an XML declaration at the start of `head`; "" when none.
std::string declared_encoding(std::string_view head) {
  if (!head.starts_with("<?xml")) return "";
  head = head.substr(0, head.find("?>"));
  const std::size_t key = head.find("encoding");
  if (key == std::string_view::npos) return "";
  const std::size_t quote = head.find_first_of("\"'", key);
  if (quote == std::string_view::npos) return "";
  const std::size_t close = head.find(head[quote], quote + 1);
  return close == std::string_view::npos ? "" : std::string(head.substr(quote + 1, close - quote - 1));
}

}  // namespace

std::optional<std::string> xml_roster_encoding(std::string_view head, std::string& error) {
  if (head.starts_with("\xFE\xFF") || head.starts_with("\xFF\xFE") || head.starts_with(std::string_view("\0<", 2)) ||
      head.starts_with(std::string_view("<\0", 2))) {
    error = "the file is in UTF-16 or UTF-32; save the roster as UTF-8 (or GB 18030)";
    return std::nullopt;
  }
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  const std::string declared = upper(declared_encoding(head));
  if (declared.empty() || declared == "UTF-8" || declared == "UTF8" || declared == "US-ASCII" || declared == "ASCII") {
    return "UTF-8";
  }
  // GBK and GB 2312 are subsets of GB 18030: read as GB 18030, they give the same characters.
  if (declared == "GB18030" || declared == "GBK" || declared == "GB2312" || declared == "CP936") return "GB18030";
  error = "the file declares encoding " + declared + "; an XML roster is read in UTF-8 or GB 18030";
  return std::nullopt;
}

XmlRosterReader::XmlRosterReader(const std::filesystem::path& file, std::size_t rows_per_chunk,
                                 std::string record_element)
    : in_(file, std::ios::binary),
      rows_per_chunk_(rows_per_chunk == 0 ? 1 : rows_per_chunk),
      record_element_(std::move(record_element)) {
  std::error_code ec;
  file_bytes_ = std::filesystem::file_size(file, ec);
  if (!in_ || ec) {
    error_ = "cannot open the file";
    return;
  }
  std::string head(kHeadBytes, '\0');
  in_.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in_.gcount()));
  in_.clear();
  in_.seekg(0);
  const std::optional<std::string> encoding = xml_roster_encoding(head, error_);
  if (!encoding) return;
  reader_ = std::make_unique<formats::XmlReader>(in_, file.filename().string(), 256, *encoding);
  if (reader_->failed()) fail_with_parser_error();
}

XmlRosterReader::~XmlRosterReader() = default;

void XmlRosterReader::fail_with_parser_error() {
  error_ = reader_->error_location() + ": " + reader_->error_message();
}

void XmlRosterReader::note_element() {
  if (reader_->depth() == 0) {
    root_ = reader_->local_name();
  } else if (reader_->depth() == 1 && first_child_.empty()) {
    first_child_ = reader_->local_name();
  }
}

bool XmlRosterReader::next(RosterFileChunk& chunk) {
  chunk.payload.assign(kXmlRosterHead);
  chunk.header_size = kXmlRosterHead.size();
  chunk.footer_size = 0;
  chunk.rows.clear();
  if (!error_.empty() || ended_) return false;
  while (chunk.rows.size() < rows_per_chunk_) {
    if (!reader_->next()) {
      if (reader_->failed()) {
        fail_with_parser_error();
        return false;
      }
      ended_ = true;
      if (records_ == 0) {
        error_ = "the file holds no <" + record_element_ + "> element" +
                 (root_.empty() ? std::string()
                                : " (its root <" + root_ + "> holds " +
                                      (first_child_.empty() ? std::string("no elements")
                                                            : "<" + first_child_ + "> elements") +
                                      ")") +
                 "; the adapter's record_element names the element of one student";
        return false;
      }
      break;
    }
    if (!reader_->is_start()) continue;
    if (reader_->local_name() != record_element_) {
      note_element();
      continue;
    }
    const std::int64_t line = reader_->line();
    const std::optional<std::string> record = reader_->take_element();
    if (!record) {
      fail_with_parser_error();
      return false;
    }
    ++records_;
    chunk.rows.push_back(RosterRow{chunk.payload.size(), record->size() + 1, line});
    chunk.payload += *record;
    chunk.payload += '\n';
  }
  if (chunk.rows.empty()) return false;
  chunk.payload += kXmlRosterTail;
  chunk.footer_size = kXmlRosterTail.size();
  chunk.end_offset = reader_->bytes_consumed();
  return true;
}

}  // namespace kq::runtime
