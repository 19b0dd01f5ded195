#include "gateway/net/tls.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace kq::net {
namespace ssl = boost::asio::ssl;

namespace {

// RFC 9325 (BCP 195) recommended TLS 1.2 suites: ECDHE with AEAD only.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string hex_upper(const unsigned char* data, unsigned len) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xF];
  }
  return out;
}

std::string fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
  return hex_upper(md, len);
}

std::string subject_rfc2253(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

}  // namespace

ssl::context make_server_tls_context(const config::TlsConfig& tls) {
  ssl::context ctx(ssl::context::tls_server);
  SSL_CTX* native = ctx.native_handle();
  const int min_version = tls.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  SSL_CTX_set_min_proto_version(native, min_version);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    throw std::runtime_error("TLS: the cipher list is not supported by this OpenSSL");
  }
  SSL_CTX_set1_groups_list(native, "X25519:P-256:P-384");
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(tls.certificate, ec);
  if (ec) throw std::runtime_error("TLS: cannot use certificate " + tls.certificate + ": " + ec.message());
  ctx.use_private_key_file(tls.private_key, ssl::context::pem, ec);
  if (ec) throw std::runtime_error("TLS: cannot use private key " + tls.private_key + ": " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1) {
    throw std::runtime_error("TLS: private key " + tls.private_key + " does not match " + tls.certificate);
  }
  if (!tls.client_ca.empty()) {
    ctx.load_verify_file(tls.client_ca, ec);
    if (ec) throw std::runtime_error("TLS: cannot load client CA " + tls.client_ca + ": " + ec.message());
    // Ask for a certificate; demand one only when configured (otherwise anonymous is allowed
    // and the request goes on without a principal).
    int mode = SSL_VERIFY_PEER;
    if (tls.require_client_certificate) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(native, mode, nullptr);
    SSL_CTX_set_verify_depth(native, 4);
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(native, names);
    // Session resumption would skip the certificate check on reconnects: keep it simple, off.
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  }
  return ctx;
}

PeerCertificate peer_certificate(SSL* ssl_handle) {
  PeerCertificate out;
  X509* cert = SSL_get1_peer_certificate(ssl_handle);
  if (cert == nullptr) return out;
  // Only a verified chain counts; with SSL_VERIFY_PEER a failed chain never gets here anyway.
  if (SSL_get_verify_result(ssl_handle) == X509_V_OK) {
    out.present = true;
    out.fingerprint_sha256 = fingerprint(cert);
    out.subject = subject_rfc2253(cert);
  }
  X509_free(cert);
  return out;
}

}  // namespace kq::net
