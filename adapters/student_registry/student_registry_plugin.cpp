// student_registry: the nightly roster of the student registry (学籍, e.g. Beijing's CMIS),
// written as a CSV, XLSX or XML file into a drop folder, or published at an HTTPS URL that the
// gateway fetches on a calendar schedule (docs/adapters/student_registry.md).
//
// The sync itself is the host's (plugin ABI 1.5 add_roster_drop_with): it reads the file in
// chunks of whole records (CSV rows, sheet rows, XML elements), maps each record, compares each
// student with what the registry listed before, writes only the changes with the run's progress,
// and writes the sync report beside the file. What the adapter decides: the folder, the principal
// (the registry's organisation) the files speak for, the chunk size, the sheet of a workbook, the
// element of one student in XML, and the charset the registry exports CSV in — Excel on Chinese
// Windows writes GB 18030, a newer export UTF-8. XLSX and XML chunks arrive in UTF-8 whatever
// that setting says: the host renders them.
//
// A roster at a URL goes the same way: the schedule's run downloads it through the host (mutual
// TLS, retries, a conditional GET) and puts it into the drop folder under a temporary name, then
// renames it, so the sync that takes it is the very one a dropped file gets — one code path, one
// report, the same resume after a crash. The run itself stores nothing ("nothing to do"): the
// roster is stored chunk by chunk by its sync.
#include <kangqiao/json.hpp>
#include <kangqiao/plugin.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

using kangqiao::Field;

constexpr kq_field_spec kFields[] = {
    Field::path("drop_directory")
        .required()
        .describe("The drop folder the registry writes its roster into (incoming/, work/, done/, failed/ in it)."),
    Field::string("drop_principal")
        .required()
        .describe("The principal (config principals:) whose organisation the rosters belong to: the registry."),
    Field::duration("drop_settle")
        .defaults("5s")
        .range(0, 3600000)
        .describe("How long a roster file must stay unchanged before it is taken."),
    Field::integer("rows_per_chunk")
        .defaults("5000")
        .range(1, 1000000)
        .describe("Rows per chunk: each chunk is one transaction, acknowledged after its commit."),
    Field::string("charset")
        .defaults("GB18030")
        .describe("The character set of CSV roster files (GB18030 or UTF-8; a UTF-8 byte-order mark is "
                  "always recognised). XLSX and XML files carry their own."),
    Field::string("sheet").describe("XLSX rosters: the sheet to read, by its tab name (学生名单); empty: the "
                                    "first visible sheet."),
    Field::string("record_element")
        .defaults("student")
        .describe("XML rosters: the element that holds one student (matched by its local name)."),
    Field::string("url").describe("An HTTPS URL the registry publishes its roster at; absent: files are dropped."),
    Field::string("schedule")
        .defaults("30 2 * * *")
        .describe("When to fetch `url` (cron: minute hour day month weekday)."),
    Field::string("time_zone").describe("IANA time zone of `schedule`; empty: Asia/Shanghai."),
    Field::path("ca_file").describe("CA bundle the registry's server must chain to; empty: the system's."),
    Field::path("client_certificate").describe("The gateway's client certificate, when the registry asks for one."),
    Field::path("client_private_key").describe("Its private key."),
    Field::duration("read_timeout").defaults("5m").describe("The whole download."),
    Field::bytes("max_bytes").defaults("1GiB").describe("The largest roster accepted from `url`."),
};

// The roster's kind by the Content-Type the registry's server sent: the drop reads a file by its
// extension. Anything not a workbook or XML is taken for CSV, as before 1.5.
std::string extension_of(std::string_view content_type) {
  const std::string_view type = content_type.substr(0, content_type.find(';'));
  if (type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") return ".xlsx";
  if (type == "application/xml" || type == "text/xml") return ".xml";
  return ".csv";
}

// incoming/roster-20261208-023000.csv: the fetch time in the schedule's clock (the gateway's),
// so the files sort in the order they were fetched.
std::string fetched_file_name(std::string_view content_type) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char name[64];
  std::strftime(name, sizeof name, "roster-%Y%m%d-%H%M%S", &local);
  return name + extension_of(content_type);
}

