#pragma once
// TLS settings for listeners: TLS 1.2/1.3 only, AEAD ciphers, no renegotiation or compression,
// optional client certificates checked against a dedicated CA bundle.
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "gateway/config/gateway_config.hpp"

namespace kq::net {

// Throws std::runtime_error naming the file that could not be used.
boost::asio::ssl::context make_server_tls_context(const config::TlsConfig& tls);

// What a client certificate says about its holder.
struct PeerCertificate {
  bool present = false;
  std::string fingerprint_sha256;  // upper-case hex, no colons
  std::string subject;             // RFC 2253
};

PeerCertificate peer_certificate(SSL* ssl);

}  // namespace kq::net
