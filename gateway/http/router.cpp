#include "gateway/http/router.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace kq::http {

Response problem(int status, const std::string& title, const std::string& detail) {
  boost::json::object o;
  o["type"] = "about:blank";
  o["title"] = title;
  o["status"] = status;
  if (!detail.empty()) o["detail"] = detail;
  return Response{status, "application/problem+json", boost::json::serialize(o)};
}

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

}  // namespace kq::http
