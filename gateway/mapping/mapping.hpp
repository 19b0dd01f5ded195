#pragma once
// The declarative mapping engine (the language is in
// docs/mapping-language.md).
//
// A mapping file is compiled once into a plan: source paths compiled by their format, regexes,
// date patterns and value sets prepared, every target path checked against the canonical model.
// Every problem is reported together, with file:line:col. Applying the plan to a parsed document
// touches no YAML: it selects, transforms and writes canonical records, which core then validates.
// Errors come back in the sender's terms ("PID-19: … check digit is X, expected 3") together with
// the canonical field they were meant for.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/source_location.hpp"
#include "gateway/core/dates.hpp"
#include "gateway/core/model_governance.hpp"
#include "gateway/core/record.hpp"
#include "gateway/formats/source.hpp"

namespace kq::mapping {

namespace detail {
struct Plan;
}

class Coverage;
class ValueSetCatalog;

// Finds a source format by name. The gateway passes formats::find_format; tests pass their own.
using FormatLookup = std::function<const formats::Format*(std::string_view name)>;

struct CompileOptions {
  FormatLookup formats;  // required
  // Where value sets are looked up. Empty: the nearest `codes/` folder at or above the mapping
  // file's folder (for mappings/his/adt_a01.yaml that is mappings/codes/).
  std::filesystem::path codes_dir;
  // Shared by the mappings of one folder so each value set is read once; created when null.
  std::shared_ptr<ValueSetCatalog> value_sets;
  // compile_mapping_from_string: the folder that `include:` paths and the codes search start
  // from. Empty: the current directory.
  std::filesystem::path base_dir;
};

// One problem found while applying a mapping.
struct MapError {
  std::string record;    // the record rule ("patient"); empty for a problem with the whole document
  std::string target;    // canonical field path in that record ("identifiers[0].value"); may be empty
  std::string location;  // where in the source ("PID-19", "row 3, column 身份证号"); may be empty
  std::string message;
  core::ErrorKind kind = core::ErrorKind::unspecified;
  // "PID-19: 11010519491231002X: check digit is X, expected 3 (patient.identifiers[0].value) [data-type]"
  std::string str() const;
};

struct MappedRecord {
  // Validated by core; body normalised. `envelope.cleared` lists the fields the sender nulled.
  core::RecordEnvelope envelope;
  std::string rule;               // the record rule that produced it
  // Which source value produced which field: provenance in the sender's terms.
  std::vector<core::FieldLineage> lineage;
};

struct MapResult {
  std::string mapping;  // name of the mapping that produced this result
  std::string version;
  std::vector<MappedRecord> records;  // records that passed validation, in rule order
  std::vector<MapError> errors;       // every problem; a record with errors is not in `records`
  bool ok() const { return errors.empty(); }
};

// A value that the channel applying a mapping gives it, read in the mapping as $name: how one
// sender writes something that senders write differently (name_order: pinyin_hanzi). A mapping
// declares the variables it reads under `variables:`; the gateway's configuration sets them per
// adapter (mapping_variables), a test file with `variables:`, `kangqiao map` with --var.
struct MappingVariable {
  std::string name;
  std::optional<std::string> default_value;  // when the channel gives none; none: $name has no value
  std::vector<std::string> one_of;           // the values it may take; empty: any
  std::string description;
  config::SourceLocation where;
  // Empty when `value` may be given; otherwise why not ("'x' is not one of xpn, pinyin_hanzi").
  std::string check(std::string_view value) const;
};

// Variable name → value. Shared, not copied, by the ApplyOptions of every message of a channel.
using MappingVariables = std::map<std::string, std::string, std::less<>>;

struct ApplyOptions {
  std::string sender_org;                 // $sender_org: the org id the channel's sender is mapped to
  std::optional<core::DateTime> received_at;  // $received_at: when the gateway received the message
  // The channel's values of mapping variables. Names the mapping does not declare are ignored
  // (one channel's variables serve every mapping it applies); a value outside a variable's
  // one_of is an error of the document.
  std::shared_ptr<const MappingVariables> variables;
  std::optional<core::PartialDate> today;  // for not_future and core validation; default: today, UTC+8
  bool lineage = true;                     // fill MappedRecord::lineage
  Coverage* coverage = nullptr;            // mapping tests: which rules and codes were used
};

struct MatchResult {
  bool matched = false;
  std::string reason;  // when not matched: "MSH-9.2 is 'A03', expected one of A01, A04, A08"
};

// A compiled mapping. Immutable and shareable between threads.
class CompiledMapping {
 public:
  explicit CompiledMapping(std::unique_ptr<detail::Plan> plan);
  ~CompiledMapping();
  CompiledMapping(const CompiledMapping&) = delete;
  CompiledMapping& operator=(const CompiledMapping&) = delete;

  const std::string& name() const;
  const std::string& version() const;
  const std::string& description() const;
  const std::string& file() const;
  const formats::Format& format() const;
  // How documents for this mapping are parsed: charset, CSV delimiter and header, XLSX sheet,
  // fixed-width layout. Mappings with equal options can share one parse of a payload.
  const formats::ParseOptions& parse_options() const;
  // Whether `source.match` holds for the document (true when the mapping has no match).
  MatchResult matches(const formats::Document& document) const;
  // The variables the mapping (with its fragments) declares, and one of them by name (nullptr:
  // not declared).
  const std::vector<MappingVariable>& variables() const;
  const MappingVariable* variable(std::string_view name) const;

  const detail::Plan& plan() const { return *plan_; }

 private:
  std::unique_ptr<detail::Plan> plan_;
};

// Compile a mapping file. Throw config::ConfigErrors listing every problem.
std::shared_ptr<const CompiledMapping> compile_mapping(const std::filesystem::path& file, const CompileOptions& options);
std::shared_ptr<const CompiledMapping> compile_mapping_from_string(std::string_view text, const std::string& name,
                                                                   const CompileOptions& options);
// The same, collecting the errors instead of throwing; nullptr when there is any.
std::shared_ptr<const CompiledMapping> compile_mapping(const std::filesystem::path& file, const CompileOptions& options,
                                                       std::vector<config::ConfigError>& errors);

// With the formats built into the gateway (formats::find_format). Defined apart so that code
// that passes its own formats does not need every format linked in.
std::shared_ptr<const CompiledMapping> compile_mapping(const std::filesystem::path& file);
std::shared_ptr<const CompiledMapping> compile_mapping_from_string(std::string_view text, const std::string& name);
FormatLookup builtin_formats();

// Applies a compiled mapping to a parsed document. Does not check source.match (see matches()).
MapResult apply(const CompiledMapping& mapping, const formats::Document& document, const ApplyOptions& options = {});

// Parses `bytes` with the mapping's parse options (charset overridden when `charset` is not
// empty) and applies the mapping. A parse error comes back as a MapError at its location.
MapResult map_payload(const CompiledMapping& mapping, std::string_view bytes, const ApplyOptions& options = {},
                      std::string_view charset = {});

}  // namespace kq::mapping
