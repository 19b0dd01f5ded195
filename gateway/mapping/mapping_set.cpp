#include "gateway/mapping/mapping_set.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "gateway/mapping/value_set.hpp"

namespace kq::mapping {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool same_options(const formats::ParseOptions& a, const formats::ParseOptions& b) {
  if (a.charset != b.charset || a.csv_delimiter != b.csv_delimiter || a.has_header != b.has_header ||
      a.sheet != b.sheet || a.record_length != b.record_length || a.fixed_fields.size() != b.fixed_fields.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.fixed_fields.size(); ++i) {
    const auto& x = a.fixed_fields[i];
    const auto& y = b.fixed_fields[i];
    if (x.name != y.name || x.offset != y.offset || x.length != y.length || x.type != y.type) return false;
  }
  return true;
}

}  // namespace

MappingSet::MappingSet(fs::path dir, std::vector<std::shared_ptr<const CompiledMapping>> mappings,
                       std::shared_ptr<ValueSetCatalog> value_sets)
    : dir_(std::move(dir)), mappings_(std::move(mappings)), value_sets_(std::move(value_sets)) {
  std::sort(mappings_.begin(), mappings_.end(), [](const auto& a, const auto& b) { return a->name() < b->name(); });
  for (const auto& m : mappings_) {
    relative_files_.push_back(fs::path(m->file()).lexically_relative(dir_).generic_string());
  }
}

const CompiledMapping* MappingSet::find(std::string_view name) const {
  for (const auto& m : mappings_) {
    if (m->name() == name) return m.get();
  }
  return nullptr;
}

std::vector<const CompiledMapping*> MappingSet::select(std::string_view format, const formats::Document& document) const {
  std::vector<const CompiledMapping*> out;
  for (const auto& m : mappings_) {
    if (m->format().name() == format && m->matches(document).matched) out.push_back(m.get());
  }
  return out;
}

std::vector<MapResult> MappingSet::map(std::string_view format, std::string_view bytes, const ApplyOptions& options,
                                       std::string_view charset) const {
  MapInput input;
  input.format = format;
  input.bytes = bytes;
  input.charset = charset;
  return map(input, options, nullptr);
}

std::vector<MapResult> MappingSet::map(const MapInput& input, const ApplyOptions& options,
                                       const MappingBinding* binding) const {
  std::vector<MapResult> results;
  std::string reasons;
  std::vector<std::string> unbound;  // mappings that would apply but the adapter may not use
  // When no mapping applies, that is an unsupported document, unless the payload parsed for none
  // of them: then it is what the first parse error says (malformed, bad bytes, too long).
  bool any_parsed = false;
  std::optional<core::ErrorKind> parse_kind;
  // Mappings that parse alike share one parse of the payload; the adapter's own parse counts.
  std::vector<std::pair<formats::ParseOptions, std::unique_ptr<formats::Document>>> parsed;
  for (std::size_t index = 0; index < mappings_.size(); ++index) {
    const auto& m = mappings_[index];
    if (m->format().name() != input.format) continue;
    const bool bound = binding == nullptr || binds(*binding, index);
    formats::ParseOptions po = m->parse_options();
    if (!input.charset.empty()) po.charset = std::string(input.charset);
    const formats::Document* document = nullptr;
    if (input.parsed != nullptr && input.parsed_with != nullptr && same_options(*input.parsed_with, po)) {
      document = input.parsed;
    }
    for (const auto& [o, d] : parsed) {
      if (document == nullptr && same_options(o, po)) document = d.get();
    }
    if (!document) {
      formats::ParseError error;
      auto doc = m->format().parse(input.bytes, po, error);
      if (!doc) {
        reasons += (reasons.empty() ? "" : "; ") + m->name() + ": " + error.location + ": " + error.message;
        if (!parse_kind) parse_kind = error.kind;
        parsed.emplace_back(po, nullptr);
        continue;
      }
      document = doc.get();
      parsed.emplace_back(po, std::move(doc));
    }
    any_parsed = true;
    const MatchResult match = m->matches(*document);
    if (!match.matched) {
      if (bound) reasons += (reasons.empty() ? "" : "; ") + m->name() + ": " + match.reason;
      continue;
    }
    if (!bound) {
      unbound.push_back(m->name());
      continue;
    }
    results.push_back(apply(*m, *document, options));
  }
  if (results.empty()) {
    MapResult none;
    std::string message;
    if (!unbound.empty()) {
      std::string names;
      for (const auto& n : unbound) names += (names.empty() ? "'" : ", '") + n + "'";
      std::string allowed;
      for (const auto& e : binding->entries) allowed += (allowed.empty() ? "" : ", ") + e;
      message = "no mapping of adapter '" + std::string(binding->adapter) + "' applies to this " + std::string(input.format) +
                " document; " + names + " would, but " + (unbound.size() > 1 ? "they are" : "it is") +
                " not among the adapter's mappings (" + (allowed.empty() ? "none" : allowed) + ")";
    } else if (reasons.empty()) {
      message = "no mapping is configured for format '" + std::string(input.format) + "'";
    } else {
      message = "no mapping applies (" + reasons + ")";
    }
    const bool unparsable = !any_parsed && parse_kind && unbound.empty();
    none.errors.push_back({"", "", "", std::move(message), unparsable ? *parse_kind : core::ErrorKind::unsupported});
    results.push_back(std::move(none));
  }
  return results;
}

