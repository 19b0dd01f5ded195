#pragma once
// The audit log's hash chain: the canonical encoding of an entry and the hash that links it to
// the entry before it. docs/operations.md ("The audit chain") specifies the same bytes for an
// auditor who recomputes the chain without this code; the two must never drift apart, so the
// encoding is versioned (the chain format, "KQA1-…", is itself part of what is hashed) and a
// change means a new format name, never an edit of this one.
//
//   entry_hash = H(prev_hash || canonical(entry))      H = SM3 (GB/T 32905) or SHA-256
//   prev_hash  = entry_hash of the entry before; 32 zero bytes for the first entry of the chain
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kq::audit {

enum class HashAlgorithm { sm3, sha256 };

inline constexpr std::size_t kHashSize = 32;  // both SM3 and SHA-256
using Hash = std::array<unsigned char, kHashSize>;
inline constexpr Hash kGenesisHash{};  // prev_hash of the first chained entry

// "KQA1-SM3" / "KQA1-SHA256": stored in every entry (audit_log.chain_format) and hashed with it.
std::string_view chain_format(HashAlgorithm algorithm);
std::optional<HashAlgorithm> parse_chain_format(std::string_view format);
// The config spelling: "sm3" | "sha256".
std::optional<HashAlgorithm> parse_hash_name(std::string_view name);
std::string_view hash_name(HashAlgorithm algorithm);

// The fields an entry's hash covers, as the store holds them. A column that is NULL is
// std::nullopt: NULL and "" hash differently, so neither can stand in for the other.
struct EntryFields {
  std::string_view chain_format;
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;  // ms since 1970-01-01T00:00:00Z
  std::string_view event_type;
  std::string_view action;
  std::int64_t outcome = 0;
  std::optional<std::string_view> actor;
  std::optional<std::string_view> org_id;
  std::string_view detail;
  std::optional<std::string_view> message_id;
};

// Appends canonical(entry) to `out`: each field in the order of EntryFields, integers as 8 bytes
// big-endian two's complement, text as a 4-byte big-endian length and its UTF-8 bytes, NULL as
// the length 0xFFFFFFFF and nothing after it.
void encode_entry(const EntryFields& entry, std::string& out);

// The same primitives, for the checkpoint encoding (checkpoint.hpp).
void encode_int(std::int64_t value, std::string& out);
void encode_text(std::string_view text, std::string& out);

// One reusable digest context (SM3 or SHA-256 from OpenSSL 3). Not thread-safe; cheap to reuse.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);  // throws std::runtime_error if OpenSSL lacks it
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;

  HashAlgorithm algorithm() const { return algorithm_; }
  // H(a || b)
  Hash digest(std::string_view a, std::string_view b);
  // entry_hash for `entry` chained after `prev`; `scratch` holds the encoding between calls.
  Hash entry_hash(const Hash& prev, const EntryFields& entry, std::string& scratch);

 private:
  struct Impl;
  HashAlgorithm algorithm_;
  std::unique_ptr<Impl> impl_;
};

// One audit_log row as stored; what the verifier and the exports read. The chain columns are
// std::nullopt for an entry written without a hash.
struct StoredEntry {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string event_type;
  std::string action;
  std::int64_t outcome = 0;
  std::optional<std::string> actor;
  std::optional<std::string> org_id;
  std::string detail;
  std::optional<std::string> message_id;
  std::optional<std::string> chain_format;
  std::optional<std::string> prev_hash;   // raw bytes
  std::optional<std::string> entry_hash;  // raw bytes

  EntryFields fields() const;
};

// The audit log's extent, read in one snapshot.
struct LogExtent {
  std::int64_t first_seq = 0;  // 0: no entries
  std::int64_t last_seq = 0;
  // The highest seq the table has ever assigned (SQLite's AUTOINCREMENT counter): above
  // last_seq when entries at the end were deleted.
  std::int64_t highest_seq_assigned = 0;
  std::int64_t last_checkpoint_id = 0;
  std::int64_t highest_checkpoint_id_assigned = 0;
  // Entries up to this seq were written before the chain existed (schema 4) and have no hash.
  std::int64_t unchained_until = 0;
};

std::string_view as_bytes(const Hash& hash);
// 32 raw bytes → Hash; std::nullopt for any other length.
std::optional<Hash> hash_from_bytes(std::string_view bytes);
std::string to_hex(std::string_view bytes);  // lower case

}  // namespace kq::audit
