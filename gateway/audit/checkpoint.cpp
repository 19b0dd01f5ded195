#include "gateway/audit/checkpoint.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "gateway/audit/chain.hpp"

namespace kq::audit {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

// Never prompts: a key file that needs a passphrase is refused with a message instead of
// stopping the gateway at a terminal prompt nobody sees.
int no_passphrase(char*, int, int, void*) { return -1; }

Bio memory_bio(std::string_view pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw KeyError("cannot read the audit key file " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The signature algorithm a key signs checkpoints with; "" if it is of no supported kind.
std::string algorithm_of(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "SM2")) return std::string(kSm2Sm3);
  if (!EVP_PKEY_is_a(key, "EC")) return {};
  char group[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1) return {};
  const std::string_view name(group, length);
  if (name == "prime256v1" || name == "P-256") return std::string(kEcdsaP256Sha256);
  return {};
}

std::string spki_fingerprint(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  if (length <= 0) throw KeyError("cannot encode the audit public key");
  Hasher sha256(HashAlgorithm::sha256);
  const Hash digest = sha256.digest({reinterpret_cast<const char*>(der), static_cast<std::size_t>(length)}, {});
  OPENSSL_free(der);
  return std::string(as_bytes(digest));
}

// EVP_DigestSign/VerifyInit_ex for the checkpoint's algorithm: SM2 over SM3 with the standard
// distinguishing id, or ECDSA over SHA-256. OpenSSL 3.0 refuses the id as an init parameter; set
// on the context after init it is used, since SM2 hashes it (into Z) only with the first data.
bool init_digest(EVP_MD_CTX* ctx, EVP_PKEY* key, std::string_view algorithm, bool sign) {
  const bool sm2 = algorithm == kSm2Sm3;
  const char* digest = sm2 ? "SM3" : "SHA256";
  const bool ready = sign ? EVP_DigestSignInit_ex(ctx, nullptr, digest, nullptr, nullptr, key, nullptr) == 1
                          : EVP_DigestVerifyInit_ex(ctx, nullptr, digest, nullptr, nullptr, key, nullptr) == 1;
  if (!ready || !sm2) return ready;
  return EVP_PKEY_CTX_set1_id(EVP_MD_CTX_get_pkey_ctx(ctx), kSm2DistinguishingId.data(),
                              static_cast<int>(kSm2DistinguishingId.size())) == 1;
}

}  // namespace

std::string signed_bytes(const Checkpoint& c) {
  std::string out;
  encode_text("KQCP1", out);
  encode_int(c.id, out);
  encode_int(c.seq, out);
  encode_int(c.count, out);
  encode_int(c.at_ms, out);
  encode_text(c.head_hash, out);
  encode_text(c.entries_digest, out);
  encode_text(c.signature_algorithm, out);
  encode_text(c.key_fingerprint, out);
  return out;
}

std::string digest_of_entries(std::string_view entry_digests, std::string_view signature_algorithm) {
  Hasher h(signature_algorithm == kSm2Sm3 ? HashAlgorithm::sm3 : HashAlgorithm::sha256);
  return std::string(as_bytes(h.digest(entry_digests, {})));
}

std::string fingerprint_text(std::string_view raw) {
  std::string hex = to_hex(raw), out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i > 0) out.push_back(':');
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i]))));
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1]))));
  }
  return out;
}

struct SigningKey::Key {
  Pkey pkey;
};

SigningKey::~SigningKey() = default;

std::shared_ptr<const SigningKey> SigningKey::load(const std::filesystem::path& pem_file) {
  const std::string pem = read_file(pem_file);
  Bio bio = memory_bio(pem);
  Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) {
    throw KeyError("the audit signing key " + pem_file.string() +
                   " is not an unencrypted PEM private key");
  }
  std::string algorithm = algorithm_of(pkey.get());
  if (algorithm.empty()) {
    throw KeyError("the audit signing key " + pem_file.string() +
                   " is neither SM2 nor EC P-256 (make one with certs/gen-dev-certs.sh or "
                   "`openssl genpkey -algorithm SM2`)");
  }
  std::shared_ptr<SigningKey> key(new SigningKey());
  key->fingerprint_ = spki_fingerprint(pkey.get());
  key->algorithm_ = std::move(algorithm);
  key->key_ = std::make_unique<Key>(Key{std::move(pkey)});
  return key;
}

void SigningKey::sign(Checkpoint& c) const {
  c.signature_algorithm = algorithm_;
  c.key_fingerprint = fingerprint_;
  c.entries_digest = digest_of_entries(c.entry_digests, algorithm_);
  const std::string message = signed_bytes(c);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!ctx || !init_digest(ctx.get(), key_->pkey.get(), algorithm_, /*sign=*/true) ||
      EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    throw KeyError("signing an audit checkpoint failed");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    throw KeyError("signing an audit checkpoint failed");
  }
  signature.resize(length);
  c.signature = std::move(signature);
}

std::string SigningKey::public_key_pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_->pkey.get()) != 1) throw KeyError("cannot write the public key");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

struct VerifyingKey::Key {
  Pkey pkey;
};

VerifyingKey::~VerifyingKey() = default;
VerifyingKey::VerifyingKey(VerifyingKey&&) noexcept = default;
VerifyingKey& VerifyingKey::operator=(VerifyingKey&&) noexcept = default;

VerifyingKey VerifyingKey::load(const std::filesystem::path& pem_file) {
  return from_pem(read_file(pem_file), pem_file.string());
}

VerifyingKey VerifyingKey::from_pem(std::string_view pem, const std::string& name) {
  Pkey pkey(PEM_read_bio_PUBKEY(memory_bio(pem).get(), nullptr, no_passphrase, nullptr));
  if (!pkey) {
    if (X509* cert = PEM_read_bio_X509(memory_bio(pem).get(), nullptr, no_passphrase, nullptr)) {
      pkey.reset(X509_get_pubkey(cert));
      X509_free(cert);
    }
  }
  if (!pkey) pkey.reset(PEM_read_bio_PrivateKey(memory_bio(pem).get(), nullptr, no_passphrase, nullptr));
  if (!pkey) throw KeyError(name + " holds no PEM public key, certificate or private key");
  std::string algorithm = algorithm_of(pkey.get());
  if (algorithm.empty()) throw KeyError("the key in " + name + " is neither SM2 nor EC P-256");
  VerifyingKey key;
  key.fingerprint_ = spki_fingerprint(pkey.get());
  key.algorithm_ = std::move(algorithm);
  key.key_ = std::make_unique<Key>(Key{std::move(pkey)});
  return key;
}

bool VerifyingKey::verify(const Checkpoint& c) const {
  if (c.signature_algorithm != algorithm_ || c.key_fingerprint != fingerprint_) return false;
  const std::string message = signed_bytes(c);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx && init_digest(ctx.get(), key_->pkey.get(), algorithm_, /*sign=*/false) &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(c.signature.data()),
                          c.signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4 + 1, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
  if (length < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes; take them off again.
  std::size_t size = static_cast<std::size_t>(length);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --size;
  out.resize(size);
  return out;
}

}  // namespace kq::audit
