#include "gateway/fhir/bundle.hpp"

#include <boost/json/array.hpp>

namespace kq::fhir {

namespace json = boost::json;

json::object searchset_bundle(SearchPage page) {
  json::array links{json::object{{"relation", "self"}, {"url", std::move(page.self_url)}}};
  if (page.next_url) links.push_back(json::object{{"relation", "next"}, {"url", std::move(*page.next_url)}});
  json::array entries;
  entries.reserve(page.resources.size());
  for (json::object& resource : page.resources) {
    std::string full_url = page.base_url + "/" + std::string(resource.at("resourceType").as_string()) + "/" +
                           std::string(resource.at("id").as_string());
    entries.push_back(json::object{{"fullUrl", std::move(full_url)},
                                   {"resource", std::move(resource)},
                                   {"search", json::object{{"mode", "match"}}}});
  }
  json::object out{{"resourceType", "Bundle"}, {"type", "searchset"}, {"link", std::move(links)}};
  if (!entries.empty()) out["entry"] = std::move(entries);  // FHIR arrays are never empty
  return out;
}

json::object operation_outcome(std::string_view severity, std::string_view code, std::string_view diagnostics,
                               std::optional<std::string_view> expression) {
  json::object issue{{"severity", severity}, {"code", code}};
  if (!diagnostics.empty()) issue["diagnostics"] = diagnostics;
  if (expression && !expression->empty()) issue["expression"] = json::array{*expression};
  return {{"resourceType", "OperationOutcome"}, {"issue", json::array{std::move(issue)}}};
}

json::object operation_outcome(const SearchError& error) {
  const std::string diagnostics = error.param.empty() ? error.message : error.param + ": " + error.message;
  return operation_outcome("error", error.issue_code, diagnostics, error.param);
}

}  // namespace kq::fhir
