// his: hospital HIS systems push to the gateway over one of two transports (config `transport`),
// each served by its own class:
//  - mllp (his_mllp.*): HL7 v2 ADT and ORU messages, answered with an ACK after the host's commit;
//  - https (his_https.*): CDA-style XML documents and JSON visit records POSTed over mutual TLS,
//    answered 201 after commit or with problem JSON.
// The plugin is built against the SDK only: the gateway parses the payloads (once) and maps them
// with the mappings bound to the adapter (mappings/his/ by default).
#include <kangqiao/plugin.hpp>

#include "his_https.hpp"
#include "his_mllp.hpp"

namespace {

using kangqiao::Field;

constexpr const char* kCharsets[] = {"", "UTF-8", "GB18030", "GBK", nullptr};
constexpr const char* kTransports[] = {"mllp", "https", nullptr};

constexpr kq_field_spec kFields[] = {
    Field::enumeration("transport", kTransports)
        .defaults("mllp")
        .describe("mllp: HL7 v2 frames on an MLLP listener; https: POST routes for XML documents and JSON "
                  "records on an HTTP(S) listener (use one with mutual TLS)."),
    Field::string("documents_path")
        .defaults("/v1/his/documents")
        .describe("https: URL path of the POST route for CDA-style XML documents."),
    Field::string("records_path")
        .defaults("/v1/his/records")
        .describe("https: URL path of the POST route for JSON visit records."),
    Field::enumeration("charset", kCharsets)
        .defaults("")
        .describe("mllp: character set for senders that leave MSH-18 empty (GB18030 for many Chinese HIS); "
                  "empty: what MSH-18 says, else UTF-8."),
    Field::string_list("message_types")
        .describe("mllp: accepted MSH-9 types as TYPE^EVENT; default ADT^A01, A03, A04, A08, A40 and ORU^R01."),
    Field::string("application").defaults("KANGQIAO").describe("mllp: MSH-3 of the acknowledgements."),
    Field::string("facility").defaults("").describe("mllp: MSH-4 of the acknowledgements."),
    Field::integer("max_err_segments")
        .defaults("50")
        .range(1, 1000)
        .describe("mllp: ERR segments in one acknowledgement at most; the last one says how many more "
                  "errors the stored message has."),
    Field::integer("max_control_id_length")
        .defaults("199")
        .range(1, 999)
        .describe("mllp: longest message control id (MSH-10) accepted, in characters (HL7 v2.7 allows 199)."),
};

constexpr kangqiao::PluginInfo kInfo{
    .name = "his",
    .version = "0.3.0",
    .description = "Hospital HIS: HL7 v2 over MLLP, or CDA XML and JSON over HTTPS; answered after commit.",
    .fields = kFields,
    // It parses through the host (1.2) and cannot do without it.
    .requires_minor = 2,
    .variant_field = "transport",
};

}  // namespace

KQ_DEFINE_PLUGIN(kInfo, his::HisMllp, his::HisHttps)
