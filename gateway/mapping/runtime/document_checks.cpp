#include "gateway/mapping/runtime/document_checks.hpp"

#include "gateway/formats/fixed/format.hpp"
#include "gateway/formats/tabular/tabular.hpp"

namespace kq::mapping::detail {

void check_document(const Plan& plan, const formats::Document& document, std::vector<MapError>& errors) {
  if (const auto* table = dynamic_cast<const formats::TabularDocument*>(&document)) {
    for (const auto& path : plan.paths) {
      std::string why = table->missing_column(*path);
      if (!why.empty()) errors.push_back({"", "", path->text(), std::move(why)});
    }
    return;
  }
  if (const auto* fixed = dynamic_cast<const formats::FixedDocument*>(&document)) {
    for (const formats::FieldError& e : fixed->record_errors()) {
      std::string where = "record " + std::to_string(e.record) + ", bytes " + std::to_string(e.first_byte) + ".." +
                          std::to_string(e.last_byte) + " (" + e.field + ")";
      errors.push_back({"", "", std::move(where), e.message});
    }
  }
}

}  // namespace kq::mapping::detail
