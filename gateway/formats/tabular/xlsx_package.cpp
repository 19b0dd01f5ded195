#include "gateway/formats/tabular/xlsx_package.hpp"

#include <Poco/Exception.h>
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipStream.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <istream>
#include <streambuf>

namespace kq::formats {

// A seekable read-only stream over the payload, so POCO reads it in place instead of a copy.
class XlsxPackage::MemoryBuffer final : public std::streambuf {
 public:
  explicit MemoryBuffer(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());  // get area only: never written through
    setg(begin, begin, begin + bytes.size());
  }

 protected:
  pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode which) override {
    if ((which & std::ios_base::in) == 0) return pos_type(off_type(-1));
    off_type base = 0;
    if (dir == std::ios_base::cur) base = gptr() - eback();
    if (dir == std::ios_base::end) base = egptr() - eback();
    return seekpos(pos_type(base + off), which);
  }

  pos_type seekpos(pos_type pos, std::ios_base::openmode which) override {
    const off_type target = off_type(pos);
    if ((which & std::ios_base::in) == 0 || target < 0 || target > egptr() - eback()) return pos_type(off_type(-1));
    setg(eback(), eback() + target, egptr());
    return pos;
  }
};

XlsxPackage::XlsxPackage(std::string_view bytes, std::size_t budget) : bytes_(bytes), limit_(budget), budget_(budget) {}

XlsxPackage::~XlsxPackage() = default;

bool XlsxPackage::fail(std::string message, core::ErrorKind kind) {
  error_ = std::move(message);
  error_kind_ = kind;
  return false;
}

bool XlsxPackage::open() {
  if (bytes_.substr(0, 4) == std::string_view("\xD0\xCF\x11\xE0", 4)) {
    return fail(
        "not an XLSX workbook: this is an OLE2 file (an old .xls, or a password-protected workbook); "
        "save it as .xlsx without a password",
        core::ErrorKind::unsupported);
  }
  if (bytes_.size() < 4 || bytes_.substr(0, 4) != std::string_view("PK\x03\x04", 4)) {
    return fail("not an XLSX workbook: the file is not a ZIP archive", core::ErrorKind::structure);
  }
  buffer_ = std::make_unique<MemoryBuffer>(bytes_);
  stream_ = std::make_unique<std::istream>(buffer_.get());
  try {
    archive_ = std::make_unique<Poco::Zip::ZipArchive>(*stream_);
  } catch (const Poco::Exception& e) {
    return fail("damaged ZIP archive (is the upload complete?): " + e.displayText(), core::ErrorKind::structure);
  } catch (const std::exception& e) {
    return fail(std::string("damaged ZIP archive (is the upload complete?): ") + e.what(), core::ErrorKind::structure);
  }
  return true;
}

std::string XlsxPackage::find_name(const std::string& part) const {
  if (!archive_) return "";
  if (archive_->findHeader(part) != archive_->headerEnd()) return part;
  // Part names are case-insensitive in OPC packages; some writers change the case.
  const auto same = [&](const std::string& name) {
    return name.size() == part.size() && std::equal(name.begin(), name.end(), part.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
  };
  for (auto it = archive_->headerBegin(); it != archive_->headerEnd(); ++it) {
    if (same(it->first)) return it->first;
  }
  return "";
}

bool XlsxPackage::has(const std::string& part) const { return !find_name(part).empty(); }

bool XlsxPackage::read(const std::string& part, std::string& out) {
  out.clear();
  const std::string name = find_name(part);
  if (name.empty()) {
    return fail("the workbook has no part " + part, core::ErrorKind::structure);
  }
  const auto header = archive_->findHeader(name);
  const std::string over_budget =
      "the workbook inflates to more than " + std::to_string(limit_) + " bytes (limit reached reading " + part + ")";
  // The declared size is checked first to refuse cheaply; the inflated bytes are counted too,
  // because the declaration is the attacker's to write.
  if (header->second.getUncompressedSize() > budget_) return fail(over_budget, core::ErrorKind::too_long);
  if (header->second.isEncrypted()) {
    return fail(part + " is encrypted; save the workbook without a password", core::ErrorKind::unsupported);
  }
  try {
    stream_->clear();
    Poco::Zip::ZipInputStream zip(*stream_, header->second, true);
    zip.exceptions(std::ios::badbit);  // std::istream would otherwise swallow inflate errors
    std::array<char, 64 * 1024> chunk{};
    while (zip) {
      zip.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      const auto got = static_cast<std::size_t>(zip.gcount());
      if (got > budget_) return fail(over_budget, core::ErrorKind::too_long);
      budget_ -= got;
      out.append(chunk.data(), got);
      if (got == 0) break;
    }
  } catch (const Poco::Exception& e) {
    return fail("damaged ZIP entry " + part + ": " + e.displayText(), core::ErrorKind::structure);
  } catch (const std::exception& e) {
    return fail("damaged ZIP entry " + part + ": " + e.what(), core::ErrorKind::structure);
  }
  return true;
}

}  // namespace kq::formats
