#include "gateway/pull/cursor.hpp"

#include "gateway/core/atomic_file.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

namespace kq::pull {

namespace {

constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kPlainSize = 8;
constexpr std::size_t kSealedSize = kNonceSize + kPlainSize + kTagSize;
// Authenticated but not encrypted, with the caller's context after it: binds the cursor to what it
// is for, so that a token minted for something else with the same key can never pass as a cursor.
constexpr std::string_view kAssociatedData = "kangqiao-changes-cursor-v1";

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(const unsigned char* data, std::size_t size) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3F];
  return out;
}

std::optional<std::vector<unsigned char>> from_base64url(std::string_view text) {
  std::vector<unsigned char> out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const std::size_t value = kAlphabet.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

}  // namespace

CursorCodec CursorCodec::from_key_file(const std::filesystem::path& path) {
  Key key{};
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(key.data()), key.size());
    if (in.gcount() != static_cast<std::streamsize>(key.size())) {
      throw std::runtime_error("cannot read the cursor key " + path.string() + " (32 bytes expected)");
    }
    return CursorCodec(key);
  }
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    throw std::runtime_error("cannot draw random bytes for the cursor key");
  }
  std::filesystem::create_directories(path.parent_path(), ec);
  // Owner-only: whoever reads the key can forge cursors.
  if (const auto written = core::write_file_atomically(
          path, std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), 0600)) {
    throw std::runtime_error("cannot create the cursor key " + path.string() + ": " + written.message());
  }
  return CursorCodec(key);
}

namespace {

std::string associated_data(std::string_view context) {
  std::string aad(kAssociatedData);
  aad += '\0';
  aad += context;
  return aad;
}

}  // namespace

std::string CursorCodec::seal(std::int64_t seq, std::string_view context) const {
  std::array<unsigned char, kSealedSize> sealed{};
  // A repeated nonce under one key would expose the key stream: never go on without a fresh one.
  if (RAND_bytes(sealed.data(), kNonceSize) != 1) throw std::runtime_error("cannot draw a nonce for a cursor");
  const std::string aad = associated_data(context);
  std::array<unsigned char, kPlainSize> plain{};
  for (std::size_t i = 0; i < kPlainSize; ++i) {
    plain[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(seq) >> (8 * (kPlainSize - 1 - i)));
  }
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), sealed.data());
  EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                    static_cast<int>(aad.size()));
  EVP_EncryptUpdate(ctx.get(), sealed.data() + kNonceSize, &len, plain.data(), static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(ctx.get(), sealed.data() + kNonceSize + len, &len);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, sealed.data() + kNonceSize + kPlainSize);
  return base64url(sealed.data(), sealed.size());
}

std::optional<std::int64_t> CursorCodec::open(std::string_view cursor, std::string_view context) const {
  const std::string aad = associated_data(context);
  const auto sealed = from_base64url(cursor);
  if (!sealed || sealed->size() != kSealedSize) return std::nullopt;
  std::array<unsigned char, kPlainSize> plain{};
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  std::vector<unsigned char> tag(sealed->begin() + kNonceSize + kPlainSize, sealed->end());
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), sealed->data()) != 1) return std::nullopt;
  EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                    static_cast<int>(aad.size()));
  EVP_DecryptUpdate(ctx.get(), plain.data(), &len, sealed->data() + kNonceSize, static_cast<int>(kPlainSize));
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data());
  if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &len) != 1) return std::nullopt;  // forged or altered
  std::uint64_t seq = 0;
  for (unsigned char byte : plain) seq = (seq << 8) | byte;
  const auto value = static_cast<std::int64_t>(seq);
  if (value < 0) return std::nullopt;
  return value;
}

}  // namespace kq::pull
