#pragma once
// Which canonical record kinds each FHIR resource type is made from (docs/fhir.md), for the FHIR
// searches and the bulk export; and FHIR's error reply.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/pull/api_call.hpp"
#include "gateway/pull/bulk_export.hpp"

namespace kq::pull {

// The record kinds behind a resource type (the inverse of fhir::resource_type_of); empty for a
// type that is not served.
std::vector<std::string_view> kinds_of_resource(std::string_view type);

// A stored record as the FHIR resource the endpoints serve (gateway/fhir/), or nothing for a
// kind with no FHIR form.
std::optional<FhirResource> to_fhir_resource(const store::StoredRecord& record);

// An OperationOutcome reply (FHIR's problem document) with one issue.
ApiResult fhir_problem(int status, std::string_view code, const std::string& diagnostics);

}  // namespace kq::pull
