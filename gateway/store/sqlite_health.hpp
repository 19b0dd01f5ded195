#pragma once
// What the store knows about its own state: whether it accepts writes and, if not, why. It feeds
// Store::health() (and so /readyz and kangqiao_store_writable) and the free-space metrics.
//
// Three things make a store unwritable: it is shutting down; its file system has less free space
// than the reserve (min_free_bytes), checked before every group and every probe, so writing stops
// while there is still room to finish a checkpoint and recover, not when SQLite meets a full disk;
// or its last transaction (or probe) failed — a lock held elsewhere, an I/O error. The writer
// probes while idle (sqlite_store.cpp), so each state clears by itself once its cause is gone.
// Transitions are logged once each; the failures in between are for the metrics.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>

#include "gateway/store/store.hpp"

namespace kq::store::sqlite {

class HealthState {
 public:
  HealthState(std::filesystem::path path, std::uint64_t min_free_bytes);

  // Reads the free space of the store's file system; false when it is below the reserve.
  bool check_space();
  // The last check_space() found too little; cheap, for every submit.
  bool space_low() const { return space_low_.load(std::memory_order_relaxed); }
  // Why writes are refused for lack of space (for the sender's reply and the log).
  std::string space_error() const;

  void transaction_succeeded();
  void transaction_failed(const std::string& error);
  bool last_transaction_ok() const;
  void stop_accepting();

  Health health() const;
  std::uint64_t free_bytes() const { return free_bytes_.load(std::memory_order_relaxed); }
  std::uint64_t min_free_bytes() const { return min_free_bytes_; }

 private:
  const std::filesystem::path path_;
  const std::uint64_t min_free_bytes_;
  std::atomic<bool> space_low_{false};
  std::atomic<std::uint64_t> free_bytes_{0};

  mutable std::mutex mutex_;  // guards the rest
  bool accepting_ = true;
  bool last_transaction_ok_ = true;
  std::string last_error_;
  std::int64_t last_error_at_ms_ = 0;
};

// "3.2 MiB": sizes in messages for operators.
std::string human_bytes(std::uint64_t bytes);

}  // namespace kq::store::sqlite
