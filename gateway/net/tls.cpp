#include "gateway/net/tls.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ctime>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include <boost/asio/ssl/error.hpp>

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

// The reason of the last OpenSSL error on this thread, for a start-up message.
std::string openssl_reason() {
  const unsigned long err = ERR_peek_last_error();
  const char* reason = err != 0 ? ERR_reason_error_string(err) : nullptr;
  return reason != nullptr ? reason : "unknown error";
}

// Adds every CRL in `file` to the store that verifies client certificates and turns the check on
// for the client's own certificate (X509_V_FLAG_CRL_CHECK). OpenSSL then refuses a certificate
// that is revoked, and also one whose issuer has no CRL in the store (X509_V_ERR_UNABLE_TO_GET_CRL)
// or whose CRL's nextUpdate has passed (X509_V_ERR_CRL_HAS_EXPIRED): out-of-date revocation data
// fails closed, and the verify callback never overrides that.
void load_crls(SSL_CTX* native, const std::string& file) {
  ERR_clear_error();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(file.c_str(), "r"), &BIO_free);
  if (!bio) throw std::runtime_error("TLS: cannot read CRL file " + file + ": " + openssl_reason());
  X509_STORE* store = SSL_CTX_get_cert_store(native);
  int loaded = 0;
  // PEM_read_bio_X509_CRL skips other PEM blocks (certificates) and stops at the end of the file
  // (PEM_R_NO_START_LINE) or at the first block it cannot decode.
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
    const int added = X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    if (added != 1) throw std::runtime_error("TLS: cannot use CRL file " + file + ": " + openssl_reason());
    ++loaded;
  }
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end = ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (!clean_end || loaded == 0) {
    const std::string why = loaded == 0 && clean_end ? "no X509 CRL in it" : openssl_reason();
    throw std::runtime_error("TLS: cannot parse CRL file " + file + ": " + why);
  }
  ERR_clear_error();
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
}

std::int64_t unix_ms(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
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
    if (!tls.crl.empty()) load_crls(native, tls.crl);
    // Session resumption would skip the certificate check on reconnects: keep it simple, off.
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    // TLS 1.3 would still send session tickets after the handshake, which no reconnect could use.
    SSL_CTX_set_num_tickets(native, 0);
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

std::int64_t earliest_crl_next_update_ms(ssl::context& ctx) {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.native_handle());
  std::int64_t earliest = 0;
  if (X509_STORE_lock(store) != 1) return 0;
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    X509_OBJECT* object = sk_X509_OBJECT_value(objects, i);
    if (X509_OBJECT_get_type(object) != X509_LU_CRL) continue;
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(X509_OBJECT_get0_X509_CRL(object));
    if (next == nullptr) continue;  // a CRL without nextUpdate never goes out of date
    const std::int64_t ms = unix_ms(next);
    if (earliest == 0 || ms < earliest) earliest = ms;
  }
  X509_STORE_unlock(store);
  return earliest;
}

bool note_client_verification(bool preverified, ssl::verify_context& ctx, ClientVerification& into) {
  if (preverified || into.error != X509_V_OK) return preverified;
  X509_STORE_CTX* store_ctx = ctx.native_handle();
  into.error = X509_STORE_CTX_get_error(store_ctx);
  if (into.error == X509_V_OK) into.error = X509_V_ERR_UNSPECIFIED;
  // The client's own certificate, whichever certificate of the chain the error is about.
  if (X509* leaf = X509_STORE_CTX_get0_cert(store_ctx)) {
    into.fingerprint_sha256 = fingerprint(leaf);
    into.subject = subject_rfc2253(leaf);
  }
  return false;
}

std::string authentication_failure_reason(const boost::system::error_code& handshake_error,
                                          const ClientVerification& verification) {
  if (verification.error != X509_V_OK) return X509_verify_cert_error_string(verification.error);
  if (handshake_error.category() != boost::asio::error::get_ssl_category()) return {};
  const int reason = ERR_GET_REASON(static_cast<unsigned long>(handshake_error.value()));
  if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE || reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    const char* text = ERR_reason_error_string(static_cast<unsigned long>(handshake_error.value()));
    return text != nullptr ? text : "client certificate refused";
  }
  return {};
}

}  // namespace kq::net
