#pragma once
// Internal to kq_formats: the ZIP package of an XLSX workbook (POCO Zip), with a budget on the
// bytes it may inflate so that a small upload cannot expand into gigabytes (zip bomb).
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/core/error_kind.hpp"

namespace Poco::Zip {
class ZipArchive;
}

namespace kq::formats {

class XlsxPackage {
 public:
  // `bytes` must outlive the package. `budget`: total uncompressed bytes all reads may produce.
  XlsxPackage(std::string_view bytes, std::size_t budget);
  ~XlsxPackage();
  XlsxPackage(const XlsxPackage&) = delete;
  XlsxPackage& operator=(const XlsxPackage&) = delete;

  // False when the bytes are not a readable ZIP archive; error() says why.
  bool open();
  bool has(const std::string& part) const;
  // Inflates one part ("xl/workbook.xml"). False when it is missing, damaged or over the budget.
  bool read(const std::string& part, std::string& out);
  const std::string& error() const { return error_; }
  // What kind of problem error() is: structure for a damaged archive, too_long over the
  // budget, unsupported for an old .xls or an encrypted workbook.
  core::ErrorKind error_kind() const { return error_kind_; }

 private:
  class MemoryBuffer;
  std::string find_name(const std::string& part) const;
  bool fail(std::string message, core::ErrorKind kind);

  std::string_view bytes_;
  std::size_t limit_;   // as configured, for messages
  std::size_t budget_;  // what is left of it
  std::unique_ptr<MemoryBuffer> buffer_;
  std::unique_ptr<std::istream> stream_;
  std::unique_ptr<Poco::Zip::ZipArchive> archive_;
  std::string error_;
  core::ErrorKind error_kind_ = core::ErrorKind::structure;
};

}  // namespace kq::formats
