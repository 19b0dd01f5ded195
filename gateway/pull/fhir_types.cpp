#include "gateway/pull/fhir_types.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "gateway/core/json_text.hpp"

namespace kq::pull {

const std::vector<std::string_view>& exported_resource_types() {
  static const std::vector<std::string_view> types = {"Patient", "Encounter", "Observation", "Condition", "Consent"};
  return types;
}

std::vector<std::string_view> kinds_of_resource(std::string_view type) {
  if (type == "Patient") return {"person"};
  if (type == "Encounter") return {"encounter"};
  if (type == "Observation") return {"observation", "fitness_test", "vision_screening", "mental_health_screening"};
  if (type == "Condition") return {"diagnosis"};
  if (type == "Consent") return {"consent"};
  return {};
}

std::optional<FhirResource> to_fhir_resource(const store::StoredRecord&) {
  return std::nullopt;  // until the FHIR layer lands
}

ApiResult fhir_problem(int status, std::string_view code, const std::string& diagnostics) {
  boost::json::object issue;
  issue["severity"] = status < 400 ? "information" : "error";
  issue["code"] = code;
  issue["diagnostics"] = diagnostics;
  boost::json::object outcome;
  outcome["resourceType"] = "OperationOutcome";
  outcome["issue"] = boost::json::array{issue};
  return reply(http::Response{status, "application/fhir+json", core::json_text(outcome), {}});
}

}  // namespace kq::pull
