#pragma once
// FHIR search requests of the pull API, parsed strictly: a parameter the server does not
// support is an error naming it (as FHIR servers answer under `Prefer: handling=strict`),
// because silently ignoring a filter would give a client more records than it asked for.
//
// Supported (docs/fhir.md):
//   _lastUpdated   every type; prefixes eq (default), ge, gt, le, lt; a date, or a dateTime to
//                  the minute, second or fraction; repeated to form a range (ge…&lt…)
//   identifier     Patient; "system|value", "|value" (no system) or "value" (any system)
//   patient        the other types; "Patient/<id>" or "<id>"
//   _count         1 … 1000, default 100
//   _cursor        the opaque page token of a Bundle's next link
//   _format        json only (json, application/json, application/fhir+json)
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "gateway/core/parsed.hpp"

namespace kq::fhir {

// The resource types the pull API serves, in CapabilityStatement order.
std::span<const std::string_view> served_resource_types();

enum class AppliesTo { every_type, patient, not_patient };

struct SearchParamInfo {
  std::string_view name;
  std::string_view type;  // FHIR search parameter type: date | token | reference | number
  AppliesTo applies_to;
  std::string_view documentation;
};
// Every search parameter above except _cursor and _format (which steer paging and format
// rather than select records).
std::span<const SearchParamInfo> search_param_table();
bool applies(const SearchParamInfo& param, std::string_view resource_type);

inline constexpr int kDefaultCount = 100;
inline constexpr int kMaxCount = 1000;

struct IdentifierToken {
  std::optional<std::string> system;  // nothing: any system; "": identifiers without a system
  std::string value;
  bool operator==(const IdentifierToken&) const = default;
};

struct SearchRequest {
  std::string resource_type;
  // _lastUpdated as a half-open range of written_at_ms: from <= t < until. Unset: unbounded.
  // from >= until means no record can match (a contradictory range is not an error in FHIR).
  std::optional<std::int64_t> updated_from_ms;
  std::optional<std::int64_t> updated_until_ms;
  std::optional<IdentifierToken> identifier;  // Patient only
  std::optional<std::string> patient_id;      // a person id, for the other types
  int count = kDefaultCount;
  std::optional<std::string> cursor;
  bool operator==(const SearchRequest&) const = default;
};

struct SearchError {
  std::string param;    // the parameter as the client wrote it (decoded), "" for the whole query
  std::string message;  // for OperationOutcome.diagnostics; does not echo identifier values
  // OperationOutcome issue code: "not-supported" for an unknown parameter, prefix or modifier,
  // "invalid" for a malformed value, "not-found" for an unknown resource type.
  std::string issue_code;
  bool operator==(const SearchError&) const = default;
};

struct SearchParse {
  std::optional<SearchRequest> request;  // set when there is no error
  std::optional<SearchError> error;
};

// `raw_query` is the query string as it arrived, without '?', still percent-encoded
// ("identifier=urn%3Aoid%3A2.16.156.10011.1.3%7C110105…&_count=50"); '+' is a space.
SearchParse parse_search(std::string_view resource_type, std::string_view raw_query);

// The query string with what RFC 3986 does not allow there percent-encoded ('|', '\\', spaces,
// raw UTF-8), as clients and FHIR's own examples send it; '%' sequences are kept as they are.
std::string encode_stray_characters(std::string_view raw);

// The URL of a search as the server understood it: "<base_url>/<type>?…" with every parameter
// of `request` in one canonical, percent-encoded form (_lastUpdated as ge/lt instants in UTC
// with milliseconds), plus `_cursor` when given. For Bundle.link self and next: parsing the URL
// again gives back the same request, so a next link repeats exactly the filters of the search.
std::string search_url(std::string_view base_url, const SearchRequest& request,
                       const std::optional<std::string>& cursor);

// One _lastUpdated value ("ge2024-03-05", "lt2024-03-05T08:30:00Z") applied to `request`, for
// tests and for callers that hold decoded values. The error names the reason.
std::optional<std::string> apply_last_updated(SearchRequest& request, std::string_view value);

// The instants a FHIR date or dateTime denotes, as [first, last + 1 ms). A date means its whole
// day(s) in +08:00; a dateTime without a zone is +08:00 too.
struct InstantRange {
  std::int64_t from_ms = 0;
  std::int64_t until_ms = 0;
};
core::Parsed<InstantRange> parse_fhir_date_range(std::string_view text);

}  // namespace kq::fhir
