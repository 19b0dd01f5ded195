#pragma once
// The envelopes of FHIR replies: a searchset Bundle for a page of search results, and an
// OperationOutcome for an error.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "gateway/fhir/search.hpp"

namespace kq::fhir {

struct SearchPage {
  std::vector<boost::json::object> resources;  // from to_fhir, in page order
  std::string base_url;                        // "https://gw.example:8443/fhir", no trailing '/'
  std::string self_url;                        // the request as the server understood it
  std::optional<std::string> next_url;         // set when there is another page
};

// Bundle type searchset: entry[].fullUrl = base_url/<type>/<id>, resource, search.mode match;
// link self and (when given) next. No `total`: records the consent decision filtered out are
// not counted, and a count of everything would reveal that they exist.
boost::json::object searchset_bundle(SearchPage page);

// severity: fatal | error | warning | information; code: an IssueType code ("invalid",
// "not-found", "not-supported", "forbidden", "exception", …). `expression` names the element
// or search parameter at fault, when there is one.
boost::json::object operation_outcome(std::string_view severity, std::string_view code, std::string_view diagnostics,
                                      std::optional<std::string_view> expression = std::nullopt);

// The OperationOutcome for a rejected search (HTTP 400, or 404 for an unknown resource type).
boost::json::object operation_outcome(const SearchError& error);

}  // namespace kq::fhir
