#pragma once
// The mappings of a folder, compiled together, and the choice of mapping for an inbound document.
//
// Layout of a mapping folder (docs/mapping-language.md, "Files"):
//   <dir>/**/<name>.yaml        a mapping
//   <dir>/**/<name>.test.yaml   its tests (not a mapping)
//   <dir>/codes/*.yaml          value sets, shared by every mapping of the folder
//   <dir>/**/fragments/*.yaml   fragments, used only through `include:`
// Hidden files and folders (starting with '.') are ignored.
//
// A set is immutable. Reloading (SIGHUP) compiles a new set; MappingRegistry swaps it in only when
// it compiled without errors, so a broken edit never replaces working mappings.
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/source_location.hpp"
#include "gateway/mapping/mapping.hpp"

namespace kq::mapping {

// One document to map, as an adapter handed it on.
struct MapInput {
  std::string_view format;
  std::string_view bytes;
  std::string_view charset;  // what the channel says the bytes are in; empty: each mapping's own
  // The host's parse of `bytes`, when the adapter had it parsed: used by every mapping whose
  // parse options equal `parsed_with`, so the payload is not parsed again.
  const formats::Document* parsed = nullptr;
  const formats::ParseOptions* parsed_with = nullptr;
};

// The mappings an adapter may apply (its `mappings:` setting): mapping names, or folders of the
// mapping directory written with a trailing '/', like "his/". An empty list binds nothing.
// Views: the adapter's settings outlive every message mapped with them.
struct MappingBinding {
  std::string_view adapter;  // for the messages: "not bound to adapter 'x'"
  std::span<const std::string> entries;
};

class MappingSet {
 public:
  MappingSet(std::filesystem::path dir, std::vector<std::shared_ptr<const CompiledMapping>> mappings,
             std::shared_ptr<ValueSetCatalog> value_sets);

  const std::filesystem::path& dir() const { return dir_; }
  const std::vector<std::shared_ptr<const CompiledMapping>>& mappings() const { return mappings_; }
  const CompiledMapping* find(std::string_view name) const;

  // The mappings for documents of `format` whose source.match holds for `document`, in name order.
  std::vector<const CompiledMapping*> select(std::string_view format, const formats::Document& document) const;

  // Parses `bytes` (once per distinct parse options among the mappings of `format`) and applies
  // every mapping whose source.match holds; one result per mapping applied. When none applies,
  // one result with an error that gives each candidate's reason ("adt: MSH-9.2 is 'A03', …").
  std::vector<MapResult> map(std::string_view format, std::string_view bytes, const ApplyOptions& options = {},
                             std::string_view charset = {}) const;
  // The same for a document an adapter handed on, with only the mappings `binding` allows (all
  // when it is nullptr). A document that only unbound mappings would take is refused with an
  // error that names them and the binding.
  std::vector<MapResult> map(const MapInput& input, const ApplyOptions& options,
                             const MappingBinding* binding) const;

  // Whether `binding` allows `mapping`; and the entries of `binding` that name no mapping or folder
  // of this set (for a config check).
  bool binds(const MappingBinding& binding, const CompiledMapping& mapping) const;
  bool binds(const MappingBinding& binding, std::size_t mapping_index) const;
  std::vector<std::string> unknown_entries(const MappingBinding& binding) const;

  // What is wrong with a channel's mapping variables (an adapter's mapping_variables), one
  // message per problem: a name that no mapping of the set declares ("name_ordr: no mapping
  // declares this variable (declared: name_order)"), a value a mapping that declares it does not
  // take. For the configuration check, so that a typo stops start-up instead of every message.
  std::vector<std::string> check_variables(const MappingVariables& variables) const;

 private:
  std::filesystem::path dir_;
  std::vector<std::shared_ptr<const CompiledMapping>> mappings_;
  std::vector<std::string> relative_files_;  // of mappings_[i], relative to dir_, with '/'
  std::shared_ptr<ValueSetCatalog> value_sets_;
};

// The mapping files of a folder, following the layout above, sorted.
std::vector<std::filesystem::path> mapping_files(const std::filesystem::path& dir);

// Compiles every mapping of `dir` (and every value set of dir/codes, so a broken table is found
// even before a mapping uses it). Throws config::ConfigErrors with every problem of every file.
std::shared_ptr<const MappingSet> load_mapping_dir(const std::filesystem::path& dir, const FormatLookup& formats);
// The same, collecting errors; nullptr when there is any.
std::shared_ptr<const MappingSet> load_mapping_dir(const std::filesystem::path& dir, const FormatLookup& formats,
                                                   std::vector<config::ConfigError>& errors);
// With the formats built into the gateway (builtin_formats.cpp).
std::shared_ptr<const MappingSet> load_mapping_dir(const std::filesystem::path& dir);

// The set in force, replaced as a whole on reload. Readers take a shared_ptr and keep using it
// for the message in hand even while a reload swaps in a new set.
class MappingRegistry {
 public:
  std::shared_ptr<const MappingSet> current() const;
  // Compiles `dir` again. On success the new set replaces the current one and true is returned;
  // on failure the current set stays and `errors` says why.
  bool reload(const std::filesystem::path& dir, const FormatLookup& formats, std::vector<config::ConfigError>& errors);
  void set(std::shared_ptr<const MappingSet> set);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const MappingSet> current_;
};

}  // namespace kq::mapping
