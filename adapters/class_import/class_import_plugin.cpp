// class_import: a school's class sheets — vision screening, 《国家学生体质健康标准》 results,
// mental-health screening — as CSV or Excel workbooks, uploaded over HTTPS or written into a drop
// folder (docs/adapters/class_imports.md).
//
// What the adapter decides (TLS, principals, the mapping chosen by the sheet's headers, derived
// values, the transaction, dedupe and audit are the host's):
//  - who may import: a principal with an organisation (the school: the mappings file the rows
//    under it) — else the file is refused (403) and kept;
//  - the format: a ZIP (an .xlsx) or text (CSV, in the configured charset);
//  - the message key: the SHA-256 of the file, so the same file sent twice is imported once;
//  - a file is one unit: one bad row keeps the whole sheet out, so a class is never half imported
//    (the clerk fixes the rows the rejects file lists and sends the sheet again);
//  - the reply: a JSON receipt, and the rejects file (CSV) — on the `<path>.csv` route as the
//    answer, beside the receipt in a drop folder (ABI 1.4 ack_attach).
#include <kangqiao/plugin.hpp>

#include <openssl/sha.h>

#include <array>
#include <map>
#include <memory>
#include <string>

#include "import_receipt.hpp"

namespace {

using kangqiao::Field;

constexpr kq_field_spec kFields[] = {
    Field::string("path")
        .defaults("/v1/class-imports")
        .describe("URL path of the POST route that answers with the JSON receipt; `<path>.csv` answers with the "
                  "rejects file instead."),
    Field::string("charset")
        .defaults("UTF-8")
        .describe("Charset of CSV sheets: UTF-8, or GB18030 for a CSV saved by Excel on Chinese Windows."),
    Field::path("drop_directory")
        .describe("A drop folder for sheets (incoming/, work/, done/, failed/ in it); absent: HTTPS uploads only."),
    Field::string("drop_principal").describe("The principal (config principals:) of the school the dropped sheets are from."),
    Field::duration("drop_settle").defaults("2s").range(0, 3600000).describe("How long a dropped file must stay unchanged before it is taken."),
};

// Columns are found by position and named by the header the parse reports, so any sheet's headers
// work; a class sheet has a few dozen columns at most.
constexpr std::size_t kMaxColumns = 64;

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 0x0f];
  }
  return out;
}

bool is_zip(std::string_view bytes) { return bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4); }

class ClassImport final : public kangqiao::Adapter {
 public:
  ClassImport(const kangqiao::Host& host, const kangqiao::Config& config) {
    path_ = config.string("path").value_or("/v1/class-imports");
    if (path_.empty() || path_.front() != '/') throw kangqiao::PluginError("path must start with '/'");
    charset_ = config.string("charset").value_or("UTF-8");
    host.add_http_route("POST", path_.c_str());
    csv_path_ = path_ + ".csv";
    host.add_http_route("POST", csv_path_.c_str());
    if (const auto folder = config.string("drop_directory"); folder && !folder->empty()) {
      const std::string principal = config.string("drop_principal").value_or("");
      if (principal.empty()) throw kangqiao::PluginError("drop_directory needs drop_principal: the school the files are from");
      host.add_file_drop("sheets", *folder, config.integer("drop_settle").value_or(2000), principal);
    }
    for (const char* format : {"csv", "xlsx"}) {
      auto& paths = columns_[format];
      for (std::size_t i = 0; i < kMaxColumns; ++i) {
        paths[i] = host.compile_path(format, ("$" + std::to_string(i + 1)).c_str());
      }
    }
  }

  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) override {
    auto& state = out.keep(std::make_unique<class_import::ImportState>());
    if (in.organisation().empty()) {
      state.refusal = kangqiao::ErrorDetail{KQ_ERROR_NOT_PERMITTED, "", "a principal mapped to a school is needed"};
      state.refusal_status = 403;
      out.reject(*state.refusal);
      return;
    }
    state.format = is_zip(in.payload()) ? "xlsx" : "csv";
    out.set_message_key("sha256:" + sha256_hex(in.payload()));
    try {
      state.document.emplace(out.parse(state.format, in.payload(), state.format == "csv" ? charset_ : ""));
    } catch (const kangqiao::ParseFailure& e) {
      state.refusal = e.detail();
      out.reject(e.detail());
      return;
    }
    out.emit(*state.document);
  }

  void acknowledge(const kangqiao::Inbound& in, const kangqiao::Outcome& outcome, kangqiao::AckSink& out) override {
    const class_import::ImportState* state = outcome.state<class_import::ImportState>();
    const class_import::Receipt receipt = class_import::make_receipt(
        state, outcome, [&](std::size_t row, const std::string& column) { return cell(state, row, column); });
    out.status(receipt.http_status);
    if (in.transport() == KQ_TRANSPORT_HTTP && in.channel() == csv_path_) {
      out.content_type("text/csv; charset=utf-8");
      out.write(receipt.rejects_csv);
      return;
    }
    out.content_type("application/json");
    out.write(receipt.json);
    // A drop folder keeps it beside the receipt; HTTPS ignores it (the .csv route answers with it).
    out.attach(".rejects.csv", receipt.rejects_csv);
  }

 private:
  // The cell at `row` under the header `column`, as the host's parse read it.
  std::string cell(const class_import::ImportState* state, std::size_t row, const std::string& column) const {
    if (state == nullptr || !state->document) return {};
    const auto paths = columns_.find(state->format);
    if (paths == columns_.end()) return {};
    for (const kangqiao::Path& path : paths->second) {
      if (!path) continue;
      // Empty cells give no value: walk the column's values until the row is reached.
      for (std::size_t n = 0;; ++n) {
        const auto value = state->document->value(path, n);
        if (!value) break;
        std::size_t at_row = 0;
        std::string at_column;
        class_import::parse_place(state->document->location(path, n), at_row, at_column);
        if (at_column != column) break;  // another column: try the next position
        if (at_row == row) return std::string(*value);
        if (at_row > row) return {};
      }
    }
    return {};
  }

  std::string path_;
  std::string csv_path_;
  std::string charset_;
  std::map<std::string, std::array<kangqiao::Path, kMaxColumns>> columns_;
};

constexpr kangqiao::PluginInfo kInfo{.name = "class_import", .version = "1.0.0",
                                     .description = "Class sheets of vision, fitness and mental-health screening "
                                                    "(CSV, XLSX) with a receipt and a rejects file.",
                                     .fields = kFields, .requires_minor = 4};

}  // namespace

KQ_DEFINE_PLUGIN(kInfo, ClassImport)
