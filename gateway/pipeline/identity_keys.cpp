#include "gateway/pipeline/identity_keys.hpp"

#include <boost/json/value.hpp>

namespace kq::pipeline {

namespace {
std::string text_member(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}
}  // namespace

std::optional<IdentityKey> identity_key(const boost::json::object& identifier) {
  IdentityKey key{text_member(identifier, "system"), text_member(identifier, "value")};
  if (key.system.empty() || key.value.empty()) return std::nullopt;
  if (std::string assigner = text_member(identifier, "assigner"); !assigner.empty()) {
    key.system += '^';
    key.system += assigner;
  }
  return key;
}

}  // namespace kq::pipeline
