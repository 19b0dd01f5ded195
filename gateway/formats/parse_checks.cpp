#include "gateway/formats/parse_checks.hpp"

#include <string>

namespace kq::formats {

bool within_max_bytes(std::string_view bytes, const ParseOptions& options, std::string_view what,
                      ParseError& error) {
  if (bytes.size() <= options.max_bytes) return true;
  error = {"byte " + std::to_string(options.max_bytes + 1),
           "the " + std::string(what) + " is " + std::to_string(bytes.size()) + " bytes, more than the limit of " +
               std::to_string(options.max_bytes),
           core::ErrorKind::too_long};
  return false;
}

std::optional<Charset> channel_charset(const ParseOptions& options, std::string_view fallback,
                                       std::string_view accepted, ParseError& error) {
  const auto charset = parse_charset(options.charset.empty() ? fallback : std::string_view(options.charset));
  if (!charset) {
    error = {"options", "unsupported charset '" + options.charset + "'; use " + std::string(accepted),
             core::ErrorKind::internal};
  }
  return charset;
}

}  // namespace kq::formats
