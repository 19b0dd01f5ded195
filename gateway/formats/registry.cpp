#include "gateway/formats/source.hpp"

#include <array>

namespace kq::formats {

// Each format lives in its own files and exposes one instance.
const Format& hl7v2_format();
const Format& xml_format();
const Format& json_format();
const Format& csv_format();
const Format& xlsx_format();
const Format& fixed_format();

namespace {

const std::array<const Format*, 6>& all_formats() {
  static const std::array<const Format*, 6> formats{&hl7v2_format(), &xml_format(), &json_format(),
                                                    &csv_format(),   &xlsx_format(), &fixed_format()};
  return formats;
}

}  // namespace

const Format* find_format(std::string_view name) {
  for (const Format* f : all_formats()) {
    if (f->name() == name) return f;
  }
  return nullptr;
}

}  // namespace kq::formats
