// XLSX format: package -> workbook -> chosen sheet -> TabularDocument. See xlsx.hpp.
#include "gateway/formats/tabular/xlsx.hpp"

#include "gateway/formats/parse_checks.hpp"

#include "gateway/formats/tabular/tabular.hpp"
#include "gateway/formats/tabular/xlsx_package.hpp"
#include "gateway/formats/tabular/xlsx_parts.hpp"
#include "gateway/formats/xml/document.hpp"

namespace kq::formats {

namespace {

class XlsxFormat final : public Format {
 public:
  XlsxFormat() { ensure_libxml_initialised(); }

  std::string_view name() const override { return "xlsx"; }

  std::unique_ptr<Path> compile_path(std::string_view text, std::string& error) const override {
    return compile_tabular_path(text, error);
  }

  std::unique_ptr<Document> parse(std::string_view bytes, const ParseOptions& options,
                                  ParseError& error) const override {
    if (!within_max_bytes(bytes, options, "workbook", error)) return nullptr;
    XlsxPackage package(bytes, options.max_bytes);
    if (!package.open()) {
      error = {"", package.error(), package.error_kind()};
      return nullptr;
    }
    XlsxOpenSheet sheet;
    if (!open_sheet(package, options, sheet, error)) return nullptr;
    std::vector<std::string> headers;
    std::vector<TabularRow> rows;
    if (!read_sheet(sheet, options, headers, rows, error)) return nullptr;
    return std::make_unique<TabularDocument>("xlsx", sheet.sheet.name, std::move(headers), std::move(rows), true);
  }
};

}  // namespace

const Format& xlsx_format() {
  static const XlsxFormat format;
  return format;
}

}  // namespace kq::formats
