// student_registry: the nightly roster of the student registry (学籍, e.g. Beijing's CMIS),
// written as a CSV file into a drop folder (docs/adapters/student_registry.md).
//
// The sync itself is the host's (plugin ABI 1.4 add_roster_drop): it reads the file in chunks of
// whole rows, maps each row, compares each student with what the registry listed before, writes
// only the changes with the run's progress, and writes the sync report beside the file. What the
// adapter decides: the folder, the principal (the registry's organisation) the files speak for,
// the chunk size, and the charset the registry exports in — Excel on Chinese Windows writes
// GB 18030, a newer export UTF-8.
#include <kangqiao/json.hpp>
#include <kangqiao/plugin.hpp>

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
        .describe("The character set of the roster files (GB18030 or UTF-8; a UTF-8 byte-order mark is "
                  "always recognised)."),
};

class StudentRegistry final : public kangqiao::Adapter {
 public:
  StudentRegistry(const kangqiao::Host& host, const kangqiao::Config& config)
      : charset_(config.string("charset").value_or("GB18030")) {
    const std::string folder = config.string("drop_directory").value_or("");
    const std::string principal = config.string("drop_principal").value_or("");
    if (folder.empty()) throw kangqiao::PluginError("drop_directory is required");
    if (principal.empty()) throw kangqiao::PluginError("drop_principal is required: the registry the rosters are from");
    host.add_roster_drop("roster", folder, config.integer("drop_settle").value_or(5000), principal,
                         config.integer("rows_per_chunk").value_or(5000));
  }

  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) override {
    if (in.organisation().empty()) {
      out.reject(KQ_ERROR_NOT_PERMITTED, "", "the roster drop speaks for no organisation (drop_principal)");
      return;
    }
    // A chunk: the header row and some rows. The host maps them row by row.
    out.emit("csv", in.payload(), charset_);
  }

  void acknowledge(const kangqiao::Inbound&, const kangqiao::Outcome& outcome, kangqiao::AckSink& out) override {
    // Chunks are acknowledged to the host's drop, whose receipt is the sync report.
    out.content_type("application/json");
    out.write(kangqiao::json::Object().add("message_id", outcome.message_id()).str());
  }

 private:
  std::string charset_;
};

constexpr kangqiao::PluginInfo kInfo{.name = "student_registry", .version = "1.0.0",
                                     .description = "Nightly student roster (学籍) from a drop folder, synced in "
                                                    "chunks with change detection.",
                                     .fields = kFields, .requires_minor = 4};

}  // namespace

KQ_DEFINE_PLUGIN(kInfo, StudentRegistry)
