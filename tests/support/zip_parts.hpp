#pragma once
// A ZIP archive of named parts, written with POCO the way a spreadsheet program packs a workbook:
// the XLSX tests build their workbooks part by part instead of keeping binary fixtures.
#include <Poco/DateTime.h>
#include <Poco/Path.h>
#include <Poco/Zip/Compress.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace kq::testing {

using ZipParts = std::vector<std::pair<std::string, std::string>>;  // part name, content

inline std::string zip_parts(const ZipParts& parts) {
  std::ostringstream out;
  Poco::Zip::Compress compress(out, true);
  for (const auto& [name, content] : parts) {
    std::istringstream in(content);
    compress.addFile(in, Poco::DateTime(), Poco::Path(name, Poco::Path::PATH_UNIX));
  }
  compress.close();
  return out.str();
}

}  // namespace kq::testing
