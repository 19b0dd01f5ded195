#include "gateway/mapping/runtime/name_uuid.hpp"

#include <array>
#include <cstdint>
#include <stdexcept>

#include <openssl/evp.h>

#include "gateway/core/uuid.hpp"

namespace kq::mapping::detail {

namespace {

// c4e10c6b-81e5-43af-bac3-bba73921f7cf: the namespace of Kangqiao record keys. Changing it
// changes every derived id, so it never changes.
constexpr std::array<unsigned char, 16> kNamespace = {0xc4, 0xe1, 0x0c, 0x6b, 0x81, 0xe5, 0x43, 0xaf,
                                                      0xba, 0xc3, 0xbb, 0xa7, 0x39, 0x21, 0xf7, 0xcf};

// OpenSSL 3 looks an algorithm up by name on every EVP_sha1() use unless it is fetched once;
// with a context per thread that is most of the cost of an id.
const EVP_MD* sha1() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  return md;
}

struct Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::string name_uuid(std::string_view name) {
  thread_local Context context;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* ctx = context.ctx;
  const bool ok = ctx != nullptr && sha1() != nullptr && EVP_DigestInit_ex(ctx, sha1(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, kNamespace.data(), kNamespace.size()) == 1 &&
                  EVP_DigestUpdate(ctx, name.data(), name.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest, &length) == 1;
  if (!ok || length < 16) throw std::runtime_error("SHA-1 is not available for record keys");
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return core::uuid_text(digest);
}

}  // namespace kq::mapping::detail
