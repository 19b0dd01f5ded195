#include "gateway/runtime/roster_reader.hpp"

#include <algorithm>
#include <cctype>

#include "gateway/runtime/csv_chunker.hpp"
#include "gateway/runtime/xlsx_roster_reader.hpp"
#include "gateway/runtime/xml_roster_reader.hpp"

namespace kq::runtime {

RosterPayload roster_payload(RosterKind kind) {
  switch (kind) {
    case RosterKind::csv: return {"csv", "text/csv", ""};
    // Rendered by the gateway: UTF-8 whatever the adapter's charset for CSV files says.
    case RosterKind::xlsx: return {"csv", "text/csv; charset=UTF-8", "UTF-8"};
    case RosterKind::xml: return {"xml", "application/xml; charset=UTF-8", "UTF-8"};
  }
  return {"csv", "text/csv", ""};
}

std::optional<RosterKind> roster_kind_of(const std::string& name, const RosterReadSettings& settings,
                                         std::string& error) {
  if (!settings.kind_by_name) return RosterKind::csv;  // an ABI 1.4 drop: CSV rosters only, as ever
  std::string extension = std::filesystem::path(name).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (extension == ".csv" || extension == ".txt") return RosterKind::csv;
  if (extension == ".xlsx") return RosterKind::xlsx;
  if (extension == ".xml") return RosterKind::xml;
  error = "a roster is read by its file name: .csv or .txt (CSV), .xlsx (an Excel workbook) or .xml; '" + name +
          "' is none of them" + (extension == ".xls" ? " (save an .xls workbook as .xlsx)" : "");
  return std::nullopt;
}

std::unique_ptr<RosterReader> open_roster_reader(RosterKind kind, const std::filesystem::path& file,
                                                 const RosterReadSettings& settings) {
  switch (kind) {
    case RosterKind::xlsx: return std::make_unique<XlsxRosterReader>(file, settings.rows_per_chunk, settings.sheet);
    case RosterKind::xml:
      return std::make_unique<XmlRosterReader>(file, settings.rows_per_chunk,
                                               settings.record_element.empty() ? "student" : settings.record_element);
    case RosterKind::csv: break;
  }
  return std::make_unique<CsvChunker>(file, settings.rows_per_chunk);
}

}  // namespace kq::runtime
