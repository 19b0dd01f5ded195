#include "gateway/derived/derived_common.hpp"

#include <cmath>
#include <cstdio>

namespace kq::derived {

std::string_view confidence_tag(Confidence confidence) {
  switch (confidence) {
    case Confidence::verified: return "V";
    case Confidence::secondary: return "S";
    case Confidence::unverified: return "U";
  }
  return "U";
}

std::optional<Confidence> parse_confidence(std::string_view tag) {
  if (tag == "V") return Confidence::verified;
  if (tag == "S") return Confidence::secondary;
  if (tag == "U") return Confidence::unverified;
  return std::nullopt;
}

std::string format_number(double value, int decimals) {
  if (!std::isfinite(value)) return std::isnan(value) ? "NaN" : (value > 0 ? "inf" : "-inf");
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string text = buffer;
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

}  // namespace kq::derived
