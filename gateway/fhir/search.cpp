// parse_search: the query string of a FHIR search → SearchRequest, or the first error.
#include "gateway/fhir/search.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>

#include "gateway/fhir/elements.hpp"

namespace kq::fhir {

namespace {

constexpr std::array<std::string_view, 5> kResourceTypes = {"Patient", "Observation", "Encounter", "Condition",
                                                            "Consent"};

constexpr std::array<SearchParamInfo, 4> kParams = {{
    {"_lastUpdated", "date", AppliesTo::every_type,
     "When the version was written at the gateway. Prefixes eq, ge, gt, le, lt; repeat for a range."},
    {"identifier", "token", AppliesTo::patient, "system|value, |value or value."},
    {"patient", "reference", AppliesTo::not_patient, "Patient/<id> or <id>."},
    {"_count", "number", AppliesTo::every_type, "Entries per page, 1 to 1000 (default 100)."},
}};

SearchError error(std::string param, std::string message, std::string issue = "invalid") {
  return {std::move(param), std::move(message), std::move(issue)};
}

// FHIR search escaping: '\' makes the next ',', '|', '$' or '\' literal. An unescaped ',' would
// mean OR, which this server does not support.
struct TokenParts {
  std::optional<std::string> system;
  std::string value;
};
std::optional<TokenParts> split_token(std::string_view text, std::string& why) {
  TokenParts out;
  std::string current;
  bool has_bar = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      current += text[++i];
    } else if (c == ',') {
      why = "lists of values (OR) are not supported; send one value";
      return std::nullopt;
    } else if (c == '|' && !has_bar) {
      has_bar = true;
      out.system = std::move(current);
      current.clear();
    } else {
      current += c;
    }
  }
  out.value = std::move(current);
  return out;
}

std::optional<int> parse_count(std::string_view text) {
  int n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

class QueryParser {
 public:
  explicit QueryParser(std::string_view resource_type) { request_.resource_type = resource_type; }

  std::optional<SearchError> add(const std::string& name, const std::string& value) {
    if (name.empty()) return error(name, "a parameter without a name");
    const SearchParamInfo* info = nullptr;
    for (const SearchParamInfo& p : kParams) {
      if (p.name == name) info = &p;
    }
    const bool paging = name == "_cursor" || name == "_format";
    if ((!info && !paging) || (info && !applies(*info, request_.resource_type))) {
      return error(name, "unknown or unsupported search parameter for " + request_.resource_type + " (supported: " +
                             supported() + ")",
                   "not-supported");
    }
    if (value.empty()) return error(name, "has no value");
    if (name != "_lastUpdated") {
      if (std::find(seen_.begin(), seen_.end(), name) != seen_.end()) return error(name, "is given more than once");
      seen_.push_back(name);
    }
    if (name == "_lastUpdated") {
      if (auto why = apply_last_updated(request_, value)) return error(name, *why);
    } else if (name == "identifier") {
      std::string why;
      std::optional<TokenParts> token = split_token(value, why);
      if (!token) return error(name, why, "not-supported");
      if (token->value.empty()) return error(name, "a system without a value is not supported", "not-supported");
      request_.identifier = IdentifierToken{std::move(token->system), std::move(token->value)};
    } else if (name == "patient") {
      std::string_view id = value;
      if (id.starts_with("Patient/")) id.remove_prefix(8);
      if (!element::is_fhir_id(id)) {
        return error(name, "expected Patient/<id> or <id>, where id is 1 to 64 of A-Z, a-z, 0-9, '-' and '.'");
      }
      request_.patient_id = std::string(id);
    } else if (name == "_count") {
      const std::optional<int> n = parse_count(value);
      if (!n || *n < 1 || *n > kMaxCount) {
        return error(name, "expected a whole number from 1 to " + std::to_string(kMaxCount));
      }
      request_.count = *n;
    } else if (name == "_cursor") {
      request_.cursor = value;
    } else if (value != "json" && value != "application/json" && value != "application/fhir+json") {
      return error(name, "only JSON is served (json, application/json, application/fhir+json)", "not-supported");
    }
    return std::nullopt;
  }

  SearchRequest take() { return std::move(request_); }

 private:
  std::string supported() const {
    std::string out;
    for (const SearchParamInfo& p : kParams) {
      if (applies(p, request_.resource_type)) out += std::string(p.name) + ", ";
    }
    return out + "_cursor, _format";
  }

  SearchRequest request_;
  std::vector<std::string> seen_;
};

}  // namespace

// RFC 3986 query characters, '%' included. Clients and hand-written URLs often send '|' (FHIR's
// own examples do), '\' or raw UTF-8 unencoded; Boost.URL rightly refuses those, so they are
// encoded here first. A '%' not followed by two hex digits is still an error.
std::string encode_stray_characters(std::string_view raw) {
  static constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/?%";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x80 && std::isalnum(u) != 0) || kAllowed.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}


std::span<const std::string_view> served_resource_types() { return kResourceTypes; }
std::span<const SearchParamInfo> search_param_table() { return kParams; }

bool applies(const SearchParamInfo& param, std::string_view resource_type) {
  switch (param.applies_to) {
    case AppliesTo::every_type: return true;
    case AppliesTo::patient: return resource_type == "Patient";
    case AppliesTo::not_patient: return resource_type != "Patient";
  }
  return false;
}

SearchParse parse_search(std::string_view resource_type, std::string_view raw_query) {
  if (std::find(kResourceTypes.begin(), kResourceTypes.end(), resource_type) == kResourceTypes.end()) {
    return {std::nullopt, error("", "resource type '" + std::string(resource_type) + "' is not served", "not-found")};
  }
  QueryParser parser(resource_type);
  if (!raw_query.empty()) {
    const std::string query = encode_stray_characters(raw_query);
    const auto params = boost::urls::parse_query(query);
    if (!params) return {std::nullopt, error("", "the query string is not valid percent-encoding")};
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;  // HTML forms and many clients write a space as '+'
    for (const auto& p : *params) {
      const std::string name = p.key.decode(opts);
      if (name.empty() && !p.has_value) continue;  // "a=1&&b=2": an empty pair is no parameter
      if (auto e = parser.add(name, p.has_value ? p.value.decode(opts) : std::string())) return {std::nullopt, *e};
    }
  }
  return {parser.take(), std::nullopt};
}

}  // namespace kq::fhir
