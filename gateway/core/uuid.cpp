#include "gateway/core/uuid.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <openssl/rand.h>
#include <unistd.h>

namespace kq::core {

namespace {

// RAND_bytes costs microseconds per call (locking, reseed checks); ids are made on hot paths,
// so each thread draws random bytes from OpenSSL in blocks and hands them out 16 at a time.
class RandomPool {
 public:
  void take(unsigned char* out, std::size_t n) {
    // After fork() parent and child would hand out the same bytes: refill in the child.
    if (used_ + n > block_.size() || owner_ != ::getpid()) refill();
    std::memcpy(out, block_.data() + used_, n);
    std::memset(block_.data() + used_, 0, n);  // a used id's bytes do not linger
    used_ += n;
  }

 private:
  void refill() {
    if (RAND_bytes(block_.data(), static_cast<int>(block_.size())) != 1) {
      throw std::runtime_error("new_uuid: OpenSSL RAND_bytes failed");
    }
    used_ = 0;
    owner_ = ::getpid();
  }
  std::array<unsigned char, 4096> block_{};
  std::size_t used_ = 4096;
  pid_t owner_ = 0;
};

std::array<unsigned char, 16> random_bytes() {
  thread_local RandomPool pool;
  std::array<unsigned char, 16> bytes{};
  pool.take(bytes.data(), bytes.size());
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 9562 variant
  return bytes;
}

}  // namespace

std::string uuid_text(const unsigned char* bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  char text[36];
  char* p = text;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = kHex[bytes[i] >> 4];
    *p++ = kHex[bytes[i] & 0x0f];
  }
  return std::string(text, sizeof text);
}

std::string new_uuid() {
  std::array<unsigned char, 16> bytes = random_bytes();
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  return uuid_text(bytes.data());
}

std::string new_time_ordered_uuid() {
  std::array<unsigned char, 16> bytes = random_bytes();
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x70);  // version 7
  return uuid_text(bytes.data());
}

}  // namespace kq::core