class StudentRegistry final : public kangqiao::Adapter {
 public:
  StudentRegistry(const kangqiao::Host& host, const kangqiao::Config& config)
      : charset_(config.string("charset").value_or("GB18030")), folder_(config.string("drop_directory").value_or("")) {
    const std::string& folder = folder_;
    const std::string principal = config.string("drop_principal").value_or("");
    if (folder.empty()) throw kangqiao::PluginError("drop_directory is required");
    if (principal.empty()) throw kangqiao::PluginError("drop_principal is required: the registry the rosters are from");
    kangqiao::RosterDrop drop;
    drop.directory = folder;
    drop.settle_ms = config.integer("drop_settle").value_or(5000);
    drop.principal = principal;
    drop.rows_per_chunk = config.integer("rows_per_chunk").value_or(5000);
    drop.sheet = config.string("sheet").value_or("");
    drop.record_element = config.string("record_element").value_or("student");
    host.add_roster_drop(drop);
    if (const auto url = config.string("url"); url && !url->empty()) add_url_source(host, config);
  }

  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) override {
    if (in.transport() == KQ_TRANSPORT_SCHEDULE) return fetch_into_drop(out);
    if (in.organisation().empty()) {
      out.reject(KQ_ERROR_NOT_PERMITTED, "", "the roster drop speaks for no organisation (drop_principal)");
      return;
    }
    // A chunk: a head, some records and a tail. The host maps them record by record. XLSX and
    // XML chunks come as UTF-8 (their charset says so); a CSV chunk is in the registry's charset.
    const std::string_view format = in.content_type().starts_with("application/xml") ? "xml" : "csv";
    out.emit(format, in.payload(), in.charset().empty() ? std::string_view(charset_) : in.charset());
  }

  void acknowledge(const kangqiao::Inbound&, const kangqiao::Outcome& outcome, kangqiao::AckSink& out) override {
    // Chunks are acknowledged to the host's drop, whose receipt is the sync report.
    out.content_type("application/json");
    out.write(kangqiao::json::Object().add("message_id", outcome.message_id()).str());
  }

 private:
  void add_url_source(const kangqiao::Host& host, const kangqiao::Config& config) {
    host.add_https_source("roster", config);
    host.add_calendar_schedule("fetch", config.string("schedule").value_or("30 2 * * *").c_str(),
                               config.string("time_zone").value_or("").c_str());
  }

  // A schedule run: download the roster and hand it to the roster drop.
  void fetch_into_drop(kangqiao::DecodeSink& out) {
    kangqiao::HttpsFetch got;
    try {
      got = out.https_get("roster");
    } catch (const kangqiao::ParseFailure& e) {
      out.reject(e.detail());  // the host logged why (without the URL's query); tried again next run
      return;
    }
    if (got.not_modified) {
      out.nothing_to_do("the roster was not modified since the last download");
      return;
    }
    const std::filesystem::path incoming = std::filesystem::path(folder_) / "incoming";
    const std::string name = fetched_file_name(got.content_type);
    // A ".part" name is never taken by the drop; the rename makes the whole file appear at once.
    const std::filesystem::path part = incoming / (name + ".part");
    {
      std::ofstream file(part, std::ios::binary | std::ios::trunc);
      file.write(got.body.data(), static_cast<std::streamsize>(got.body.size()));
      if (!file.flush()) {
        out.reject(KQ_ERROR_INTERNAL, "", "cannot write the downloaded roster to " + part.string());
        return;
      }
    }
    std::error_code ec;
    std::filesystem::rename(part, incoming / name, ec);
    if (ec) {
      out.reject(KQ_ERROR_INTERNAL, "", "cannot move the downloaded roster into " + incoming.string() + ": " +
                                            ec.message());
      return;
    }
    out.nothing_to_do("downloaded " + std::to_string(got.body.size()) + " bytes as incoming/" + name +
                      " for the roster sync");
  }

  std::string charset_;
  std::string folder_;
};

constexpr kangqiao::PluginInfo kInfo{.name = "student_registry", .version = "1.1.0",
                                     .description = "Nightly student roster (学籍) from a drop folder, synced in "
                                                    "chunks with change detection.",
                                     .fields = kFields, .requires_minor = 5};

}  // namespace

KQ_DEFINE_PLUGIN(kInfo, StudentRegistry)
