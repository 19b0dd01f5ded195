#pragma once
// Changes-feed cursors. A cursor stands for a position in the store's change sequence, but the
// caller must not be able to read that position: the sequence counts every write, including
// records the caller may not see, so a bare number would tell a platform how many records it was
// denied between two of its pages. Cursors are therefore sealed with AES-256-GCM under a key of
// the deployment: opaque, tamper-evident, and still valid after a restart.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace kq::pull {

class CursorCodec {
 public:
  using Key = std::array<unsigned char, 32>;

  explicit CursorCodec(const Key& key) : key_(key) {}

  // Reads the key at `path`, or creates it (32 random bytes, mode 0600) when it does not exist.
  // Throws std::runtime_error naming the file when it cannot be read or written.
  static CursorCodec from_key_file(const std::filesystem::path& path);

  // base64url text of nonce ‖ AES-256-GCM(seq) ‖ tag. `context` is authenticated with it: the
  // endpoint, principal, purpose and filters the position belongs to, so that a cursor handed to
  // another query (or another client) is refused instead of silently skipping its records.
  std::string seal(std::int64_t seq, std::string_view context) const;
  // The position, or nothing when the text is not a cursor sealed with this key for `context`.
  std::optional<std::int64_t> open(std::string_view cursor, std::string_view context) const;

 private:
  Key key_;
};

}  // namespace kq::pull
