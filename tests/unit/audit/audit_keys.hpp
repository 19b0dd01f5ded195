#pragma once
// Fresh audit keys for tests, made with OpenSSL in-process and written as PEM files, the form the
// gateway loads them in.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kq::audit::testing {

// "SM2" or "P-256". Returns the PEM text of a new unencrypted private key.
inline std::string new_private_key_pem(std::string_view type) {
  EVP_PKEY* key = type == "SM2" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2")
                                : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", std::string(type).c_str());
  if (key == nullptr) throw std::runtime_error("key generation failed");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

inline void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

class KeyDir {
 public:
  KeyDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kq-audit-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~KeyDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  KeyDir(const KeyDir&) = delete;
  KeyDir& operator=(const KeyDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // A new private key of `type` in `name`; returns its path.
  std::filesystem::path key(const std::string& name, std::string_view type) const {
    const auto file = path_ / name;
    write_file(file, new_private_key_pem(type));
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace kq::audit::testing
