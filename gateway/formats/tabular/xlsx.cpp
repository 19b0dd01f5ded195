// XLSX format: package -> workbook -> chosen sheet -> TabularDocument. See xlsx.hpp.
#include "gateway/formats/tabular/xlsx.hpp"

#include "gateway/formats/parse_checks.hpp"

#include "gateway/formats/tabular/tabular.hpp"
#include "gateway/formats/tabular/xlsx_package.hpp"
#include "gateway/formats/tabular/xlsx_parts.hpp"
#include "gateway/formats/xml/document.hpp"

namespace kq::formats {

namespace {

const XlsxSheet* choose_sheet(const XlsxWorkbook& workbook, const std::string& wanted, ParseError& error) {
  if (wanted.empty()) {
    for (const XlsxSheet& sheet : workbook.sheets) {
      if (!sheet.hidden) return &sheet;
    }
    return &workbook.sheets.front();
  }
  std::string names;
  for (const XlsxSheet& sheet : workbook.sheets) {
    if (sheet.name == wanted) return &sheet;
    names += (names.empty() ? "" : ", ") + sheet.name;
  }
  error = {"", "sheet '" + wanted + "' not found; the workbook has sheets " + names, core::ErrorKind::structure};
  return nullptr;
}

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
    XlsxWorkbook workbook;
    if (!read_workbook(package, options.max_depth, workbook, error)) return nullptr;
    const XlsxSheet* sheet = choose_sheet(workbook, options.sheet, error);
    if (sheet == nullptr) return nullptr;
    std::vector<NumberStyle> styles;
    if (!workbook.styles_part.empty() && package.has(workbook.styles_part) &&
        !read_styles(package, workbook.styles_part, options.max_depth, styles, error)) {
      return nullptr;
    }
    std::vector<std::string> shared;
    if (!workbook.shared_strings_part.empty() && package.has(workbook.shared_strings_part) &&
        !read_shared_strings(package, workbook.shared_strings_part, options.max_depth, shared, error)) {
      return nullptr;
    }
    std::string xml;
    if (!package.read(sheet->part, xml)) {
      error = {"sheet " + sheet->name, package.error(), package.error_kind()};
      return nullptr;
    }
    std::vector<std::string> headers;
    std::vector<TabularRow> rows;
    if (!read_sheet(xml, *sheet, shared, styles, workbook.date1904, options, headers, rows, error)) return nullptr;
    return std::make_unique<TabularDocument>("xlsx", sheet->name, std::move(headers), std::move(rows), true);
  }
};

}  // namespace

const Format& xlsx_format() {
  static const XlsxFormat format;
  return format;
}

}  // namespace kq::formats
