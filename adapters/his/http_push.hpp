#pragma once
// HTTPS push for the his adapter: CDA-style XML documents and JSON visit records POSTed by a
// hospital over mutual TLS.
//
// What the plugin decides (everything else — TLS, the principal lookup, body limits, the
// transaction, dedupe, audit and keeping the raw body — is the host's):
//  - who may push: a request must come from a principal with an organisation (401/403);
//  - what it may push: the media type of the route (415), a well-formed body (400, never a DTD:
//    the gateway's XML reader refuses DOCTYPE outright, which closes entity expansion and XXE);
//  - for whom: the organisation of the records is always the certificate's; a body that names
//    another organisation is refused (403) rather than silently re-attributed;
//  - the message key: "<organisation>|<Idempotency-Key>", so two hospitals never share a key;
//  - the reply: 201 with the ids only after commit, RFC 7807 problem JSON otherwise.
#include <kangqiao/plugin.hpp>

#include <memory>
#include <optional>
#include <string>

#include "adapters/his/http_reply.hpp"
#include "gateway/formats/source.hpp"

namespace kq::his {

struct PushRoutes {
  std::string documents_path = "/v1/his/documents";  // application/xml, text/xml
  std::string records_path = "/v1/his/records";      // application/json
};

class HttpPush {
 public:
  explicit HttpPush(PushRoutes routes);

  const PushRoutes& routes() const { return routes_; }

  // Checks one request and hands its body to the mapping engine ("xml" or "json"), or rejects it.
  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) const;
  // The HTTP reply for the host's outcome.
  void acknowledge(const kangqiao::Inbound& in, const kangqiao::Outcome& outcome,
                   kangqiao::AckSink& out) const;

 private:
  enum class Route { documents, records, unknown };
  Route route_of(const kangqiao::Inbound& in) const;
  // Why a request cannot be accepted, or nothing. Deterministic on the request alone, so
  // acknowledge() can tell a rejected sender the same status and errors that decode() saw.
  std::optional<Problem> refusal(const kangqiao::Inbound& in) const;
  std::optional<Problem> check_body(Route route, const kangqiao::Inbound& in) const;

  PushRoutes routes_;
  std::unique_ptr<formats::Path> cda_custodian_;    // XPath of the custodian organisation id
  std::unique_ptr<formats::Path> json_organisation_;  // JSON Pointer of the hospital's credit code
};

}  // namespace kq::his
