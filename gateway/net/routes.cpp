#include "gateway/net/routes.hpp"

namespace kq::net {

const config::PrincipalConfig* RouteTable::principal_for(const PeerCertificate& cert) const {
  if (!cert.present) return nullptr;
  for (const auto& p : principals) {
    if (!p.fingerprint_sha256.empty() && p.fingerprint_sha256 == cert.fingerprint_sha256) return &p;
  }
  for (const auto& p : principals) {
    if (!p.subject.empty() && p.subject == cert.subject) return &p;
  }
  return nullptr;
}

std::string RouteTable::access_denied(const std::string& adapter,
                                      const config::PrincipalConfig* principal) const {
  auto it = adapter_roles.find(adapter);
  if (it == adapter_roles.end() || it->second.empty()) return {};
  std::string wanted;
  for (const auto& role : it->second) wanted += (wanted.empty() ? "" : ", ") + role;
  if (principal == nullptr) return "adapter '" + adapter + "' needs a client certificate with role " + wanted;
  for (const auto& role : it->second) {
    for (const auto& held : principal->roles) {
      if (held == role) return {};
    }
  }
  return "principal '" + principal->name + "' has none of the roles adapter '" + adapter +
         "' needs (" + wanted + ")";
}

}  // namespace kq::net
