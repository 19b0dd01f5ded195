#include "gateway/core/inbound_message.hpp"

#include <cctype>

namespace kq::core {

std::string_view to_string(Transport transport) {
  switch (transport) {
    case Transport::http: return "http";
    case Transport::schedule: return "schedule";
    case Transport::mllp: return "mllp";
    case Transport::file: return "file";
  }
  return "http";
}

std::optional<Transport> parse_transport(std::string_view text) {
  if (text == "http") return Transport::http;
  if (text == "schedule") return Transport::schedule;
  if (text == "mllp") return Transport::mllp;
  if (text == "file") return Transport::file;
  return std::nullopt;
}

namespace {
bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}
std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::string charset_of_content_type(std::string_view content_type) {
  std::size_t semi = content_type.find(';');
  while (semi != std::string_view::npos) {
    std::string_view rest = content_type.substr(semi + 1);
    const std::size_t next = rest.find(';');
    const std::string_view param = trimmed(rest.substr(0, next));
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos && same_ignoring_case(trimmed(param.substr(0, eq)), "charset")) {
      std::string_view value = trimmed(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return std::string(value);
    }
    semi = next == std::string_view::npos ? std::string_view::npos : semi + 1 + next;
  }
  return {};
}

}  // namespace kq::core
