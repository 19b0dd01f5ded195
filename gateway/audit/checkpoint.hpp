#pragma once
// Signed checkpoints of the audit chain. A checkpoint says "entry `seq` ends a chain of `count`
// entries whose hash is `head_hash`", signed with the gateway's audit key. The chain alone shows
// an entry was edited, removed or moved; only a signature shows that the chain is still the one
// the gateway wrote and not a copy recomputed by someone with write access to the database.
//
// Keys: SM2 (GB/T 32918, signed over SM3 with the default distinguishing id "1234567812345678"
// of GB/T 35276) or ECDSA on P-256 with SHA-256. Signatures are DER, as `openssl pkeyutl` and
// `openssl dgst` write them, so an auditor can check one with the openssl command alone.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kq::audit {

struct Checkpoint {
  std::int64_t id = 0;     // 1, 2, 3, … without gaps
  std::int64_t seq = 0;    // the last audit_log entry it covers
  std::int64_t count = 0;  // chained entries up to and including seq
  std::int64_t at_ms = 0;  // when it was signed
  std::string head_hash;   // entry_hash of entry `seq` (32 raw bytes)
  // The first kEntryDigestSize bytes of the entry_hash of every chained entry after the previous
  // checkpoint, up to `seq`, in seq order. Kept in the database only (it lets the verifier name
  // the first entry of a chain recomputed without the key); the signature covers its digest.
  std::string entry_digests;
  std::string entries_digest;  // digest_of_entries(entry_digests): what the signature covers
  std::string signature_algorithm;  // kSm2Sm3 | kEcdsaP256Sha256
  std::string key_fingerprint;      // SHA-256 of the key's DER SubjectPublicKeyInfo (32 raw bytes)
  std::string signature;            // DER
};

inline constexpr std::string_view kSm2Sm3 = "SM2-SM3";
inline constexpr std::string_view kEcdsaP256Sha256 = "ECDSA-P256-SHA256";
inline constexpr std::string_view kSm2DistinguishingId = "1234567812345678";
inline constexpr std::size_t kEntryDigestSize = 8;

// The digest of a checkpoint's entry_digests: SM3 for an SM2 signature, SHA-256 for ECDSA.
std::string digest_of_entries(std::string_view entry_digests, std::string_view signature_algorithm);

// The bytes a checkpoint's signature covers (format KQCP1; docs/operations.md):
// text("KQCP1") int(id) int(seq) int(count) int(at_ms) text(head_hash) text(entries_digest)
// text(signature_algorithm) text(key_fingerprint), with int/text as in chain.hpp.
std::string signed_bytes(const Checkpoint& checkpoint);

// "AB:CD:…" — the form `openssl … -fingerprint` prints; never 15 or 18 digits in a row, so the
// log's identity-number mask leaves it alone.
std::string fingerprint_text(std::string_view raw);

class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The gateway's private audit key (PEM, unencrypted; file mode 0600). Thread-safe once loaded.
class SigningKey {
 public:
  // Throws KeyError naming the file and what is wrong (unreadable, not a private key, not SM2 or
  // P-256).
  static std::shared_ptr<const SigningKey> load(const std::filesystem::path& pem_file);
  ~SigningKey();

  std::string_view algorithm() const { return algorithm_; }
  const std::string& fingerprint() const { return fingerprint_; }  // raw 32 bytes
  // Fills signature_algorithm, key_fingerprint and signature of `checkpoint`. Throws KeyError.
  void sign(Checkpoint& checkpoint) const;
  // The public half, as a PEM "PUBLIC KEY" block.
  std::string public_key_pem() const;

 private:
  struct Key;
  SigningKey() = default;
  std::unique_ptr<Key> key_;
  std::string algorithm_;
  std::string fingerprint_;
};

// A public key that checkpoints are checked against: a PEM public key, certificate or private key.
class VerifyingKey {
 public:
  static VerifyingKey load(const std::filesystem::path& pem_file);  // throws KeyError
  static VerifyingKey from_pem(std::string_view pem, const std::string& name);
  ~VerifyingKey();
  VerifyingKey(VerifyingKey&&) noexcept;
  VerifyingKey& operator=(VerifyingKey&&) noexcept;

  std::string_view algorithm() const { return algorithm_; }
  const std::string& fingerprint() const { return fingerprint_; }
  // True when the signature is this key's over signed_bytes(checkpoint) with its algorithm.
  bool verify(const Checkpoint& checkpoint) const;

 private:
  struct Key;
  VerifyingKey() = default;
  std::unique_ptr<Key> key_;
  std::string algorithm_;
  std::string fingerprint_;
};

std::string base64(std::string_view bytes);
// std::nullopt if `text` is not valid base64.
std::optional<std::string> from_base64(std::string_view text);

}  // namespace kq::audit
