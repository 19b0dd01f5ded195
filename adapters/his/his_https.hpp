#pragma once
// his over HTTPS: CDA-style XML documents and JSON visit records POSTed by a hospital over mutual
// TLS.
//
// What the adapter decides (everything else — TLS, the principal lookup, roles, body limits, the
// parse, the transaction, dedupe, audit and keeping the raw body — is the host's):
//  - who may push: a request must come from a principal with an organisation (401/403);
//  - what it may push: the media type of the route (415), a well-formed body (400, never a DTD:
//    the gateway's XML reader refuses DOCTYPE outright, which closes entity expansion and XXE);
//  - for whom: the organisation of the records is always the certificate's; a body that names
//    another organisation is refused (403) rather than silently re-attributed;
//  - the message key: the Idempotency-Key (the host scopes it to the sender's organisation);
//  - the reply: 201 with the ids only after commit, problem JSON otherwise.
// Each request is parsed once, by the host; what decode() decides is kept for the reply.
#include <kangqiao/plugin.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "http_reply.hpp"

namespace his {

class HisHttps final : public kangqiao::Adapter {
 public:
  static constexpr std::string_view variant = "https";

  HisHttps(const kangqiao::Host& host, const kangqiao::Config& config);

  void decode(const kangqiao::Inbound& in, kangqiao::DecodeSink& out) override;
  void acknowledge(const kangqiao::Inbound& in, const kangqiao::Outcome& outcome, kangqiao::AckSink& out) override;

 private:
  enum class Route { documents, records, unknown };
  Route route_of(const kangqiao::Inbound& in) const;
  // Why a request cannot be accepted, judged on what came with it (not the body).
  std::optional<Problem> refusal(const kangqiao::Inbound& in, Route route) const;

  std::string documents_path_;  // application/xml, text/xml
  std::string records_path_;    // application/json
  kangqiao::Path cda_custodian_;      // XPath of the custodian organisation id
  kangqiao::Path json_organisation_;  // JSON Pointer of the hospital's credit code
};

}  // namespace his
