#pragma once
// How the store chains and checkpoints the audit log (the `audit:` section of the config).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "gateway/audit/chain.hpp"
#include "gateway/audit/checkpoint.hpp"

namespace kq::audit {

struct ChainSettings {
  // false: entries are written without hashes. For measuring what the chain costs only: such
  // entries are not tamper-evident and `kangqiao audit verify` reports them.
  bool chained = true;
  HashAlgorithm hash = HashAlgorithm::sm3;
  // Signs checkpoints; null: none are written (another process on the same store, e.g.
  // `kangqiao reprocess`, chains its entries and leaves the checkpoints to the gateway).
  std::shared_ptr<const SigningKey> signing_key;
  std::int64_t checkpoint_every_entries = 1000;
  std::chrono::milliseconds checkpoint_every{5 * 60 * 1000};
  std::filesystem::path checkpoint_file;  // empty: the log line is the only copy outside
};

}  // namespace kq::audit
