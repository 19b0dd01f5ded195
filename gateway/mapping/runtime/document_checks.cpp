#include "gateway/mapping/runtime/document_checks.hpp"

#include "gateway/formats/fixed/format.hpp"
#include "gateway/formats/tabular/tabular.hpp"

namespace kq::mapping::detail {

void check_document(const Plan& plan, const formats::Document& document, std::vector<MapError>& errors) {
  if (const auto* table = dynamic_cast<const formats::TabularDocument*>(&document)) {
    for (const auto& path : plan.paths) {
      std::string why = table->missing_column(*path);
      // A column the mapping reads is not in the file: the file is not laid out as expected.
      if (!why.empty()) errors.push_back({"", "", path->text(), std::move(why), core::ErrorKind::structure});
    }
    return;
  }
  if (const auto* fixed = dynamic_cast<const formats::FixedDocument*>(&document)) {
    for (const formats::FieldError& e : fixed->record_errors()) {
      std::string where = "record " + std::to_string(e.record) + ", bytes " + std::to_string(e.first_byte) + ".." +
                          std::to_string(e.last_byte) + " (" + e.field + ")";
      // Every field error of a fixed-width record is a value that does not fit its declared
      // type (digits, number, date, time) or is not text in the batch's charset.
      errors.push_back({"", "", std::move(where), e.message, core::ErrorKind::data_type});
    }
  }
}

}  // namespace kq::mapping::detail
