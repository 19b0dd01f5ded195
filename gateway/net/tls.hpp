#pragma once
// TLS settings for listeners: TLS 1.2/1.3 only, AEAD ciphers, no renegotiation or compression,
// optional client certificates checked against a dedicated CA bundle and, with `crl`, against
// certificate revocation lists (fail closed: no current CRL of the issuer, no entry).
#include <cstdint>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <boost/system/error_code.hpp>

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

// The earliest nextUpdate (Unix ms) of the CRLs the context checks; 0 when it has none. After
// it, every client certificate is refused until a newer CRL is loaded.
std::int64_t earliest_crl_next_update_ms(boost::asio::ssl::context& ctx);

// What the certificate check of one handshake refused, noted while the handshake runs (the peer
// certificate of a failed handshake is not kept by OpenSSL).
struct ClientVerification {
  int error = 0;                   // X509_V_OK (0): no certificate was refused
  std::string fingerprint_sha256;  // of the client's own certificate, when it sent one
  std::string subject;             // RFC 2253
};

// A verify callback body: passes OpenSSL's verdict on unchanged (never overrides a refusal) and
// notes the first refusal in `into`.
bool note_client_verification(bool preverified, boost::asio::ssl::verify_context& ctx, ClientVerification& into);

// Why a failed handshake did not authenticate its client, in OpenSSL's words ("certificate
// revoked", "peer did not return a certificate", ...); empty when the failure was not about the
// client's certificate (an old TLS version, a port scan, a timeout).
std::string authentication_failure_reason(const boost::system::error_code& handshake_error,
                                          const ClientVerification& verification);

}  // namespace kq::net
