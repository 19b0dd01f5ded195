#pragma once
// The CapabilityStatement served at /fhir/metadata.
#include <string_view>

#include <boost/json/object.hpp>

namespace kq::fhir {

// The day the statement's content last changed: CapabilityStatement.date (required in R4).
// Change it together with what the statement says, not with every release.
inline constexpr std::string_view kCapabilityDate = "2026-12-07";

// kind instance at `base_url` ("https://gw.example:8443/fhir"), FHIR 4.0.1, JSON only; read and
// search-type for the five resource types with their search parameters (search.hpp); the
// bulk-data `export` operation at system level; security: mutual TLS client certificates.
boost::json::object capability_statement(std::string_view base_url, std::string_view software_version);

}  // namespace kq::fhir
