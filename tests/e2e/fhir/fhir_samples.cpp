// kq_fhir_samples: prints every FHIR resource the unit tests build (tests/unit/fhir/
// fhir_samples.hpp) as NDJSON, one resource per line, for validate_fhir.js to check against the
// official FHIR R4 JSON schema.
#include <iostream>

#include "gateway/core/json_text.hpp"
#include "tests/unit/fhir/fhir_samples.hpp"

int main() {
  for (const kq::fhir::testing::Sample& sample : kq::fhir::testing::every_sample()) {
    std::cout << kq::core::json_text(sample.resource) << '\n';
  }
  return std::cout.good() ? 0 : 1;
}
