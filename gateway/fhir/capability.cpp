#include "gateway/fhir/capability.hpp"

#include <boost/json/array.hpp>

#include "gateway/fhir/elements.hpp"
#include "gateway/fhir/local_uris.hpp"
#include "gateway/fhir/search.hpp"

namespace kq::fhir {

namespace json = boost::json;

namespace {

constexpr std::string_view kSecurity =
    "Mutual TLS (TLS 1.2 or 1.3): every client presents a certificate issued by a CA the gateway "
    "trusts, and the certificate is mapped to an organisation and its roles in the gateway's "
    "configuration; an unmapped certificate is refused. Every request names a purpose of use. "
    "Records are disclosed per record under the subject's consent or a statutory flow (default "
    "deny); records withheld are left out of pages and not counted.";

json::object resource_entry(std::string_view type) {
  json::array params;
  for (const SearchParamInfo& p : search_param_table()) {
    if (!applies(p, type)) continue;
    params.push_back(json::object{{"name", p.name}, {"type", p.type}, {"documentation", p.documentation}});
  }
  return {{"type", type},
          {"interaction", json::array{json::object{{"code", "read"}}, json::object{{"code", "search-type"}}}},
          {"versioning", "versioned"},
          {"readHistory", false},
          {"searchParam", std::move(params)}};
}

}  // namespace

json::object capability_statement(std::string_view base_url, std::string_view software_version) {
  json::array resources;
  for (std::string_view type : served_resource_types()) resources.push_back(resource_entry(type));
  json::object security{
      {"cors", false},
      {"service", json::array{element::codeable(element::coding(hl7::kSecurityService, "Certificates"))}},
      {"description", kSecurity}};
  json::object rest{
      {"mode", "server"},
      {"security", std::move(security)},
      {"resource", std::move(resources)},
      {"operation", json::array{json::object{
                        {"name", "export"},
                        {"definition", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}}}}};
  return {{"resourceType", "CapabilityStatement"},
          {"status", "active"},
          {"date", kCapabilityDate},
          {"publisher", "Kangqiao"},
          {"kind", "instance"},
          {"software", {{"name", "Kangqiao"}, {"version", software_version}}},
          {"implementation", {{"description", "Kangqiao health-data exchange gateway: provincial pull API"},
                              {"url", base_url}}},
          {"fhirVersion", "4.0.1"},
          {"format", json::array{"json", "application/fhir+json"}},
          {"rest", json::array{std::move(rest)}}};
}

}  // namespace kq::fhir
