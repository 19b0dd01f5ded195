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

}  // namespace kq::net
