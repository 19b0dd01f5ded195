#pragma once
// Problems a format can only see once it has the document: a CSV or XLSX column that a mapping
// names but the file's header lacks, and fixed-width fields whose bytes fail their declared type.
// Without this check they would silently give no value.
#include <vector>

#include "gateway/formats/source.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/mapping/plan.hpp"

namespace kq::mapping::detail {

void check_document(const Plan& plan, const formats::Document& document, std::vector<MapError>& errors);

}  // namespace kq::mapping::detail
