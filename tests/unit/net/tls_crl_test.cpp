// Loading a listener's CRL file: what start-up accepts, and what it refuses with the file's name.
// The certificates and CRLs come from the project's own script (certs/gen-dev-certs.sh).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "gateway/net/tls.hpp"

namespace kq::net {
namespace {

const std::string& dev_certs() {
  static const std::string dir = [] {
    const std::string d = ::testing::TempDir() + "kq-tls-crl-certs";
    const std::string command =
        "KQ_CERT_DIR='" + d + "' '" KQ_SOURCE_DIR "/certs/gen-dev-certs.sh' 2>/dev/null";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("gen-dev-certs.sh failed");
    return d;
  }();
  return dir;
}

config::TlsConfig tls_with_crl(const std::string& crl) {
  config::TlsConfig tls;
  tls.certificate = dev_certs() + "/server.crt";
  tls.private_key = dev_certs() + "/server.key";
  tls.client_ca = dev_certs() + "/ca.crt";
  tls.require_client_certificate = true;
  tls.crl = crl;
  return tls;
}

std::string start_up_error(const std::string& crl) {
  try {
    make_server_tls_context(tls_with_crl(crl));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = dev_certs() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(TlsCrl, TheDevCaCrlLoadsAndItsNextUpdateIsKnown) {
  auto ctx = make_server_tls_context(tls_with_crl(dev_certs() + "/crl.pem"));
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const std::int64_t next = earliest_crl_next_update_ms(ctx);
  EXPECT_GT(next, now_ms + 9LL * 365 * 24 * 3600 * 1000) << "the script makes a CRL valid for ten years";

  auto without = make_server_tls_context(tls_with_crl(""));
  EXPECT_EQ(earliest_crl_next_update_ms(without), 0);
}

TEST(TlsCrl, AnExpiredCrlStillLoadsAndSaysWhenItExpired) {
  // Refusing to start would take the other listeners down with it; the handshake refuses instead.
  auto ctx = make_server_tls_context(tls_with_crl(dev_certs() + "/crl-expired.pem"));
  EXPECT_EQ(earliest_crl_next_update_ms(ctx), 1580515200000LL);  // 2020-02-01T00:00:00Z
}

TEST(TlsCrl, SeveralCrlsInOneFileAllCount) {
  const std::string both = write_file("both-crls.pem", [] {
    std::ifstream a(dev_certs() + "/crl.pem"), b(dev_certs() + "/crl-expired.pem");
    return std::string(std::istreambuf_iterator<char>(a), {}) + std::string(std::istreambuf_iterator<char>(b), {});
  }());
  auto ctx = make_server_tls_context(tls_with_crl(both));
  EXPECT_EQ(earliest_crl_next_update_ms(ctx), 1580515200000LL);
}

TEST(TlsCrl, UnreadableOrUnparsableFilesAreStartUpErrorsNamingTheFile) {
  const std::string missing = dev_certs() + "/no-such-crl.pem";
  EXPECT_EQ(start_up_error(missing).rfind("TLS: cannot read CRL file " + missing + ": ", 0), 0u)
      << start_up_error(missing);

  const std::string certificates_only = dev_certs() + "/ca.crt";
  EXPECT_EQ(start_up_error(certificates_only),
            "TLS: cannot parse CRL file " + certificates_only + ": no X509 CRL in it");

  const std::string damaged = write_file("damaged-crl.pem",
                                         "-----BEGIN X509 CRL-----\nnot base64 at all!\n-----END X509 CRL-----\n");
  const std::string error = start_up_error(damaged);
  EXPECT_EQ(error.rfind("TLS: cannot parse CRL file " + damaged + ": ", 0), 0u) << error;

  const std::string empty = write_file("empty-crl.pem", "");
  EXPECT_EQ(start_up_error(empty), "TLS: cannot parse CRL file " + empty + ": no X509 CRL in it");
}

}  // namespace
}  // namespace kq::net