bool MappingSet::binds(const MappingBinding& binding, std::size_t index) const {
  const std::string& relative = relative_files_[index];
  for (const std::string& entry : binding.entries) {
    if (entry == mappings_[index]->name()) return true;
    if (!entry.empty() && entry.back() == '/' && relative.compare(0, entry.size(), entry) == 0) return true;
  }
  return false;
}

bool MappingSet::binds(const MappingBinding& binding, const CompiledMapping& mapping) const {
  for (std::size_t i = 0; i < mappings_.size(); ++i) {
    if (mappings_[i].get() == &mapping) return binds(binding, i);
  }
  return false;
}

std::vector<std::string> MappingSet::unknown_entries(const MappingBinding& binding) const {
  std::vector<std::string> unknown;
  for (const std::string& entry : binding.entries) {
    const MappingBinding one{binding.adapter, std::span<const std::string>(&entry, 1)};
    bool any = false;
    for (std::size_t i = 0; i < mappings_.size() && !any; ++i) any = binds(one, i);
    if (!any) unknown.push_back(entry);
  }
  return unknown;
}

std::vector<std::string> MappingSet::check_variables(const MappingVariables& variables) const {
  std::vector<std::string> problems;
  for (const auto& [name, value] : variables) {
    bool declared = false;
    for (const auto& mapping : mappings_) {
      const MappingVariable* variable = mapping->variable(name);
      if (!variable) continue;
      declared = true;
      if (std::string why = variable->check(value); !why.empty()) {
        problems.push_back(name + ": " + why + " (mapping " + mapping->name() + ")");
        break;
      }
    }
    if (declared) continue;
    std::set<std::string> known;
    for (const auto& mapping : mappings_) {
      for (const MappingVariable& v : mapping->variables()) known.insert(v.name);
    }
    std::string names;
    for (const std::string& n : known) names += (names.empty() ? "" : ", ") + n;
    problems.push_back(name + ": no mapping declares this variable" +
                       (names.empty() ? std::string(" (none declares any)") : " (declared: " + names + ")"));
  }
  return problems;
}

std::vector<fs::path> mapping_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec)) {
      if (name == "fragments" || (name == "codes" && it.depth() == 0)) it.disable_recursion_pending();
      continue;
    }
    if (!ends_with(name, ".yaml") || ends_with(name, ".test.yaml")) continue;
    out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::shared_ptr<const MappingSet> load_mapping_dir(const fs::path& dir, const FormatLookup& formats,
                                                   std::vector<config::ConfigError>& errors) {
  const std::size_t before = errors.size();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    errors.push_back({{dir.string(), 0, 0}, "the mappings folder does not exist"});
    return nullptr;
  }
  auto catalog = std::make_shared<ValueSetCatalog>(dir / "codes");
  catalog->load_all(errors);
  CompileOptions options;
  options.formats = formats;
  options.value_sets = catalog;
  std::vector<std::shared_ptr<const CompiledMapping>> mappings;
  std::map<std::string, std::string> names;  // mapping name → file
  for (const fs::path& file : mapping_files(dir)) {
    auto mapping = compile_mapping(file, options, errors);
    if (!mapping) continue;
    auto [it, fresh] = names.emplace(mapping->name(), file.string());
    if (!fresh) {
      errors.push_back({{file.string(), 0, 0}, "mapping '" + mapping->name() + "' is also defined in " + it->second});
      continue;
    }
    mappings.push_back(std::move(mapping));
  }
  if (errors.size() != before) return nullptr;
  return std::make_shared<const MappingSet>(dir, std::move(mappings), std::move(catalog));
}

std::shared_ptr<const MappingSet> load_mapping_dir(const fs::path& dir, const FormatLookup& formats) {
  std::vector<config::ConfigError> errors;
  auto set = load_mapping_dir(dir, formats, errors);
  if (!set) throw config::ConfigErrors(std::move(errors));
  return set;
}

std::shared_ptr<const MappingSet> MappingRegistry::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

void MappingRegistry::set(std::shared_ptr<const MappingSet> set) {
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = std::move(set);
}

bool MappingRegistry::reload(const fs::path& dir, const FormatLookup& formats, std::vector<config::ConfigError>& errors) {
  auto fresh = load_mapping_dir(dir, formats, errors);  // compiled outside the lock: readers go on
  if (!fresh) return false;
  set(std::move(fresh));
  return true;
}

}  // namespace kq::mapping
