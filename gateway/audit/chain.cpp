#include "gateway/audit/chain.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace kq::audit {

namespace {

constexpr std::uint32_t kNullLength = 0xFFFFFFFFu;

void put_u32(std::uint32_t v, std::string& out) {
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                         static_cast<char>(v)};
  out.append(bytes, 4);
}

void encode_optional(const std::optional<std::string_view>& text, std::string& out) {
  if (text) {
    encode_text(*text, out);
  } else {
    put_u32(kNullLength, out);
  }
}

}  // namespace

std::string_view chain_format(HashAlgorithm algorithm) {
  return algorithm == HashAlgorithm::sm3 ? "KQA1-SM3" : "KQA1-SHA256";
}

std::optional<HashAlgorithm> parse_chain_format(std::string_view format) {
  if (format == "KQA1-SM3") return HashAlgorithm::sm3;
  if (format == "KQA1-SHA256") return HashAlgorithm::sha256;
  return std::nullopt;
}

std::optional<HashAlgorithm> parse_hash_name(std::string_view name) {
  if (name == "sm3") return HashAlgorithm::sm3;
  if (name == "sha256") return HashAlgorithm::sha256;
  return std::nullopt;
}

std::string_view hash_name(HashAlgorithm algorithm) {
  return algorithm == HashAlgorithm::sm3 ? "sm3" : "sha256";
}

void encode_int(std::int64_t value, std::string& out) {
  const auto v = static_cast<std::uint64_t>(value);
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(v >> (56 - 8 * i));
  out.append(bytes, 8);
}

void encode_text(std::string_view text, std::string& out) {
  if (text.size() >= kNullLength) throw std::length_error("audit field longer than 4 GiB");
  put_u32(static_cast<std::uint32_t>(text.size()), out);
  out.append(text);
}

void encode_entry(const EntryFields& e, std::string& out) {
  encode_text(e.chain_format, out);
  encode_int(e.seq, out);
  encode_int(e.at_ms, out);
  encode_text(e.event_type, out);
  encode_text(e.action, out);
  encode_int(e.outcome, out);
  encode_optional(e.actor, out);
  encode_optional(e.org_id, out);
  encode_text(e.detail, out);
  encode_optional(e.message_id, out);
}

struct Hasher::Impl {
  EVP_MD* md = nullptr;
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

Hasher::Hasher(HashAlgorithm algorithm) : algorithm_(algorithm), impl_(std::make_unique<Impl>()) {
  // Fetched once: a fetch per digest would cost more than hashing a small entry.
  const char* name = algorithm == HashAlgorithm::sm3 ? "SM3" : "SHA256";
  impl_->md = EVP_MD_fetch(nullptr, name, nullptr);
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->md == nullptr || impl_->ctx == nullptr) {
    throw std::runtime_error(std::string("OpenSSL does not provide the ") + name +
                             " digest the audit chain needs (OpenSSL 3 with the default provider has it)");
  }
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

Hash Hasher::digest(std::string_view a, std::string_view b) {
  Hash out{};
  unsigned int length = 0;
  if (EVP_DigestInit_ex(impl_->ctx, impl_->md, nullptr) != 1 ||
      EVP_DigestUpdate(impl_->ctx, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(impl_->ctx, b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(impl_->ctx, out.data(), &length) != 1 || length != kHashSize) {
    throw std::runtime_error("audit chain: the digest failed");
  }
  return out;
}

Hash Hasher::entry_hash(const Hash& prev, const EntryFields& entry, std::string& scratch) {
  scratch.clear();
  encode_entry(entry, scratch);
  return digest(as_bytes(prev), scratch);
}

EntryFields StoredEntry::fields() const {
  auto view = [](const std::optional<std::string>& s) -> std::optional<std::string_view> {
    if (!s) return std::nullopt;
    return std::string_view(*s);
  };
  EntryFields f;
  f.chain_format = chain_format ? std::string_view(*chain_format) : std::string_view();
  f.seq = seq;
  f.at_ms = at_ms;
  f.event_type = event_type;
  f.action = action;
  f.outcome = outcome;
  f.actor = view(actor);
  f.org_id = view(org_id);
  f.detail = detail;
  f.message_id = view(message_id);
  return f;
}

std::string_view as_bytes(const Hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

std::optional<Hash> hash_from_bytes(std::string_view bytes) {
  if (bytes.size() != kHashSize) return std::nullopt;
  Hash h{};
  for (std::size_t i = 0; i < kHashSize; ++i) h[i] = static_cast<unsigned char>(bytes[i]);
  return h;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

}  // namespace kq::audit
