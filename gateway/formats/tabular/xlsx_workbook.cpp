// XLSX package structure: root and workbook relationships, sheets, shared strings, cell styles.
#include <map>

#include "gateway/formats/tabular/xlsx_parts.hpp"
#include "gateway/formats/xml/reader.hpp"

namespace kq::formats {

namespace {

constexpr std::string_view kDefaultWorkbook = "xl/workbook.xml";

bool reader_error(const XmlReader& reader, ParseError& error) {
  error = {reader.error_location(), reader.error_message(), core::ErrorKind::structure};
  return false;
}

bool package_error(const XlsxPackage& package, ParseError& error) {
  error = {"", package.error(), package.error_kind()};
  return false;
}

// A relationship target resolved against the folder of the part that declares it:
// ("xl/workbook.xml", "worksheets/sheet1.xml") -> "xl/worksheets/sheet1.xml"; "/xl/x.xml" is absolute.
std::string resolve(std::string_view source, std::string_view target) {
  std::vector<std::string> parts;
  if (!target.empty() && target.front() == '/') {
    target.remove_prefix(1);
  } else {
    const std::size_t slash = source.rfind('/');
    std::string_view folder = slash == std::string_view::npos ? std::string_view() : source.substr(0, slash);
    while (!folder.empty()) {
      const std::size_t cut = folder.find('/');
      parts.emplace_back(folder.substr(0, cut));
      folder = cut == std::string_view::npos ? std::string_view() : folder.substr(cut + 1);
    }
  }
  while (!target.empty()) {
    const std::size_t cut = target.find('/');
    const std::string_view piece = target.substr(0, cut);
    if (piece == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!piece.empty() && piece != ".") {
      parts.emplace_back(piece);
    }
    target = cut == std::string_view::npos ? std::string_view() : target.substr(cut + 1);
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

std::string rels_part(std::string_view part) {
  const std::size_t slash = part.rfind('/');
  const std::string_view folder = slash == std::string_view::npos ? std::string_view() : part.substr(0, slash + 1);
  const std::string_view file = slash == std::string_view::npos ? part : part.substr(slash + 1);
  return std::string(folder) + "_rels/" + std::string(file) + ".rels";
}

struct Relationship {
  std::string type;    // the last segment of the type URI: "worksheet", "sharedStrings", ...
  std::string target;  // resolved part name
};

// Relationships of `source` by id; a missing .rels part is an empty map (callers decide).
bool read_relationships(XlsxPackage& package, const std::string& source, std::size_t max_depth,
                        std::map<std::string, Relationship>& out, ParseError& error) {
  const std::string part = rels_part(source);
  if (!package.has(part)) return true;
  std::string xml;
  if (!package.read(part, xml)) return package_error(package, error);
  XmlReader reader(xml, part, max_depth);
  while (reader.next()) {
    if (!reader.is_start() || reader.local_name() != "Relationship") continue;
    if (reader.attribute("TargetMode").value_or("") == "External") continue;
    const std::string type = reader.attribute("Type").value_or("");
    const std::size_t slash = type.rfind('/');
    out[reader.attribute("Id").value_or("")] = {slash == std::string::npos ? type : type.substr(slash + 1),
                                                resolve(source, reader.attribute("Target").value_or(""))};
  }
  return reader.failed() ? reader_error(reader, error) : true;
}

bool truthy(const std::string& v) { return v == "1" || v == "true"; }

}  // namespace

bool read_workbook(XlsxPackage& package, std::size_t max_depth, XlsxWorkbook& workbook, ParseError& error) {
  std::map<std::string, Relationship> root;
  if (!read_relationships(package, "", max_depth, root, error)) return false;
  std::string workbook_part(kDefaultWorkbook);
  for (const auto& [id, rel] : root) {
    if (rel.type == "officeDocument") workbook_part = rel.target;
  }
  if (!package.has(workbook_part)) {
    error = {"", "not an XLSX workbook: the archive has no " + workbook_part, core::ErrorKind::structure};
    return false;
  }
  std::map<std::string, Relationship> rels;
  if (!read_relationships(package, workbook_part, max_depth, rels, error)) return false;
  for (const auto& [id, rel] : rels) {
    if (rel.type == "sharedStrings") workbook.shared_strings_part = rel.target;
    if (rel.type == "styles") workbook.styles_part = rel.target;
  }
  std::string xml;
  if (!package.read(workbook_part, xml)) return package_error(package, error);
  XmlReader reader(xml, workbook_part, max_depth);
  while (reader.next()) {
    if (!reader.is_start()) continue;
    if (reader.local_name() == "workbookPr") {
      workbook.date1904 = truthy(reader.attribute("date1904").value_or(""));
    } else if (reader.local_name() == "sheet") {
      XlsxSheet sheet;
      sheet.name = reader.attribute("name").value_or("");
      const std::string state = reader.attribute("state").value_or("visible");
      sheet.hidden = state == "hidden" || state == "veryHidden";
      const auto rel = rels.find(reader.attribute("id").value_or(""));
      if (rel == rels.end()) {
        error = {workbook_part, "sheet '" + sheet.name + "' has no relationship to its worksheet part",
                 core::ErrorKind::structure};
        return false;
      }
      sheet.part = rel->second.target;
      workbook.sheets.push_back(std::move(sheet));
    }
  }
  if (reader.failed()) return reader_error(reader, error);
  if (workbook.sheets.empty()) {
    error = {workbook_part, "the workbook has no sheets", core::ErrorKind::structure};
    return false;
  }
  return true;
}

bool read_shared_strings(XlsxPackage& package, const std::string& part, std::size_t max_depth,
                         std::vector<std::string>& strings, ParseError& error) {
  std::string xml;
  if (!package.read(part, xml)) return package_error(package, error);
  XmlReader reader(xml, part, max_depth);
  std::string current;
  bool in_item = false;
  bool in_text = false;
  int phonetic_depth = -1;  // inside <rPh>: ruby text that is not part of the value
  while (reader.next()) {
    const std::string_view name = reader.local_name();
    if (reader.is_start()) {
      if (name == "si") {
        in_item = true;
        current.clear();
        if (reader.is_empty_element()) {
          strings.emplace_back();
          in_item = false;
        }
      } else if (name == "rPh" && !reader.is_empty_element()) {
        phonetic_depth = reader.depth();
      } else if (name == "t" && in_item && phonetic_depth < 0) {
        in_text = !reader.is_empty_element();
      }
    } else if (reader.is_end()) {
      if (name == "si" && in_item) {
        strings.push_back(decode_ooxml_escapes(current));
        in_item = false;
      } else if (name == "rPh" && reader.depth() == phonetic_depth) {
        phonetic_depth = -1;
      } else if (name == "t") {
        in_text = false;
      }
    } else if (in_text && reader.is_text()) {
      current += reader.value();
    }
  }
  return reader.failed() ? reader_error(reader, error) : true;
}

bool read_styles(XlsxPackage& package, const std::string& part, std::size_t max_depth, std::vector<NumberStyle>& styles,
                 ParseError& error) {
  std::string xml;
  if (!package.read(part, xml)) return package_error(package, error);
  XmlReader reader(xml, part, max_depth);
  std::map<unsigned, std::string> custom;
  std::vector<unsigned> xf_formats;
  int cell_xfs_depth = -1;
  const auto number = [](const std::string& s) {
    unsigned v = 0;
    for (char c : s) {
      if (c < '0' || c > '9' || v > 100000) return 0U;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    return v;
  };
  while (reader.next()) {
    const std::string_view name = reader.local_name();
    if (reader.is_start()) {
      if (name == "numFmt") {
        custom[number(reader.attribute("numFmtId").value_or(""))] = reader.attribute("formatCode").value_or("");
      } else if (name == "cellXfs" && !reader.is_empty_element()) {
        cell_xfs_depth = reader.depth();
      } else if (name == "xf" && cell_xfs_depth >= 0 && reader.depth() == cell_xfs_depth + 1) {
        xf_formats.push_back(number(reader.attribute("numFmtId").value_or("0")));
      }
    } else if (reader.is_end() && name == "cellXfs") {
      cell_xfs_depth = -1;
    }
  }
  if (reader.failed()) return reader_error(reader, error);
  styles.clear();
  for (unsigned id : xf_formats) {
    const auto it = custom.find(id);
    styles.push_back(
        classify_number_format(id, it == custom.end() ? std::string_view() : std::string_view(it->second)));
  }
  return true;
}

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

}  // namespace

bool open_sheet(XlsxPackage& package, const ParseOptions& options, XlsxOpenSheet& out, ParseError& error) {
  XlsxWorkbook workbook;
  if (!read_workbook(package, options.max_depth, workbook, error)) return false;
  const XlsxSheet* sheet = choose_sheet(workbook, options.sheet, error);
  if (sheet == nullptr) return false;
  out.sheet = *sheet;
  out.date1904 = workbook.date1904;
  if (!workbook.styles_part.empty() && package.has(workbook.styles_part) &&
      !read_styles(package, workbook.styles_part, options.max_depth, out.styles, error)) {
    return false;
  }
  if (!workbook.shared_strings_part.empty() && package.has(workbook.shared_strings_part) &&
      !read_shared_strings(package, workbook.shared_strings_part, options.max_depth, out.shared_strings, error)) {
    return false;
  }
  if (!package.read(sheet->part, out.xml)) {
    error = {"sheet " + sheet->name, package.error(), package.error_kind()};
    return false;
  }
  return true;
}

}  // namespace kq::formats
