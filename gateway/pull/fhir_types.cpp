#include "gateway/pull/fhir_types.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "gateway/core/json_text.hpp"
#include "gateway/core/record_kind.hpp"
#include "gateway/fhir/bundle.hpp"
#include "gateway/fhir/resources.hpp"

namespace kq::pull {

std::vector<std::string_view> kinds_of_resource(std::string_view type) {
  std::vector<std::string_view> kinds;
  for (core::RecordKind kind : core::kAllRecordKinds) {
    if (fhir::resource_type_of(kind) == type) kinds.push_back(core::kind_name(kind));
  }
  return kinds;
}

std::optional<FhirResource> to_fhir_resource(const store::StoredRecord& record) {
  fhir::ToFhirResult converted = fhir::to_fhir(record);
  if (!converted.resource) return std::nullopt;
  const boost::json::value* type = converted.resource->if_contains("resourceType");
  if (type == nullptr || !type->is_string()) return std::nullopt;
  return FhirResource{std::string(type->get_string()), core::json_text(*converted.resource)};
}

ApiResult fhir_problem(int status, std::string_view code, const std::string& diagnostics) {
  const boost::json::object outcome =
      fhir::operation_outcome(status < 400 ? "information" : "error", code, diagnostics, std::nullopt);
  return reply(http::Response{status, "application/fhir+json", core::json_text(outcome), {}});
}

}  // namespace kq::pull
